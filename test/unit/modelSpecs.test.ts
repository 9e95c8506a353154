import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import * as os from 'node:os';
import { before, describe, test } from 'node:test';
import { initBackend } from '../../src/engine/backend';
import { getModelSpec, listModels } from '../../src/engine/models/index';
import type { ModelSpec, ShapeOf } from '../../src/engine/models/spec';
import { pickMicroBatch } from '../../src/engine/train/microBatch';
import { imagenetSource, torchvisionHashPrefix } from '../../src/engine/weights/sources';

/**
 * An architecture is one entry: every built-in ModelSpec carries its weight sources, Keras hooks, width
 * hooks and memory figures, and the generic code (sources, micro-batch planner) gives what the
 * per-mechanism tables gave before they moved into the specs.
 */

const ARCHS = ['densenet121', 'resnet18', 'resnet50', 'squeezenet1_1', 'vgg16', 'mobilenetv2'];

/** The former tables of weights/sources.ts and train/microBatch.ts. */
const TORCHVISION_FILES: Record<string, string> = {
  resnet18: 'resnet18-f37072fd.pth', resnet50: 'resnet50-0676ba61.pth', densenet121: 'densenet121-a639ec97.pth',
  squeezenet1_1: 'squeezenet1_1-b8a52dc0.pth', vgg16: 'vgg16-397923af.pth', mobilenetv2: 'mobilenet_v2-b0353104.pth',
};
const KERAS = 'https://storage.googleapis.com/tensorflow/keras-applications/';
const KERAS_FILES: Record<string, [string, string | undefined][]> = {
  densenet121: [
    ['densenet/densenet121_weights_tf_dim_ordering_tf_kernels.h5', '9d60b8095a5708f2dcce2bca79d332c7'],
    ['densenet/densenet121_weights_tf_dim_ordering_tf_kernels_notop.h5', '30ee3e1110167f948a6b9946edeeb738'],
  ],
  resnet50: [
    ['resnet/resnet50_weights_tf_dim_ordering_tf_kernels.h5', '2cb95161c43110f7111970584f804107'],
    ['resnet/resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5', '4d473c1dd8becc155b73f8504c6f6626'],
  ],
  vgg16: [
    ['vgg16/vgg16_weights_tf_dim_ordering_tf_kernels.h5', '64373286793e3c8b2b4e3219cbf3544b'],
    ['vgg16/vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5', '6d6bbae143d832006294945121d1f1fc'],
  ],
  mobilenetv2: [
    ['mobilenet_v2/mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_224.h5', undefined],
    ['mobilenet_v2/mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_224_no_top.h5', undefined],
  ],
};
const WASM_IMAGES_AT_224: Record<string, number> = {
  densenet121: 2, resnet18: 8, resnet50: 2, squeezenet1_1: 8, vgg16: 2, mobilenetv2: 4,
};
const NATIVE_GB_PER_IMAGE_AT_224: Record<string, number> = {
  densenet121: 0.47, resnet18: 0.1, resnet50: 0.45, squeezenet1_1: 0.15, vgg16: 0.6, mobilenetv2: 0.25,
};

/** The planner's formula with the former tables' values (and fallbacks 2 images / 0.9 GB). */
function formerMicroBatch(arch: string, imageSize: number, batchSize: number, backend: string): number {
  const budget = Math.min(6, 0.3 * os.totalmem() / 2 ** 30);
  const scale = (224 / imageSize) ** 2;
  const fit = backend === 'wasm'
    ? Math.floor((WASM_IMAGES_AT_224[arch] ?? 2) * scale)
    : Math.floor(Math.max(0, budget - 1) / (NATIVE_GB_PER_IMAGE_AT_224[arch] ?? 0.9) * scale);
  return Math.max(1, Math.min(batchSize, fit));
}

before(async () => { await initBackend('auto'); });

describe('model specs', () => {
  test('listModels() names the six built-in architectures, each spec found by its name', () => {
    assert.deepEqual(listModels().map((s) => s.name).filter((n) => ARCHS.includes(n)), ARCHS);
    for (const name of ARCHS) assert.equal(getModelSpec(name).name, name);
  });

  test('every torchvision file carries its SHA-256 prefix; sources are the former URLs and checksums', () => {
    const models = listModels();
    for (const name of ARCHS) {
      const spec = getModelSpec(name);
      assert.equal(spec.torchvision?.file, TORCHVISION_FILES[name], name);
      assert.match(torchvisionHashPrefix(spec.torchvision!.file) ?? '', /^[0-9a-f]{8,}$/, name);
      const s = imagenetSource(models, name, 'pth');
      assert.equal(s.url, `https://download.pytorch.org/models/${TORCHVISION_FILES[name]}`);
      assert.deepEqual(s.checksum, { algorithm: 'sha256', hex: torchvisionHashPrefix(s.fileName), prefixOnly: true });
      assert.equal(s.arch, name);
    }
    assert.deepEqual(models.filter((m) => m.keras).map((m) => m.name), Object.keys(KERAS_FILES).sort((a, b) => ARCHS.indexOf(a) - ARCHS.indexOf(b)));
    for (const [name, files] of Object.entries(KERAS_FILES)) {
      files.forEach(([file, md5], i) => {
        const s = imagenetSource(models, name, 'h5', { includeTop: i === 0 });
        assert.equal(s.url, KERAS + file);
        assert.deepEqual(s.checksum, md5 ? { algorithm: 'md5', hex: md5 } : undefined, file);
      });
    }
  });

  test('Keras hooks: the top maps onto the head, a known normalization, a variant the builder accepts', () => {
    for (const spec of listModels().filter((m) => ARCHS.includes(m.name) && m.keras)) {
      const keras = spec.keras!;
      assert.equal(keras.kerasName('predictions'), spec.headLayers[0], spec.name);
      assert.equal(keras.kerasName('not_a_keras_layer'), undefined, spec.name);
      assert.ok(['imagenet', 'caffe', 'minus1to1'].includes(keras.normalization), spec.name);
      assert.ok(keras.epsilon > 0 && keras.epsilon <= 1e-3, spec.name);
      if (keras.variant && spec.name !== 'vgg16') {
        spec.build({ numClasses: 2, imageSize: 32, variant: keras.variant }).dispose();
      }
    }
  });

  /** shapeOf over our model's layers: torch OIHW (from HWIO) for torchvision keys, HWIO for Keras layers. */
  function torchShapes(model: tf.LayersModel): ShapeOf {
    return (key) => {
      const layer = model.layers.find((l) => `${l.name}.weight` === key);
      const s = layer?.getWeights()[0]?.shape;
      return s && s.length === 4 ? [s[3], s[2], s[0], s[1]] : s;
    };
  }
  function kerasShapes(model: tf.LayersModel, spec: ModelSpec): ShapeOf {
    return (kerasLayer) => {
      const ours = spec.keras!.kerasName(kerasLayer);
      return ours ? model.getLayer(ours).getWeights()[0]?.shape : undefined;
    };
  }

  test('width hooks read back the width a model was built with (torchvision and Keras)', () => {
    for (const spec of listModels().filter((m) => ARCHS.includes(m.name))) {
      const hasWidth = spec.torchvision?.width !== undefined || spec.keras?.width !== undefined;
      assert.equal(hasWidth, spec.name === 'mobilenetv2', spec.name);
      if (!hasWidth) continue;
      for (const w of [1, 0.35]) {
        const torch = spec.build({ numClasses: 2, imageSize: 32, widthMultiplier: w });
        assert.equal(spec.torchvision!.width!(torchShapes(torch)), w);
        torch.dispose();
        const keras = spec.build({ numClasses: 2, imageSize: 32, widthMultiplier: w, variant: spec.keras!.variant });
        assert.equal(spec.keras!.width!(kerasShapes(keras, spec)), w);
        keras.dispose();
      }
      assert.throws(() => spec.torchvision!.width!(() => undefined), /cannot tell the MobileNetV2 width multiplier/);
    }
  });

  test('pickMicroBatch gives the former figures for every architecture, and the fallbacks without any', () => {
    for (const name of ARCHS) {
      const spec = getModelSpec(name);
      assert.ok(spec.memory, name);
      for (const backend of ['wasm', 'tensorflow', 'cpu']) {
        for (const [size, batch] of [[224, 1000], [112, 1000], [448, 1000], [224, 3]]) {
          assert.equal(pickMicroBatch(spec, size, batch, backend), formerMicroBatch(name, size, batch, backend), `${name} ${backend} ${size}`);
        }
      }
    }
    assert.equal(pickMicroBatch({}, 224, 1000, 'wasm'), 2);
    assert.equal(pickMicroBatch({}, 224, 1000, 'tensorflow'), formerMicroBatch('tiny-test', 224, 1000, 'tensorflow'));
  });
});
