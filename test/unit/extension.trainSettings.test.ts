import '../fakes/vscode';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import {
  asTrainSettings, defaultSettings, NUMBER_STEPS, parseNumber, runStamp, settingsSummary, toTrainRequest, type TrainSettings,
} from '../../src/extension/training/trainSettings';
import { pickTrainSettings } from '../../src/extension/training/trainPicks';
import { fake, Uri, type FakeQuickPick } from '../fakes/vscode';

const MODELS = ['densenet121', 'mobilenetv2', 'resnet18', 'resnet50', 'squeezenet1_1', 'vgg16'];
const ctx = (last?: TrainSettings) => ({ workspaceRoot: '/ws', last, models: async () => MODELS });
/** Accept whatever the step pre-selected, recording it. */
const acceptActive = (seen: string[]) => (qp: FakeQuickPick) => { seen.push(qp.activeItems[0]?.label ?? '(none)'); return { accept: undefined }; };

test('defaults are the reference recipe', () => {
  assert.deepEqual(defaultSettings('/data'), { dataset: '/data', arch: 'densenet121', epochs: 25, batchSize: 20, lr: 1e-4, imageSize: 224, sampler: 'weighted', scheduler: 'step' });
});

test('toTrainRequest: run folder under .cxr-lab/runs named <stamp>-<arch>, config from the settings', () => {
  const now = new Date('2026-11-25T08:09:10.123Z');
  assert.equal(runStamp(now), '20261125-080910');
  const req = toTrainRequest({ ...defaultSettings('/data'), arch: 'resnet18', epochs: 2, pretrained: '/w/resnet' }, '/ws', now);
  assert.equal(req.runDir, path.join('/ws', '.cxr-lab', 'runs', '20261125-080910-resnet18'));
  assert.equal(req.dataset, '/data');
  assert.deepEqual(req.config, { arch: 'resnet18', epochs: 2, batchSize: 20, lr: 1e-4, imageSize: 224, sampler: 'weighted', scheduler: 'step', pretrained: '/w/resnet' });
  assert.equal('pretrained' in toTrainRequest(defaultSettings('/d'), '/ws', now).config, false);
});

test('typed numbers are validated per step', () => {
  const [epochs, , lr, size] = NUMBER_STEPS;
  assert.deepEqual(parseNumber(epochs, ' 3 '), { value: 3 });
  assert.ok('error' in parseNumber(epochs, '2.5'));
  assert.ok('error' in parseNumber(epochs, 'abc'));
  assert.deepEqual(parseNumber(lr, '5e-4'), { value: 5e-4 });
  assert.ok('error' in parseNumber(lr, '-1'));
  assert.ok('error' in parseNumber(size, '8'));
  assert.equal(lr.format(1e-4), '1e-4');
});

test('stored last settings are accepted only when complete and valid', () => {
  const good = { ...defaultSettings('/data'), epochs: 3 };
  assert.deepEqual(asTrainSettings(JSON.parse(JSON.stringify(good))), good);
  assert.equal(asTrainSettings({ ...good, sampler: 'random' }), undefined);
  assert.equal(asTrainSettings({ ...good, epochs: 0 }), undefined);
  assert.equal(asTrainSettings({ ...good, dataset: '' }), undefined);
  assert.equal(asTrainSettings(undefined), undefined);
  assert.match(settingsSummary(good), /^densenet121 · 3 epochs · batch 20 · lr 1e-4 · 224 px · weighted · step$/);
});

test('quick-pick flow: every step opens on the reference default; Enter through gives the defaults', async () => {
  fake.reset();
  const seen: string[] = [];
  for (let i = 0; i < 10; i++) fake.quickPickAnswers.push(acceptActive(seen));
  const s = await pickTrainSettings(ctx());
  assert.deepEqual(s, { ...defaultSettings('/ws'), pretrained: 'imagenet', preset: 'reference' }, 'the recipe fine-tunes ImageNet weights');
  assert.deepEqual(seen, ['$(root-folder) ws', 'densenet121', 'ImageNet', 'reference', '25', '20', '1e-4', '224', 'weighted', 'step']);
  assert.deepEqual(fake.quickPicksShown.map((q) => (q as unknown as { step: number }).step), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
});

test('quick-pick flow: choices and typed values; Escape cancels', async () => {
  fake.reset();
  fake.openDialogAnswers.push([Uri.file('/elsewhere/data')]);
  fake.quickPickAnswers.push(
    { accept: '$(folder-opened) Browse…' }, { accept: 'resnet18' }, { accept: 'None' }, { accept: 'recommended' },
    { type: '3', accept: '3' }, { accept: '4' }, { accept: '1e-3' }, { type: '48', accept: '48' }, { accept: 'shuffle' }, { accept: 'none' },
  );
  const s = await pickTrainSettings(ctx());
  assert.deepEqual(s, { dataset: path.resolve('/elsewhere/data'), arch: 'resnet18', epochs: 3, batchSize: 4, lr: 1e-3, imageSize: 48, sampler: 'shuffle', scheduler: 'none', preset: 'recommended' });

  fake.reset();
  fake.quickPickAnswers.push({ accept: '$(root-folder) ws' }, { accept: 'vgg16' }, undefined);
  assert.equal(await pickTrainSettings(ctx()), undefined);
  assert.equal(fake.quickPicksShown.length, 3);
});

test('quick-pick flow: "Train with last settings" returns them in one step, or starts over', async () => {
  const last = { ...defaultSettings('/data'), arch: 'mobilenetv2', epochs: 2 };
  fake.reset();
  fake.quickPickAnswers.push({ accept: '$(history) Train with last settings' });
  assert.deepEqual(await pickTrainSettings(ctx(last)), last);
  assert.equal(fake.quickPicksShown.length, 1);

  fake.reset();
  const seen: string[] = [];
  fake.quickPickAnswers.push({ accept: '$(settings) Choose settings…' }, { accept: '$(history) data' });
  for (let i = 0; i < 9; i++) fake.quickPickAnswers.push(acceptActive(seen));
  const s = await pickTrainSettings(ctx(last));
  assert.deepEqual(s, { ...defaultSettings('/data'), pretrained: 'imagenet', preset: 'reference' }, 'steps start from the reference defaults, on the last dataset');
});

test('quick-pick flow: the recommended preset pre-selects its rate and one-cycle; the LR finder\'s suggestions come first, and it can run from the step', async () => {
  fake.reset();
  const seen: string[] = [];
  fake.quickPickAnswers.push({ accept: '$(root-folder) ws' }, { accept: 'mobilenetv2' }, { accept: 'None' }, { accept: 'recommended' });
  for (let i = 0; i < 6; i++) fake.quickPickAnswers.push(acceptActive(seen));
  const s = await pickTrainSettings(ctx());
  assert.deepEqual(seen, ['25', '20', '5e-4', '224', 'weighted', 'onecycle']);
  assert.deepEqual([s?.preset, s?.lr, s?.scheduler], ['recommended', 5e-4, 'onecycle']);
  assert.equal(toTrainRequest(s!, '/ws').config.preset, 'recommended');
  assert.match(settingsSummary(s!), /^mobilenetv2 · recommended preset · /);

  // Suggestions of an earlier LR finder run are offered first (the valley pre-selected); "Run the LR finder…" runs it and asks again.
  fake.reset();
  const found = [{ lr: 2.5e-3, label: '$(sparkle) 2.5e-3', description: 'LR finder: valley', detail: 'run 1' }];
  const fresh = [{ lr: 7e-4, label: '$(sparkle) 7e-4', description: 'LR finder: valley', detail: 'run 2' }];
  let ran = 0;
  const withFinder = { ...ctx(), lrSuggestions: async () => found, findLr: async () => { ran++; return fresh; } };
  const lrSeen: string[][] = [];
  fake.quickPickAnswers.push({ accept: '$(root-folder) ws' }, { accept: 'mobilenetv2' }, { accept: 'None' }, { accept: 'recommended' }, { accept: '25' }, { accept: '20' });
  fake.quickPickAnswers.push((qp: FakeQuickPick) => { lrSeen.push(qp.items.map((i) => i.label)); return { accept: '$(search) Run the LR finder…' }; });
  fake.quickPickAnswers.push((qp: FakeQuickPick) => { lrSeen.push([qp.activeItems[0]?.label ?? '']); return { accept: undefined }; });
  for (let i = 0; i < 3; i++) fake.quickPickAnswers.push(acceptActive([]));
  const t = await pickTrainSettings(withFinder);
  assert.equal(lrSeen[0][0], '$(sparkle) 2.5e-3');
  assert.equal(lrSeen[0].at(-1), '$(search) Run the LR finder…');
  assert.equal(ran, 1);
  assert.deepEqual(lrSeen[1], ['$(sparkle) 7e-4']);
  assert.equal(t?.lr, 7e-4);
});
