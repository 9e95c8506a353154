/**
 * The bench's FLOP counter (src/engine/models/flops.ts) against torchvision: for every architecture, the
 * multiply-accumulates counted from our tfjs layers equal torch.utils.flop_counter's on torchvision's model
 * (test/fixtures/flops/torchvision_macs.json, made by test/fixtures/make_flops_fixtures.py) and round to torchvision's
 * published `_ops` GFLOPS — ResNet18 1.814 at 224 px.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { countFlops, stepFlops } from '../../src/engine/models/flops';
import { createModel } from '../../src/engine/zoo/createModel';

interface Ref { torchvisionOpsGFLOPS: number; macs1000: number; macs3: number }
const fixture = JSON.parse(readFileSync(path.join(__dirname, '..', 'fixtures', 'flops', 'torchvision_macs.json'), 'utf8')) as { size: number; archs: Record<string, Ref> };

before(async () => { await tf.setBackend('cpu'); });

for (const [arch, ref] of Object.entries(fixture.archs)) {
  test(`${arch}: multiply-accumulates equal torchvision's at ${fixture.size} px (1000 and 3 classes)`, async () => {
    for (const [classes, want] of [[1000, ref.macs1000], [3, ref.macs3]] as const) {
      const { model } = await createModel(arch, { numClasses: classes, imageSize: fixture.size });
      try {
        const c = countFlops(model);
        assert.ok(Math.abs(c.macs - want) / want < 1e-3, `${arch} ${classes} classes: ${c.macs} MACs, torchvision ${want}`);
        if (classes === 1000) assert.equal(Math.round(c.macs / 1e6) / 1e3, Math.round(ref.torchvisionOpsGFLOPS * 1e3) / 1e3, 'torchvision\'s _ops metadata (GFLOPS, 3 decimals)');
        assert.ok(c.otherFlops > 0 && c.otherFlops < 0.1 * c.flops, `elementwise work is counted, and small (${c.otherFlops})`);
        assert.equal(c.flops, 2 * c.macs + c.otherFlops);
        assert.equal(stepFlops(c, 'train'), 3 * c.flops);
        assert.equal(stepFlops(c, 'infer'), c.flops);
      } finally {
        model.dispose();
      }
    }
  });
}

test('each layer kind by hand: conv, depthwise, dense, BatchNorm, pooling, ReLU, Add', () => {
  const input = tf.input({ shape: [8, 8, 3] });
  const conv = tf.layers.conv2d({ filters: 8, kernelSize: 3, padding: 'same' }).apply(input) as tf.SymbolicTensor; // 8·8·8 outputs × 9·3
  const bn = tf.layers.batchNormalization().apply(conv) as tf.SymbolicTensor; // 2 × 512
  const relu = tf.layers.reLU().apply(bn) as tf.SymbolicTensor; // 512
  const dw = tf.layers.depthwiseConv2d({ kernelSize: 3, padding: 'same' }).apply(relu) as tf.SymbolicTensor; // 512 × 9
  const sum = tf.layers.add().apply([dw, relu]) as tf.SymbolicTensor; // 512
  const pool = tf.layers.maxPooling2d({ poolSize: 2 }).apply(sum) as tf.SymbolicTensor; // 4·4·8 outputs × 4
  const flat = tf.layers.flatten().apply(pool) as tf.SymbolicTensor;
  const out = tf.layers.dense({ units: 10 }).apply(flat) as tf.SymbolicTensor; // 128 × 10
  const model = tf.model({ inputs: input, outputs: out });
  const c = countFlops(model);
  assert.equal(c.macs, 512 * 27 + 512 * 9 + 128 * 10);
  assert.equal(c.otherFlops, 2 * 512 + 512 + 512 + 128 * 4);
  assert.deepEqual(c.byClass, { Conv2D: 2 * 512 * 27, BatchNormalization: 1024, ReLU: 512, DepthwiseConv2D: 2 * 512 * 9, Add: 512, MaxPooling2D: 512, Dense: 2 * 1280 });
  model.dispose();
});
