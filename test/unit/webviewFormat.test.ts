import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { argMax, basename, finite, formatDuration, formatLoss, formatLr, formatMetric, formatPercent } from '../../src/webview/common/format';
import { decades } from '../../src/webview/common/scales';

test('finite keeps numbers and turns NaN, Infinity, null and strings into null', () => {
  assert.equal(finite(0.5), 0.5);
  assert.equal(finite(0), 0);
  for (const bad of [NaN, Infinity, -Infinity, null, undefined, '0.5']) assert.equal(finite(bad), null);
});

test('percent, metric, loss and learning-rate formats', () => {
  assert.equal(formatPercent(0.9345), '93.5%');
  assert.equal(formatPercent(1, 0), '100%');
  assert.equal(formatPercent(null), '—');
  assert.equal(formatPercent(NaN), '—');
  assert.equal(formatMetric(0.87654), '0.877');
  assert.equal(formatLoss(0.123456), '0.1235');
  assert.equal(formatLr(1e-4), '1.0e-4');
  assert.equal(formatLr(0.001), '0.001');
  assert.equal(formatLr(0.0123456), '0.0123');
  assert.equal(formatLr(0), '0');
});

test('durations read as s, min s, h min', () => {
  assert.equal(formatDuration(0), '0 s');
  assert.equal(formatDuration(44.6), '45 s');
  assert.equal(formatDuration(65), '1 min 05 s');
  assert.equal(formatDuration(431), '7 min 11 s');
  assert.equal(formatDuration(3599), '59 min 59 s');
  assert.equal(formatDuration(7620), '2 h 07 min');
  assert.equal(formatDuration(undefined), '—');
  assert.equal(formatDuration(-3), '—');
});

test('basename handles both separators; argMax takes the first maximum and skips NaN', () => {
  assert.equal(basename('/a/b/c.png'), 'c.png');
  assert.equal(basename('C:\\x\\y.jpg'), 'y.jpg');
  assert.equal(basename('plain'), 'plain');
  assert.equal(argMax([0.1, 0.7, 0.2]), 1);
  assert.equal(argMax([0.5, 0.5]), 0);
  assert.equal(argMax([NaN, 0.2]), 1);
  assert.equal(argMax([]), -1);
});

test('decades lists the powers of ten inside a range', () => {
  assert.deepEqual(decades(5e-5, 2e-3), [1e-4, 1e-3]);
  assert.deepEqual(decades(1e-4, 1e-4), [1e-4]);
  assert.equal(decades(2e-4, 5e-4).length, 1); // no decade inside: the nearest one keeps a label
  assert.deepEqual(decades(0, 1), []);
});
