import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { promises as fs, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import sharp from 'sharp';
import { initBackend } from '../../src/engine/backend';
import { CAFFE_BGR_MEAN, loadImageTensorData, normalizationTable } from '../../src/engine/dataset/preprocess';
import { getModelSpec } from '../../src/engine/models/index';
import { createRng } from '../../src/engine/random';
import { readKerasH5, type KerasTensor, type KerasWeights } from '../../src/engine/weights/h5';
import { kerasModelFromH5, kerasModelFromWeights, kerasWidth } from '../../src/engine/weights/keras';
import { maxRelErr } from '../parity/compareCase';

/**
 * Keras .h5 weights. Fixtures (test/fixtures/weights/make_h5_fixtures.py, made with Keras 3 / h5py):
 * keras-mobilenetv2-tiny (a Keras MobileNetV2, alpha 0.112, 48 px, with Keras' logits and out_relu map),
 * keras-layouts (reader layouts) and keras-manifests (Keras' layer names and shapes of the four
 * architectures, from which the tests make weights without committing them).
 */
const FIXTURES = path.join(__dirname, '..', 'fixtures', 'weights');
const TINY = path.join(FIXTURES, 'keras-mobilenetv2-tiny');
const TINY_H5 = path.join(TINY, 'weights.h5');
const LAYOUTS = path.join(FIXTURES, 'keras-layouts');

let tmp: string;
before(async () => {
  await initBackend('auto');
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'cxr-keras-'));
});
after(async () => { await fs.rm(tmp, { recursive: true, force: true }); });

function readF32(file: string): Float32Array {
  const buf = readFileSync(file);
  return new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
}

type Manifest = { layers: [string, [string, number[]][]][] };

/**
 * Weights with Keras' names and shapes for one architecture: Keras 3 names (`conv1_conv/kernel`) or
 * Keras 2 names as Keras Applications files have them (`:0` suffixes, `depthwise_kernel`, DenseNet's
 * stem `conv1/conv`, `conv1/bn`).
 * Values: `fill(layer, weight, size)`, zeros by default (cheap for VGG16's 138M).
 */
function manifestWeights(
  name: string, style: 'keras3' | 'keras2' = 'keras3',
  fill: (layer: string, weight: string, size: number) => Float32Array = (_l, _w, n) => new Float32Array(n),
): KerasWeights {
  const manifest = JSON.parse(readFileSync(path.join(FIXTURES, 'keras-manifests', `${name}.json`), 'utf8')) as Manifest;
  const weights: KerasWeights = new Map();
  for (const [layer, tensors] of manifest.layers) {
    const fileLayer = style === 'keras2' && name === 'densenet121' ? layer.replace(/^conv1_(conv|bn)$/, 'conv1/$1') : layer;
    weights.set(fileLayer, tensors.map(([w, shape]) => {
      const weight = style === 'keras2' && w === 'kernel' && /depthwise$/.test(layer) ? 'depthwise_kernel' : w;
      const size = shape.reduce((a, b) => a * b, 1);
      return { name: style === 'keras2' ? `${fileLayer}/${weight}:0` : `${layer}/${weight}`, shape, values: fill(layer, w, size) };
    }));
  }
  return weights;
}

function layerConfig(model: tf.LayersModel, name: string): Record<string, unknown> {
  return model.getLayer(name).getConfig() as Record<string, unknown>;
}

describe('Keras .h5 reader', () => {
  /** Tensor i of a layouts fixture holds 100 * i + 0.5 * j at index j. */
  function checkPattern(tensors: KerasTensor[], first: number): void {
    tensors.forEach((t, k) => {
      const expected = Float32Array.from({ length: t.values.length }, (_, j) => 100 * (first + k) + 0.5 * j);
      assert.deepEqual(t.values, expected, t.name);
    });
  }

  test('Keras Applications layout: layer names with "/", weight_names order, layer_names split in two', async () => {
    const w = await readKerasH5(path.join(LAYOUTS, 'applications-keras2.h5'));
    assert.deepEqual([...w.keys()], ['conv1/conv', 'conv1/bn', 'predictions']); // weightless layers left out
    assert.deepEqual(w.get('conv1/bn')!.map((t) => t.name),
      ['conv1/bn/gamma:0', 'conv1/bn/beta:0', 'conv1/bn/moving_mean:0', 'conv1/bn/moving_variance:0']);
    assert.deepEqual(w.get('conv1/conv')![0].shape, [3, 3, 3, 4]);
    assert.deepEqual(w.get('predictions')!.map((t) => t.shape), [[4, 5], [5]]);
    checkPattern(w.get('conv1/conv')!, 0);
    checkPattern(w.get('conv1/bn')!, 1);
    checkPattern(w.get('predictions')!, 5);
  });

  test('full-model file: the same layers under model_weights (Keras 3 names)', async () => {
    const w = await readKerasH5(path.join(LAYOUTS, 'full-model.h5'));
    assert.deepEqual([...w.keys()], ['conv1_conv', 'conv1_bn', 'predictions']);
    assert.deepEqual(w.get('conv1_conv')!.map((t) => t.name), ['conv1_conv/kernel']);
    checkPattern(w.get('conv1_bn')!, 1);
    checkPattern(w.get('predictions')!, 5);
  });

  test('files that are not Keras weights: errors naming the file', async () => {
    const text = path.join(tmp, 'weights.h5');
    await fs.writeFile(text, 'this is not HDF5 at all, just text long enough to read');
    await assert.rejects(readKerasH5(text), (e: Error) => e.message.includes(text) && /not an HDF5 file/.test(e.message));
    const notKeras = path.join(LAYOUTS, 'not-keras.h5');
    await assert.rejects(readKerasH5(notKeras), (e: Error) => e.message.includes(notKeras) && /not a Keras weights file/.test(e.message));
    await assert.rejects(readKerasH5(path.join(tmp, 'absent.h5')), /absent\.h5: no such file/);
  });
});

describe('Keras weights into our architectures', () => {
  test('MobileNetV2 (alpha 0.112) reproduces Keras logits and out_relu map', async () => {
    const before = tf.memory().numTensors;
    const meta = JSON.parse(await fs.readFile(path.join(TINY, 'meta.json'), 'utf8')) as { inputShape: [number, number, number, number] };
    const { model, normalization, buildOptions } = await kerasModelFromH5(TINY_H5, getModelSpec('mobilenetv2'), { imageSize: 48, includeTop: true, widthMultiplier: 0.112 });
    assert.equal(normalization, 'minus1to1');
    assert.deepEqual(buildOptions, { widthMultiplier: 0.112, variant: 'keras' });
    const probe = tf.model({ inputs: model.inputs, outputs: [model.outputs[0], model.getLayer('features.18.2').output as tf.SymbolicTensor] });
    const input = tf.tensor4d(readF32(path.join(TINY, 'input.f32')), meta.inputShape);
    const [logits, features] = probe.predict(input) as tf.Tensor[];
    const logitsErr = maxRelErr(await logits.data(), readF32(path.join(TINY, 'logits.f32')));
    const featuresErr = maxRelErr(await features.data(), readF32(path.join(TINY, 'activation.f32')));
    assert.ok(logitsErr <= 1e-4, `logits rel. error ${logitsErr}`);
    assert.ok(featuresErr <= 1e-4, `out_relu rel. error ${featuresErr}`);
    tf.dispose([input, logits, features]);
    model.dispose();
    assert.equal(tf.memory().numTensors, before);
  });

  test('without the top: numClasses outputs, head left initialised, backbone still Keras-exact', async () => {
    const { model } = await kerasModelFromH5(TINY_H5, getModelSpec('mobilenetv2'), { imageSize: 48, includeTop: false, numClasses: 2, widthMultiplier: 0.112 });
    assert.deepEqual(model.outputs[0].shape, [null, 2]);
    const features = tf.model({ inputs: model.inputs, outputs: model.getLayer('features.18.2').output as tf.SymbolicTensor });
    const input = tf.tensor4d(readF32(path.join(TINY, 'input.f32')), [1, 48, 48, 3]);
    const out = features.predict(input) as tf.Tensor;
    assert.ok(maxRelErr(await out.data(), readF32(path.join(TINY, 'activation.f32'))) <= 1e-4);
    tf.dispose([input, out]);
    model.dispose();
  });

  test('Keras rounds MobileNetV2 widths from int(c * alpha): torchvision widths do not take these weights', async () => {
    const weights = await readKerasH5(TINY_H5);
    const torchStructure = getModelSpec('mobilenetv2').build({ numClasses: 3, imageSize: 48, widthMultiplier: 0.112 });
    // Keras: _make_divisible(int(160 * 0.112) = 17) = 16 channels; torchvision: _make_divisible(17.92) = 24
    assert.equal(torchStructure.getLayer('features.14.conv.3').getWeights()[0].shape[0], 24);
    torchStructure.dispose();
    const { model } = kerasModelFromWeights(weights, getModelSpec('mobilenetv2'), { imageSize: 48, includeTop: true, widthMultiplier: 0.112 }, 'tiny');
    assert.equal(model.getLayer('features.14.conv.3').getWeights()[0].shape[0], 16);
    model.dispose();
  });

  test('MobileNetV2 alpha from the file: the stem and last block widths', async () => {
    assert.equal(kerasWidth(getModelSpec('mobilenetv2'), 'm', manifestWeights('mobilenetv2-1.0')), 1);
    assert.equal(kerasWidth(getModelSpec('mobilenetv2'), 'm', manifestWeights('mobilenetv2-0.35')), 0.35);
    await assert.rejects(kerasModelFromH5(TINY_H5, getModelSpec('mobilenetv2'), { imageSize: 48, includeTop: true }),
      /cannot tell the MobileNetV2 alpha \(Conv1 has 8 filters, block_16_project 32\)/);
  });

  for (const [name, arch, imageSize] of [
    ['densenet121', 'densenet121', 32], ['resnet50', 'resnet50', 32], ['vgg16', 'vgg16', 32],
    ['mobilenetv2-1.0', 'mobilenetv2', 32], ['mobilenetv2-0.35', 'mobilenetv2', 32],
  ] as const) {
    test(`every Keras ${name} layer maps onto our ${arch}, with and without top`, () => {
      const before = tf.memory().numTensors;
      for (const style of ['keras3', 'keras2'] as const) {
        const { model } = kerasModelFromWeights(manifestWeights(name, style), getModelSpec(arch), { imageSize, includeTop: true }, name);
        assert.deepEqual(model.outputs[0].shape, [null, 1000]);
        model.dispose();
        if (arch === 'vgg16') break; // 138M parameters: once is enough
      }
      if (arch !== 'vgg16') {
        const { model } = kerasModelFromWeights(manifestWeights(name), getModelSpec(arch), { imageSize, includeTop: false, numClasses: 3 }, name);
        const head = getModelSpec(arch).headLayers[0];
        assert.deepEqual(model.outputs[0].shape, [null, 3]);
        assert.ok(model.getLayer(head).getWeights()[0].dataSync().some((v) => v !== 0), 'head initialised, not from the file');
        model.dispose();
      }
      assert.equal(tf.memory().numTensors, before);
    });
  }

  test('ResNet50: conv bias folded into the moving mean, Keras epsilon into the moving variance', async () => {
    const rng = createRng(3);
    const fill = (layer: string, weight: string, n: number) => Float32Array.from({ length: n }, () =>
      weight === 'moving_variance' ? 0.5 + rng.next() : weight === 'gamma' ? 0.5 + rng.next() : (rng.next() - 0.5) * (layer === 'conv1_conv' ? 1 : 0.1));
    const weights = manifestWeights('resnet50', 'keras3', fill);
    const { model, normalization } = kerasModelFromWeights(weights, getModelSpec('resnet50'), { imageSize: 32, includeTop: true }, 'r50');
    assert.equal(normalization, 'caffe');
    const probe = tf.model({ inputs: model.inputs, outputs: model.getLayer('bn1').output as tf.SymbolicTensor });
    const x = tf.randomNormal([1, 32, 32, 3], 0, 1, 'float32', 5) as tf.Tensor4D;
    const [kernel, bias] = weights.get('conv1_conv')!.map((t) => tf.tensor(t.values, t.shape));
    const [gamma, beta, mean, variance] = weights.get('conv1_bn')!.map((t) => tf.tensor(t.values, t.shape));
    // Keras: Conv2D(64, 7, strides 2, bias) after ZeroPadding2D(3), BatchNormalization(epsilon=1.001e-5)
    const keras = (withBias: boolean, eps: number) => tf.tidy(() => {
      const conv = tf.conv2d(tf.pad(x, [[0, 0], [3, 3], [3, 3], [0, 0]]), kernel as tf.Tensor4D, 2, 'valid');
      const y = withBias ? conv.add(bias) : conv;
      return y.sub(mean).div(variance.add(eps).sqrt()).mul(gamma).add(beta);
    });
    const ours = probe.predict(x) as tf.Tensor;
    const reference = keras(true, 1.001e-5);
    const err = maxRelErr(await ours.data(), await reference.data());
    assert.ok(err <= 1e-5, `rel. error ${err}`);
    const unfolded = keras(false, 1e-5);
    assert.ok(maxRelErr(await ours.data(), await unfolded.data()) > 1e-2, 'the bias matters in this check');
    tf.dispose([x, kernel, bias, gamma, beta, mean, variance, ours, reference, unfolded]);
    model.dispose();
  });

  test('strict: missing, extra, unknown, misnamed or misshapen weights fail naming the layer; nothing leaks', async () => {
    const weights = await readKerasH5(TINY_H5);
    const opts = { imageSize: 48, includeTop: true, widthMultiplier: 0.112 };
    const load = (w: KerasWeights) => kerasModelFromWeights(w, getModelSpec('mobilenetv2'), opts, 'tiny.h5');
    const before = tf.memory().numTensors;
    const without = new Map(weights);
    without.delete('block_3_project_BN');
    assert.throws(() => load(without), /tiny\.h5: .*layer 'features\.4\.conv\.3' has no weights in the file/);
    const misshapen = new Map(weights).set('Conv1', [{ name: 'Conv1/kernel', shape: [3, 3, 3, 9], values: new Float32Array(243) }]);
    assert.throws(() => load(misshapen), /layer 'features\.0\.0' weight .* has shape \[3, 3, 3, 8\], the file gives \[3, 3, 3, 9\]/);
    const unknown = new Map(weights).set('my_extra_dense', weights.get('predictions')!);
    assert.throws(() => load(unknown), /unknown Keras layer 'my_extra_dense'/);
    const extraBlock = new Map(weights).set('block_17_project', weights.get('block_16_project')!);
    assert.throws(() => load(extraBlock), /Keras layer 'block_17_project' \(our 'features\.18\.conv\.2'\) is not in this mobilenetv2/);
    const bn = weights.get('bn_Conv1')!;
    const swapped = new Map(weights).set('bn_Conv1', [bn[1], bn[0], bn[2], bn[3]]);
    assert.throws(() => load(swapped), /Keras layer 'bn_Conv1' has weights \[beta, gamma, moving_mean, moving_variance\]/);
    const notop = new Map(weights);
    notop.delete('predictions');
    assert.throws(() => load(notop), /tiny\.h5 has no 'predictions' layer to keep/);
    assert.equal(tf.memory().numTensors, before);
    const vggNotop = manifestWeights('vgg16');
    for (const k of ['fc1', 'fc2', 'predictions']) vggNotop.delete(k);
    assert.throws(() => kerasModelFromWeights(vggNotop, getModelSpec('vgg16'), { imageSize: 224, includeTop: false }, 'vgg.h5'), /lacks VGG16's fc1\/fc2/);
    await assert.rejects(kerasModelFromH5(TINY_H5, getModelSpec('squeezenet1_1'), opts), /not into squeezenet1_1/);
  });
});

describe('Keras structure variants', () => {
  test("resnet50 'keras' strides the first 1x1 conv (v1); the default strides the 3x3 (torchvision v1.5)", () => {
    const spec = getModelSpec('resnet50');
    const keras = spec.build({ numClasses: 2, imageSize: 32, variant: 'keras' });
    const torch = spec.build({ numClasses: 2, imageSize: 32 });
    assert.deepEqual([layerConfig(keras, 'layer2.0.conv1').strides, layerConfig(keras, 'layer2.0.conv2').strides], [[2, 2], [1, 1]]);
    assert.deepEqual([layerConfig(torch, 'layer2.0.conv1').strides, layerConfig(torch, 'layer2.0.conv2').strides], [[1, 1], [2, 2]]);
    assert.equal(keras.countParams(), torch.countParams());
    keras.dispose();
    torch.dispose();
  });

  test("mobilenetv2 'keras' pads stride-2 convs TensorFlow's way ('same'), the default symmetrically", () => {
    const spec = getModelSpec('mobilenetv2');
    const keras = spec.build({ numClasses: 2, imageSize: 32, variant: 'keras' });
    const torch = spec.build({ numClasses: 2, imageSize: 32 });
    for (const name of ['features.0.0', 'features.2.conv.1.0']) {
      assert.equal(layerConfig(keras, name).padding, 'same', name);
      assert.equal(layerConfig(torch, name).padding, 'valid', name);
      assert.ok(torch.layers.some((l) => l.name === `${name}.pad`) && !keras.layers.some((l) => l.name === `${name}.pad`));
    }
    keras.dispose();
    torch.dispose();
  });

  test('unknown variants are errors, not the default structure', () => {
    assert.throws(() => getModelSpec('resnet18').build({ numClasses: 2, imageSize: 32, variant: 'keras' }), /resnet18: unknown variant 'keras' \(variants: none\)/);
    assert.throws(() => getModelSpec('densenet121').build({ numClasses: 2, imageSize: 32, variant: 'keras' }), /unknown variant/);
    assert.throws(() => getModelSpec('mobilenetv2').build({ numClasses: 2, imageSize: 32, variant: 'tf' }), /variants: 'keras'/);
  });
});

describe("'caffe' normalization (Keras VGG16 / ResNet50)", () => {
  test('BGR order, 0-255 minus the ImageNet BGR mean, no std', async () => {
    const rgb = Buffer.from([10, 120, 250, 0, 255, 128, 77, 3, 200, 255, 255, 255]);
    const file = path.join(tmp, 'rgb.png');
    await sharp(rgb, { raw: { width: 2, height: 2, channels: 3 } }).png().toFile(file);
    const x = await loadImageTensorData(file, { imageSize: 2, normalization: 'caffe' });
    const expected = Array.from({ length: 12 }, (_, i) => rgb[i - (i % 3) + 2 - (i % 3)] - CAFFE_BGR_MEAN[i % 3]);
    expected.forEach((v, i) => assert.ok(Math.abs(x[i] - v) < 1e-4, `value ${i}: ${x[i]} vs ${v}`));
    const grey = path.join(tmp, 'grey.png');
    await sharp(Buffer.from([0, 90, 180, 255]), { raw: { width: 2, height: 2, channels: 1 } }).toColourspace('b-w').png().toFile(grey);
    const g = await loadImageTensorData(grey, { imageSize: 2, normalization: 'caffe' });
    [0, 90, 180, 255].forEach((v, p) => [0, 1, 2].forEach((c) => assert.ok(Math.abs(g[p * 3 + c] - (v - CAFFE_BGR_MEAN[c])) < 1e-4)));
    assert.equal(normalizationTable('caffe')[256 + 200], Math.fround(200 - 116.779));
  });
});
