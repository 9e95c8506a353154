import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { maxPool } from '../../src/engine/models/blocks';
import { makeDivisible } from '../../src/engine/models/mobilenetv2';
import { SHARED, skipUnlessShared } from '../helpers/sharedData';
import { getModelSpec, listModels, type ModelSpec } from '../../src/engine/models/index';
import { countTrainableParams, createModel } from '../../src/engine/zoo/createModel';

// Architectures must match torchvision exactly (torch parameters = tfjs trainable weights).
const TORCHVISION_PARAMS: Record<string, number> = {
  densenet121: 7_978_856,
  resnet18: 11_689_512,
  resnet50: 25_557_032,
  squeezenet1_1: 1_235_496,
  vgg16: 138_357_544,
  mobilenetv2: 3_504_872,
};

// A sample of torchvision module paths (plus derived helper layers) each model must contain.
const EXPECTED_NAMES: Record<string, string[]> = {
  densenet121: ['features.conv0', 'features.conv0.pad', 'features.norm0', 'features.pool0',
    'features.denseblock1.denselayer1.conv1', 'features.denseblock1.denselayer1.norm2',
    'features.denseblock4.denselayer16.conv2', 'features.transition3.conv', 'features.norm5', 'classifier'],
  resnet18: ['conv1', 'conv1.pad', 'bn1', 'maxpool', 'layer1.0.conv1', 'layer1.0.bn2', 'layer1.0.relu2',
    'layer2.0.downsample.0', 'layer2.0.downsample.1', 'layer4.1.conv2', 'fc'],
  resnet50: ['conv1', 'layer1.0.downsample.0', 'layer1.0.conv3', 'layer3.5.bn3', 'layer4.2.conv3', 'fc'],
  squeezenet1_1: ['features.0', 'features.3.squeeze', 'features.3.expand1x1', 'features.3.expand3x3',
    'features.12.expand3x3', 'classifier.1'],
  vgg16: ['features.0', 'features.2', 'features.28', 'features.30', 'classifier.0', 'classifier.3', 'classifier.6'],
  mobilenetv2: ['features.0.0', 'features.0.1', 'features.1.conv.0.0', 'features.1.conv.1',
    'features.2.conv.0.0', 'features.2.conv.1.0', 'features.2.conv.3', 'features.17.conv.3', 'features.18.0',
    'classifier.1'],
};

const TINY = 32; // the smallest image size every architecture supports
const KERAS_MOBILENET = path.join(SHARED, 'weights/mobilenetv2-0.35-imagenet-notop');

function layerNames(model: tf.LayersModel): string[] {
  return model.layers.map((l) => l.name);
}

/**
 * One optimisation step like the trainer's: gradients of softmax cross-entropy, then Adam.
 * Returns the loss and the gradient's global norm.
 */
function trainStep(model: tf.LayersModel, x: tf.Tensor, y: tf.Tensor, optimizer: tf.Optimizer): [number, number] {
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const { value, grads } = tf.variableGrads(
    () => tf.losses.softmaxCrossEntropy(y, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar, vars);
  const norm = tf.tidy(() => tf.sqrt(tf.addN(Object.values(grads).map((g) => tf.sum(tf.square(g))))).dataSync()[0]);
  optimizer.applyGradients(grads);
  const loss = value.dataSync()[0];
  tf.dispose([value, grads]);
  return [loss, norm];
}

/**
 * The cpu backend's stock Conv2DBackpropFilter reads every element through TensorBuffer.get and takes
 * ~60 s for one VGG16 step at 32 px. For this file only, it is replaced by the same sum written as
 * contiguous loops (dW[kh,kw,:,:] += x[b,ih,iw,:] (outer) dy[b,oh,ow,:]), checked against the stock kernel below.
 */
const stockBackpropFilter = tf.getKernel('Conv2DBackpropFilter', 'cpu');

const fastConv2DBackpropFilter: tf.KernelFunc = (args) => {
  const { inputs, backend, attrs = {} } = args;
  const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const a = attrs as unknown as {
    strides: [number, number] | number; pad: 'same' | 'valid' | number; dataFormat: 'NHWC' | 'NCHW';
    dimRoundingMode?: 'floor' | 'round' | 'ceil'; filterShape: [number, number, number, number];
  };
  if (a.dataFormat === 'NCHW') return stockBackpropFilter.kernelFunc(args);
  const info = tf.backend_util.computeConv2DInfo(x.shape as [number, number, number, number], a.filterShape,
    a.strides, 1, a.pad, a.dimRoundingMode, false, 'channelsLast');
  const data = (backend as unknown as { data: { get(id: object): { values: Float32Array } } }).data;
  const xv = data.get(x.dataId).values;
  const dyv = data.get(dy.dataId).values;
  const { batchSize, inHeight, inWidth, inChannels: ci, outHeight, outWidth, outChannels: co } = info;
  const { filterHeight: fh, filterWidth: fw, strideHeight: sh, strideWidth: sw } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  const dW = new Float32Array(fh * fw * ci * co);
  for (let b = 0; b < batchSize; b++) {
    for (let oh = 0; oh < outHeight; oh++) {
      for (let ow = 0; ow < outWidth; ow++) {
        const dyOff = ((b * outHeight + oh) * outWidth + ow) * co;
        for (let kh = 0; kh < fh; kh++) {
          const ih = oh * sh + kh - top;
          if (ih < 0 || ih >= inHeight) continue;
          for (let kw = 0; kw < fw; kw++) {
            const iw = ow * sw + kw - left;
            if (iw < 0 || iw >= inWidth) continue;
            const xOff = ((b * inHeight + ih) * inWidth + iw) * ci;
            const wOff = (kh * fw + kw) * ci * co;
            for (let c1 = 0; c1 < ci; c1++) {
              const v = xv[xOff + c1];
              if (v === 0) continue; // post-ReLU inputs are often zero
              const o = wOff + c1 * co;
              for (let c2 = 0; c2 < co; c2++) dW[o + c2] += v * dyv[dyOff + c2];
            }
          }
        }
      }
    }
  }
  return (backend as unknown as { makeTensorInfo(s: number[], d: string, v: Float32Array): tf.TensorInfo })
    .makeTensorInfo(a.filterShape, 'float32', dW);
};

function useBackpropFilter(kernelFunc: tf.KernelFunc): void {
  tf.unregisterKernel('Conv2DBackpropFilter', 'cpu');
  tf.registerKernel({ ...stockBackpropFilter, kernelFunc });
}

before(async () => {
  await tf.setBackend('cpu');
  useBackpropFilter(fastConv2DBackpropFilter);
});

after(() => useBackpropFilter(stockBackpropFilter.kernelFunc));

test('the test-only Conv2DBackpropFilter matches the stock cpu kernel', () => {
  const cases: [number, number, 'same' | 'valid' | number][] = [[1, 3, 'same'], [2, 3, 'valid'], [2, 7, 0], [2, 1, 'valid']];
  for (const [stride, k, pad] of cases) {
    tf.tidy(() => {
      const x = tf.randomNormal([2, 9, 9, 4], 0, 1, 'float32', 1).relu();
      const filterShape: [number, number, number, number] = [k, k, 4, 5];
      const dy = tf.randomNormal(tf.conv2d(x as tf.Tensor4D, tf.zeros(filterShape), stride, pad).shape, 0, 1, 'float32', 2);
      const attrs = { strides: [stride, stride], pad, dataFormat: 'NHWC', filterShape } as unknown as tf.NamedAttrMap;
      useBackpropFilter(stockBackpropFilter.kernelFunc);
      const expected = tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, attrs) as tf.Tensor;
      useBackpropFilter(fastConv2DBackpropFilter);
      const actual = tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, attrs) as tf.Tensor;
      const err = tf.max(tf.abs(tf.sub(actual, expected))).dataSync()[0];
      assert.ok(err < 1e-4, `stride ${stride} kernel ${k} pad ${pad}: max error ${err}`);
    });
  }
});

describe('model registry', () => {
  test('lists the six architectures with their preprocessing', () => {
    const names = listModels().map((s) => s.name).sort();
    assert.deepEqual(names, Object.keys(TORCHVISION_PARAMS).sort());
    for (const spec of listModels()) {
      assert.equal(spec.normalization, spec.name === 'mobilenetv2' ? 'minus1to1' : 'imagenet', spec.name);
      assert.ok(spec.description.length > 0);
    }
  });

  test('an unknown name fails listing the known names', () => {
    assert.throws(() => getModelSpec('resnet19'), (e: Error) => /resnet19/.test(e.message) && /densenet121/.test(e.message)
      && /mobilenetv2/.test(e.message));
  });

  test('rejects image sizes below 32 and bad class counts', () => {
    assert.throws(() => getModelSpec('resnet18').build({ numClasses: 3, imageSize: 16 }), />= 32/);
    assert.throws(() => getModelSpec('resnet18').build({ numClasses: 0, imageSize: 32 }), /numClasses/);
  });
});

describe('blocks', () => {
  test('ceil-mode max pooling gives torch\'s output size and windows', () => {
    // torch: out = ceil((n - 3) / 2) + 1 with ceil_mode=True
    for (const n of [13, 14, 15, 16, 27, 55, 111]) {
      const x = tf.input({ shape: [n, n, 1] });
      const y = maxPool(x, 'p', { poolSize: 3, strides: 2, ceilMode: true });
      assert.equal(y.shape[1], Math.ceil((n - 3) / 2) + 1, `n=${n}`);
    }
    const x = tf.input({ shape: [4, 4, 1] });
    const model = tf.model({ inputs: x, outputs: maxPool(x, 'pool', { poolSize: 3, strides: 2, ceilMode: true }) });
    const out = tf.tidy(() => model.predict(tf.range(1, 17).reshape([1, 4, 4, 1])) as tf.Tensor);
    // windows rows/cols [0..2] and [2..3] (the second one truncated, as in torch)
    assert.deepEqual(Array.from(out.dataSync()), [11, 12, 15, 16]);
    out.dispose();
    model.dispose();
  });

  test('makeDivisible follows torchvision', () => {
    assert.equal(makeDivisible(32 * 0.35), 16); // 8 would be more than 10% below 11.2
    assert.equal(makeDivisible(16 * 0.35), 8);
    assert.equal(makeDivisible(24 * 0.35), 8);
    assert.equal(makeDivisible(96 * 0.35), 32);
    assert.equal(makeDivisible(32), 32);
    assert.equal(makeDivisible(1280 * 1.4), 1792);
  });
});

function checkStructure(spec: ModelSpec, model: tf.LayersModel): void {
  const names = layerNames(model);
  assert.equal(new Set(names).size, names.length, 'layer names are unique');
  for (const n of EXPECTED_NAMES[spec.name]) assert.ok(names.includes(n), `${spec.name} has layer ${n}`);
  const cam = model.getLayer(spec.defaultCamLayer);
  assert.equal((cam.outputShape as number[]).length, 4, 'CAM layer outputs a feature map');
  for (const h of spec.headLayers) assert.ok(names.includes(h), `${spec.name} has head layer ${h}`);
}

for (const spec of listModels()) {
  describe(spec.name, () => {
    test(`1000 classes: torchvision's parameter count and layer names`, () => {
      const before = tf.memory().numTensors;
      const model = spec.build({ numClasses: 1000, imageSize: 224 });
      try {
        assert.equal(countTrainableParams(model), TORCHVISION_PARAMS[spec.name]);
        assert.deepEqual(model.outputs[0].shape, [null, 1000]);
        checkStructure(spec, model);
      } finally {
        model.dispose();
      }
      assert.equal(tf.memory().numTensors, before, 'no tensors leak');
    });

    test(`3 classes at ${TINY} px: logits, one Adam step, no leaks`, () => {
      const before = tf.memory().numTensors;
      const model = spec.build({ numClasses: 3, imageSize: TINY });
      const optimizer = tf.train.adam(1e-3);
      const x = tf.randomUniform([2, TINY, TINY, 3], -1, 1, 'float32', 7);
      const y = tf.tensor2d([[1, 0, 0], [0, 0, 1]]);
      try {
        checkStructure(spec, model);
        // VGG16's 4096-wide Linear layers hold 120M of its 134M parameters: Adam over them alone takes ~40 s
        // on the cpu backend. They stay frozen for this step; gradients still flow through them to every conv.
        for (const name of spec.name === 'vgg16' ? ['classifier.0', 'classifier.3'] : []) {
          model.getLayer(name).trainable = false;
        }
        const headKernel = model.getLayer(spec.headLayers[spec.headLayers.length - 1]).getWeights()[0];
        const kernelBefore = headKernel.dataSync().slice();
        const [loss, gradNorm] = trainStep(model, x, y, optimizer);
        assert.ok(Number.isFinite(loss) && loss > 0, `finite loss, got ${loss}`);
        assert.ok(Number.isFinite(gradNorm), `finite gradient, norm ${gradNorm}`);
        // SqueezeNet's head ends in a ReLU: at initialisation every class map can be inactive (zero gradient)
        if (spec.name !== 'squeezenet1_1') assert.ok(gradNorm > 0, 'the loss has a gradient');
        const kernelAfter = model.getLayer(spec.headLayers[spec.headLayers.length - 1]).getWeights()[0].dataSync();
        const changed = kernelAfter.some((v, i) => v !== kernelBefore[i]);
        assert.equal(changed, gradNorm > 0, 'Adam moved the head exactly when there was a gradient');
        const logits = tf.tidy(() => model.predict(x) as tf.Tensor);
        assert.deepEqual(logits.shape, [2, 3]);
        assert.ok(Array.from(logits.dataSync()).every(Number.isFinite));
        logits.dispose();
      } finally {
        tf.dispose([x, y]);
        optimizer.dispose();
        model.dispose();
      }
      assert.equal(tf.memory().numTensors, before, 'no tensors leak');
    });
  });
}

describe('architecture options', () => {
  test('mobilenetv2 widthMultiplier uses torchvision\'s channel rule', () => {
    const model = getModelSpec('mobilenetv2').build({ numClasses: 3, imageSize: TINY, widthMultiplier: 0.35 });
    try {
      const channels = (n: string) => (model.getLayer(n).outputShape as number[])[3];
      assert.equal(channels('features.0.0'), 16);
      assert.equal(channels('features.1.conv.1'), 8);
      assert.equal(channels('features.17.conv.2'), 112);
      assert.equal(channels('features.18.0'), 1280); // last channel never below 1280
    } finally {
      model.dispose();
    }
  });

  test('vgg16 refuses sizes AdaptiveAvgPool2d(7) cannot map to a layer', () => {
    assert.throws(() => getModelSpec('vgg16').build({ numClasses: 3, imageSize: 100 }), /AdaptiveAvgPool2d/);
  });

  test('freezeBackbone leaves only the head trainable', async () => {
    const before = tf.memory().numTensors;
    const { model, headLayers } = await createModel('squeezenet1_1', { numClasses: 3, imageSize: TINY, freezeBackbone: true });
    try {
      assert.deepEqual(headLayers, ['classifier.1']);
      assert.deepEqual(model.trainableWeights.map((w) => w.originalName).sort(),
        ['classifier.1/bias', 'classifier.1/kernel']);
      assert.equal(countTrainableParams(model), 512 * 3 + 3);
    } finally {
      model.dispose();
    }
    assert.equal(tf.memory().numTensors, before);
  });
});

describe('pretrained backbone (Keras MobileNetV2 0.35)', () => {
  const skip = skipUnlessShared(path.join(KERAS_MOBILENET, 'model.json'));

  /** The file's weights by name, decoded straight from weights.bin. */
  function fileWeights(): tf.NamedTensorMap {
    const json = JSON.parse(readFileSync(path.join(KERAS_MOBILENET, 'model.json'), 'utf8')) as tf.io.ModelJSON;
    const specs = json.weightsManifest.flatMap((g) => g.weights);
    const bin = readFileSync(path.join(KERAS_MOBILENET, 'weights.bin'));
    return tf.io.decodeWeights(bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength), specs);
  }

  test('new 3-class head on the file\'s backbone at 64 px', { skip }, async () => {
    const before = tf.memory().numTensors;
    const created = await createModel('mobilenetv2', { pretrained: KERAS_MOBILENET, numClasses: 3, imageSize: 64 });
    const expected = fileWeights();
    try {
      const { model } = created;
      assert.equal(created.camLayer, 'out_relu');
      assert.deepEqual(model.getLayer('out_relu').outputShape, [null, 2, 2, 1280]);
      assert.equal(created.normalization, 'minus1to1');
      assert.deepEqual(created.headLayers, ['head.pool', 'head.fc']);
      const logits = tf.tidy(() => model.predict(tf.randomUniform([2, 64, 64, 3], -1, 1)) as tf.Tensor);
      assert.deepEqual(logits.shape, [2, 3]);
      logits.dispose();
      let compared = 0;
      for (const w of model.weights) {
        if (w.originalName.startsWith('head.')) continue;
        const ref = expected[w.originalName];
        assert.ok(ref, `weight ${w.originalName} is in the file`);
        assert.deepEqual(w.read().dataSync(), ref.dataSync(), w.originalName);
        compared++;
      }
      assert.equal(compared, Object.keys(expected).length, 'every file weight is in the model');
      const bn = model.layers.filter((l) => l.getClassName() === 'BatchNormalization');
      assert.ok(bn.length > 0 && bn.every((l) => l.getConfig().momentum === 0.9), 'BatchNorm momentum is torch\'s 0.1 (tfjs 0.9), not Keras\'s 0.999');
    } finally {
      tf.dispose(expected);
      created.model.dispose();
    }
    assert.equal(tf.memory().numTensors, before);
  });

  test('freezeBackbone trains only head.fc', { skip }, async () => {
    const before = tf.memory().numTensors;
    const { model } = await createModel('mobilenetv2',
      { pretrained: KERAS_MOBILENET, numClasses: 3, imageSize: 64, freezeBackbone: true });
    try {
      assert.deepEqual(model.trainableWeights.map((w) => w.originalName).sort(), ['head.fc/bias', 'head.fc/kernel']);
      assert.equal(countTrainableParams(model), 1280 * 3 + 3);
    } finally {
      model.dispose();
    }
    assert.equal(tf.memory().numTensors, before);
  });
});
