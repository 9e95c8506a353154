import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { argMax, basename, finite, formatDuration, formatDurationShort, formatLoss, formatLr, formatMetric, formatPercent } from '../../src/shared/format';
import { clearance, decades, fittedRange, niceStep, placeMarkerLabel, type MarkerLabelInput } from '../../src/webview/common/scales';

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
  // One format on every side (the Train Model picks showed "1e-4", the panel "1.0e-4").
  assert.equal(formatLr(1e-4), '1e-4');
  assert.equal(formatLr(2.5e-5), '2.5e-5');
  assert.equal(formatLr(0.01), '0.01');
  assert.equal(formatLr(0.001), '1e-3');
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

test('niceStep and fittedRange: round steps, axes fitted to the data with room, a floor', () => {
  assert.deepEqual([0.0042, 0.011, 0.3, 1, 7].map(niceStep), [0.005, 0.02, 0.5, 1, 10]);
  const [lo, hi] = fittedRange(1.08, 1.13, { floor: 0 });
  assert.ok(lo < 1.08 && lo > 1 && hi > 1.13 && hi < 1.2, `[${lo}, ${hi}]`);
  assert.deepEqual(fittedRange(0.01, 2.3, { floor: 0 }), [0, 2.5]);
  assert.ok(fittedRange(-3, -1)[0] < -3, 'no floor: negative values keep room below');
  const [a, b] = fittedRange(1.0986, 1.0987);
  assert.ok(b - a >= 0.05, 'noise on a flat loss is not blown up to the full height');
});

test('placeMarkerLabel: beside the best-epoch line, clear of the curves, flipped at the right edge', () => {
  const plot = { left: 50, top: 10, width: 300, height: 200 };
  const base: MarkerLabelInput = { x: 50, plot, textWidth: 40, textHeight: 11, gap: 4, clear: 6, prefer: 'top', lines: [] };
  // Best = first epoch: train and val loss start at the top left and fall; the ring sits on the val point.
  const lines = [[{ x: 50, y: 12 }, { x: 200, y: 150 }, { x: 350, y: 205 }], [{ x: 50, y: 30 }, { x: 200, y: 100 }, { x: 350, y: 140 }]];
  const rings = [{ x: 50, y: 30, r: 7 }];
  const oldSpot = { left: 54, top: plot.top + 1, width: 40, height: 11 }; // where "best 1" used to go: baseline at top + 12
  assert.ok(clearance(oldSpot, lines, rings) < 6, 'the old place collides');
  const p = placeMarkerLabel({ ...base, lines, rings });
  assert.ok(clearance(p.box, lines, rings) >= 6, `label at ${JSON.stringify(p.box)} touches a curve`);
  assert.equal(p.align, 'left');
  assert.ok(p.box.left >= 50 && p.box.top >= 10 && p.box.top + p.box.height <= 210, 'inside the plot, right of the line');
  // Nothing in the way: the preferred end.
  assert.equal(placeMarkerLabel({ ...base, x: 200, lines: [[{ x: 50, y: 180 }, { x: 350, y: 200 }]] }).box.top, 14);
  assert.equal(placeMarkerLabel({ ...base, x: 200, prefer: 'bottom', lines: [[{ x: 50, y: 20 }, { x: 350, y: 30 }]] }).box.top, 210 - 4 - 11);
  // Near the right edge the label flips to the left of the line.
  const right = placeMarkerLabel({ ...base, x: 340 });
  assert.equal(right.align, 'right');
  assert.ok(right.box.left + right.box.width <= 340);
  assert.equal(right.x, 336);
});

test('formatDurationShort: compact, for the status bar, the Runs tree and the terminal', () => {
  assert.equal(formatDurationShort(45.4), '45s');
  assert.equal(formatDurationShort(125), '2m05s');
  assert.equal(formatDurationShort(3725), '1h02m');
  assert.equal(formatDurationShort(-3), '0s');
  assert.equal(formatDurationShort(undefined), '--');
  assert.equal(formatDurationShort(NaN), '--');
});
