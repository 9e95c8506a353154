import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { initBackend } from '../../src/engine/backend';
import { createRng } from '../../src/engine/random';
import { createModel } from '../../src/engine/zoo/createModel';
import { assignWeights, type RawTensor } from '../../src/engine/weights/assign';
import { detectWeightFormat } from '../../src/engine/weights/convert';
import { modelFromWeightsFile } from '../../src/engine/zoo/weightsFile';
import { readImportedInfo } from '../../src/engine/weights/imported';
import { importWeights } from '../../src/engine/jobs/importWeights';
import { readTorchStateDict } from '../../src/engine/weights/pth';
import { normaliseTorchKeys, torchvisionPlan } from '../../src/engine/weights/torchvision';
import { compareCase } from '../parity/compareCase';

/**
 * The torchvision loader against torch itself: test/fixtures/weights/torch-mobilenetv2-tiny was written by
 * `test/parity/make_torch.py --fixture` (torchvision mobilenet_v2, width 0.1, 3 classes, 64 px), with
 * torch's logits, the last feature map and pytorch-grad-cam's map for the same input.
 */
const FIXTURE = path.join(__dirname, '..', 'fixtures', 'weights', 'torch-mobilenetv2-tiny');
const PTH = path.join(FIXTURE, 'weights.pth');

function raw(shape: number[], seed: number): RawTensor {
  const rng = createRng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return { shape, values: Float32Array.from({ length: n }, () => rng.next() * 2 - 1) };
}

describe('torchvision weights', () => {
  test('MobileNetV2 from a torch .pth reproduces torch logits, activation and pytorch-grad-cam map', async () => {
    await initBackend('auto');
    const before = tf.memory().numTensors;
    const r = await compareCase(FIXTURE);
    assert.ok(r.logitsRelErr <= 1e-4, `logits rel. error ${r.logitsRelErr}`);
    assert.ok(r.activationRelErr! <= 1e-4, `activation rel. error ${r.activationRelErr}`);
    assert.ok(r.camCorrelation! >= 0.99, `CAM correlation ${r.camCorrelation}`);
    assert.equal(tf.memory().numTensors, before);
  });

  test('format detection by content', async () => {
    assert.equal(await detectWeightFormat(PTH), 'pth');
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cxr-fmt-'));
    const bogus = path.join(dir, 'model.pth');
    await fs.writeFile(bogus, 'not weights at all');
    await assert.rejects(detectWeightFormat(bogus), /neither a PyTorch \.pth .* nor a Keras \.h5/);
    await assert.rejects(detectWeightFormat(path.join(dir, 'absent.pth')), /no such file/);
  });

  test('a missing or unused key is an error naming it; nothing is written on a shape mismatch', async () => {
    await initBackend('auto');
    const dict = await readTorchStateDict(PTH);
    const model = (await modelFromWeightsFile(PTH, 'mobilenetv2', { imageSize: 64, includeTop: true })).model;
    try {
      const missing = new Map(dict);
      missing.delete('features.3.conv.1.1.running_var');
      assert.throws(() => torchvisionPlan(model, missing), /missing 'features\.3\.conv\.1\.1\.running_var'/);
      const extra = new Map(dict).set('features.99.weight', raw([2], 1));
      assert.throws(() => torchvisionPlan(model, extra), /not used by the model: 'features\.99\.weight'/);

      const plan = torchvisionPlan(model, dict);
      const stem = plan.get('features.0.0')!;
      plan.set('features.0.0', [raw([3, 3, 3, 99], 2)]);
      const lastBefore = model.getLayer('classifier.1').getWeights()[0].dataSync().slice();
      plan.set('classifier.1', [raw([1280, 3], 3), raw([3], 4)]);
      assert.throws(() => assignWeights(model, plan), /layer 'features\.0\.0' weight .* has shape \[3, 3, 3, 8\], the file gives \[3, 3, 3, 99\]/);
      assert.deepEqual(model.getLayer('classifier.1').getWeights()[0].dataSync(), lastBefore, 'all or nothing');
      plan.set('features.0.0', stem);
    } finally {
      model.dispose();
    }
  });

  test('a linear layer after Flatten gets its rows permuted from torch CHW to tfjs HWC order', async () => {
    await initBackend('auto');
    const [h, w, c, o] = [2, 3, 4, 5];
    const input = tf.input({ shape: [h, w, c] });
    const flat = tf.layers.flatten({ name: 'flatten' }).apply(input) as tf.SymbolicTensor;
    const out = tf.layers.dense({ units: o, name: 'fc' }).apply(flat) as tf.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: out });
    const weight = raw([o, c * h * w], 5);
    const bias = raw([o], 6);
    assignWeights(model, torchvisionPlan(model, new Map([['fc.weight', weight], ['fc.bias', bias]])));
    const x = raw([1, h, w, c], 7);
    const ours = tf.tidy(() => (model.predict(tf.tensor(x.values, x.shape)) as tf.Tensor).dataSync());
    // torch: y = W · flatten_CHW(x) + b
    for (let k = 0; k < o; k++) {
      let y = bias.values[k];
      for (let ci = 0; ci < c; ci++) for (let hi = 0; hi < h; hi++) for (let wi = 0; wi < w; wi++) {
        y += weight.values[k * c * h * w + ci * h * w + hi * w + wi] * x.values[(hi * w + wi) * c + ci];
      }
      assert.ok(Math.abs(ours[k] - y) < 1e-5, `output ${k}: ${ours[k]} vs ${y}`);
    }
    model.dispose();
  });

  test("old DenseNet keys are renamed as torchvision's loader does; num_batches_tracked is ignored", () => {
    const t = raw([1], 1);
    const keys = [...normaliseTorchKeys(new Map([
      ['features.denseblock1.denselayer1.norm.1.weight', t],
      ['features.denseblock1.denselayer1.conv.2.weight', t],
      ['features.norm0.running_var', t],
      ['features.norm0.num_batches_tracked', t],
    ])).keys()];
    assert.deepEqual(keys, ['features.denseblock1.denselayer1.norm1.weight', 'features.denseblock1.denselayer1.conv2.weight', 'features.norm0.running_var']);
  });

  test('import-weights writes a folder that --pretrained loads into a new N-class model', async () => {
    await initBackend('auto');
    const out = await fs.mkdtemp(path.join(os.tmpdir(), 'cxr-import-'));
    const before = tf.memory().numTensors;
    const result = await importWeights({ file: PTH, arch: 'mobilenetv2', outDir: out, emit: () => {} });
    assert.equal(result.format, 'pth');
    assert.equal(result.normalization, 'imagenet');
    assert.match(result.sha256, /^[0-9a-f]{64}$/);
    const info = await readImportedInfo(out);
    assert.equal(info?.arch, 'mobilenetv2');
    assert.equal(info?.buildOptions.widthMultiplier, 0.1);

    const dict = await readTorchStateDict(PTH);
    for (const pretrained of [out, PTH]) {
      const created = await createModel('mobilenetv2', { numClasses: 2, imageSize: 64, pretrained });
      assert.equal(created.normalization, 'imagenet');
      assert.deepEqual(created.model.outputs[0].shape, [null, 2]);
      const bn = created.model.getLayer('features.5.conv.1.1').getWeights()[3].dataSync();
      assert.deepEqual(Array.from(bn), Array.from(dict.get('features.5.conv.1.1.running_var')!.values));
      created.model.dispose();
    }
    await assert.rejects(createModel('resnet18', { numClasses: 2, imageSize: 64, pretrained: out }), /holds mobilenetv2 weights/);
    assert.equal(tf.memory().numTensors, before);
  });
});
