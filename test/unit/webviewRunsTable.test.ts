/**
 * The evaluation view's all-runs table in groups of what was evaluated (never ranked across them), the checkpoint per
 * row, and the header line naming the evaluated set; the eval-name parsing under both.
 */
import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import type { EvaluationView, SummaryRow } from '../../src/shared/webviewProtocol';
import { evaluatedSetSentence, evaluatedSetTitle, parseEvalName } from '../../src/shared/evaluatedSet';
import { checkpointCell, evaluatedSetLine, groupSummary, runsGroupKey } from '../../src/webview/evaluation/runsTableModel';

const row = (o: Partial<SummaryRow> & Pick<SummaryRow, 'runId' | 'name' | 'accuracy'>): SummaryRow => ({
  runDir: `/ws/.cxr-lab/runs/${o.runId}`, arch: 'mobilenetv2', macroF1: o.accuracy - 0.01, weightedF1: o.accuracy, total: 180,
  checkpoint: { which: 'best', epoch: 6 }, ...o,
});

test('eval names: the set, and the way of evaluating', () => {
  assert.deepEqual(parseEvalName('test'), { kind: 'split', split: 'test', last: false, tta: false, calibrated: false });
  assert.deepEqual(parseEvalName('val-last-tta-calibrated'), { kind: 'split', split: 'val', last: true, tta: true, calibrated: true });
  assert.deepEqual(parseEvalName('data-covid-ext-last'), { kind: 'folder', folder: 'covid-ext', last: true, tta: false, calibrated: false });
  assert.equal(parseEvalName('data-').kind, 'other');
  assert.equal(parseEvalName('holdout').kind, 'other');
  assert.deepEqual(['test', 'val-calibrated', 'train', 'data-kaggle', 'holdout'].map(evaluatedSetTitle),
    ['Test split', 'Validation split', 'Training split', 'External folder kaggle', 'Holdout']);
});

test('the evaluated set in plain words, for the header', () => {
  assert.equal(evaluatedSetSentence({ name: 'test', images: 180, checkpoint: { which: 'best', epoch: 6 } }), 'test split of this run, 180 images · best checkpoint (epoch 6)');
  assert.equal(evaluatedSetSentence({ name: 'data-covid-ext', images: 1, folderPath: '/data/covid-ext' }), 'external folder covid-ext (/data/covid-ext), 1 image');
  assert.equal(evaluatedSetSentence({ name: 'val-last-calibrated', images: 180, ensemble: true, checkpoint: { which: 'last' } }),
    'validation split of these runs, 180 images · last checkpoint · calibrated (temperature fitted on validation)');
  assert.match(evaluatedSetSentence({ name: 'train', images: 903 }), /^training split of this run, 903 images \(the model learned from them: these scores flatter it\)$/);
  const view = { name: 'data-covid-ext', total: 180, evaluatedFolder: '/data/covid-ext', checkpoint: { which: 'best', epoch: 8, valLoss: 0.2, valAcc: 0.9, savedAt: '' } } as unknown as EvaluationView;
  assert.equal(evaluatedSetLine(view), 'Evaluated on the external folder covid-ext (/data/covid-ext), 180 images · best checkpoint (epoch 8)');
});

test('groups: test split first, then validation, then external folders by name; each sorted on its own, best marked within', () => {
  const rows = [
    row({ runId: 'a', name: 'data-zeta', accuracy: 0.944, setKey: 'folder:zeta' }),
    row({ runId: 'a', name: 'test', accuracy: 0.911, setKey: 'split:test:h:42' }),
    row({ runId: 'b', name: 'test', accuracy: 0.87, setKey: 'split:test:h:42', checkpoint: { which: 'last', epoch: 8 } }),
    row({ runId: 'a', name: 'val', accuracy: 0.93, setKey: 'split:val:h:42' }),
    row({ runId: 'b', name: 'data-alpha', accuracy: 0.5, setKey: 'folder:alpha', total: 40 }),
    row({ runId: 'c', name: 'test-calibrated', accuracy: 0.95, setKey: 'split:test:h:42' }),
  ];
  const groups = groupSummary(rows, 'accuracy', true);
  assert.deepEqual(groups.map((g) => g.title), ['Test split', 'Validation split', 'External folder alpha', 'External folder zeta']);
  assert.deepEqual(groups[0].rows.map((r) => `${r.runId}/${r.name}`), ['c/test-calibrated', 'a/test', 'b/test']);
  assert.equal(groups[0].detail, '180 images · 3 evaluations');
  assert.equal(groups[2].detail, '40 images · 1 evaluation');
  // The external folder's 94.4 % is the best of its own group only; the test split's best is 95 %.
  assert.equal(groups[3].best.accuracy, 0.944);
  assert.equal(groups[0].best.accuracy, 0.95);
  assert.deepEqual(groupSummary(rows, 'accuracy', false)[0].rows.map((r) => r.runId), ['b', 'a', 'c'], 'ascending within the group');
  assert.equal(groupSummary(rows, 'checkpoint', true)[0].rows[0].runId, 'b', 'sorted by the checkpoint\'s epoch');
});

test('two test splits that are not the same images (another dataset or split seed) are two groups, told apart', () => {
  const rows = [
    row({ runId: 'a', name: 'test', accuracy: 0.9, setKey: 'split:test:h1:42', dataset: { name: 'cxr', splitSeed: 42 } }),
    row({ runId: 'b', name: 'test', accuracy: 0.8, setKey: 'split:test:h1:7', dataset: { name: 'cxr', splitSeed: 7 } }),
  ];
  const groups = groupSummary(rows, 'accuracy', true);
  assert.deepEqual(groups.map((g) => g.title), ['Test split · cxr (split seed 42)', 'Test split · cxr (split seed 7)']);
  // A row from an older page state has no key: grouped by the set its name says.
  assert.equal(runsGroupKey(row({ runId: 'x', name: 'test-last', accuracy: 0.5 })), 'split:test');
  assert.equal(runsGroupKey(row({ runId: 'x', name: 'data-ext-tta', accuracy: 0.5 })), 'folder:ext');
  assert.deepEqual(groupSummary([], 'accuracy', true), []);
});

test('checkpoint cell: best or last with its epoch, an ensemble\'s members\' epochs, TTA and calibration', () => {
  assert.equal(checkpointCell(row({ runId: 'a', name: 'test', accuracy: 1 })), 'best · epoch 6');
  assert.equal(checkpointCell(row({ runId: 'a', name: 'test-last-calibrated', accuracy: 1, checkpoint: { which: 'last', epoch: 8 } })), 'last · epoch 8 · calibrated');
  assert.equal(checkpointCell(row({ runId: 'e', name: 'val-tta', accuracy: 1, memberEpochs: [6, 8], members: 2 })), 'best · epochs 6, 8 · TTA');
  assert.equal(checkpointCell({ ...row({ runId: 'o', name: 'test', accuracy: 1 }), checkpoint: undefined }), '—');
});
