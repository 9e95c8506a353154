/**
 * The "Train Model" quick-pick flow: train with last settings, or dataset → architecture → pretrained weights → preset →
 * epochs → batch → learning rate (with the LR finder's suggestions) → image size → sampler → schedule, each with the
 * preset's default pre-selected.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { quickPickStep, type StepItem } from './quickPickStep';
import { CHOICE_STEPS, defaultSettings, NUMBER_STEPS, parseNumber, parseSeeds, PRESET_STEP, presetDefaults, REFERENCE, settingsSummary, withValue, type TrainSettings } from './trainSettings';
import type { LrChoice } from './lrSuggestions';
import { BROWSE_FILE, BROWSE_FOLDER, weightsItems } from './weightsPick';
import type { FoundWeights } from './weightsDiscovery';

const TOTAL = 4 + NUMBER_STEPS.length + CHOICE_STEPS.length;
const TITLE = 'CXR Lab: Train Model';

export interface PickContext {
  workspaceRoot: string; last?: TrainSettings; models: () => Promise<string[]>;
  /** Folders of the workspace that look like a dataset (datasetCandidates.ts); the workspace folder alone without it. */
  datasets?: () => Promise<string[]>;
  /** Weights already on this machine (weightsDiscovery.ts), offered in the weights step. */
  weights?: () => Promise<FoundWeights[]>;
  /** The newest LR finder suggestions for these settings' dataset and architecture (lrSuggestions.ts), offered in the learning-rate step. */
  lrSuggestions?: (s: TrainSettings) => Promise<LrChoice[]>;
  /** Runs the LR finder with these settings (progress, its plot shown) and returns its suggestions; undefined when cancelled. */
  findLr?: (s: TrainSettings) => Promise<LrChoice[] | undefined>;
}

/** The learning-rate step's "Run the LR finder…" item (not a rate). */
const FIND_LR = -1;

async function browse(title: string, defaultUri: string | undefined, folders: boolean): Promise<string | undefined> {
  const uris = await vscode.window.showOpenDialog({ canSelectFolders: folders, canSelectFiles: !folders, canSelectMany: false, title, openLabel: 'Select',
    ...(defaultUri ? { defaultUri: vscode.Uri.file(defaultUri) } : {}) });
  return uris?.[0]?.fsPath;
}

async function pickDataset(c: PickContext): Promise<string | undefined> {
  const BROWSE = '\0browse';
  const items: StepItem<string>[] = [{ label: `$(root-folder) ${path.basename(c.workspaceRoot)}`, description: 'workspace folder', detail: c.workspaceRoot, value: c.workspaceRoot }];
  if (c.last && c.last.dataset !== c.workspaceRoot) items.push({ label: `$(history) ${path.basename(c.last.dataset)}`, description: 'used last time', detail: c.last.dataset, value: c.last.dataset });
  const found = (await c.datasets?.().catch(() => [])) ?? [];
  for (const d of found) {
    if (!items.some((i) => i.value === d)) items.push({ label: `$(folder) ${path.relative(c.workspaceRoot, d) || path.basename(d)}`, description: 'dataset folder in the workspace', detail: d, value: d });
  }
  items.push({ label: '$(folder-opened) Browse…', description: 'another folder of class folders', value: BROWSE });
  // Open on the workspace folder when it is a dataset (or nothing was looked for), else on the first dataset found in it.
  const active = c.datasets && !found.includes(c.workspaceRoot) && found.length > 0 ? items.findIndex((i) => i.value === found[0]) : 0;
  const v = await quickPickStep({ title: TITLE, step: 1, totalSteps: TOTAL, placeholder: 'Dataset folder (class sub-folders, or train/ val/ test/)', items, active });
  return v === BROWSE ? browse('Dataset folder', c.workspaceRoot, true) : v;
}

const QUEUE = '\0queue';

/** One architecture, or — "Several architectures or seeds…" — a training queue's architectures and seeds. */
async function pickArch(c: PickContext): Promise<Pick<TrainSettings, 'arch' | 'archs' | 'seeds'> | undefined> {
  const models = await c.models();
  const items = models.map((m) => ({ label: m, description: m === REFERENCE.arch ? 'reference default' : undefined, value: m }));
  items.push({ label: '$(list-ordered) Several architectures or seeds…', description: 'a training queue: one run each, one after another, on one split', value: QUEUE });
  const v = await quickPickStep({ title: TITLE, step: 2, totalSteps: TOTAL, placeholder: 'Architecture', items, active: Math.max(0, models.indexOf(REFERENCE.arch)) });
  if (v === undefined) return undefined;
  if (v !== QUEUE) return { arch: v };
  const archs = await pickQueueArchs(models);
  if (!archs) return undefined;
  const seeds = await pickSeeds();
  if (!seeds) return undefined;
  return { arch: archs[0], archs, ...(seeds.length > 0 ? { seeds } : {}) };
}

/** The queue's architectures: a multi-select pick (the reference default checked); Enter with none checked takes the active one. */
function pickQueueArchs(models: string[]): Promise<string[] | undefined> {
  return new Promise((resolve) => {
    const qp = vscode.window.createQuickPick<vscode.QuickPickItem>();
    qp.title = TITLE;
    qp.step = 2;
    qp.totalSteps = TOTAL;
    qp.placeholder = 'Check the architectures to train one after another, then press Enter';
    qp.canSelectMany = true;
    qp.ignoreFocusOut = true;
    qp.items = models.map((m) => ({ label: m, description: m === REFERENCE.arch ? 'reference default' : undefined }));
    qp.selectedItems = qp.items.filter((i) => i.label === REFERENCE.arch);
    let done = false;
    const finish = (v: string[] | undefined) => { if (!done) { done = true; resolve(v); qp.dispose(); } };
    qp.onDidAccept(() => {
      const picked = qp.selectedItems.length > 0 ? qp.selectedItems : qp.activeItems;
      if (picked.length > 0) finish(models.filter((m) => picked.some((p) => p.label === m)));
    });
    qp.onDidHide(() => finish(undefined));
    qp.show();
  });
}

/** The queue's seeds: none (one run per architecture, the recipe's seed), three, or a typed list. */
function pickSeeds(): Promise<number[] | undefined> {
  const typed = (text: string): StepItem<number[]> | undefined => {
    const r = parseSeeds(text);
    return 'seeds' in r ? { label: r.seeds.join(', '), description: `typed: ${r.seeds.length} run${r.seeds.length === 1 ? '' : 's'} per architecture`, value: r.seeds, alwaysShow: true } : undefined;
  };
  return quickPickStep<number[]>({
    title: TITLE, step: 2, totalSteps: TOTAL, placeholder: 'Seeds (or type a list, e.g. 1,2,3): each varies initialisation, sampler and augmentation; all share one split',
    active: 0, typed, items: [
      { label: 'One seed', description: 'one run per architecture (seed 42)', value: [] },
      { label: '1, 2, 3', description: 'three runs per architecture', value: [1, 2, 3] },
    ],
  });
}

/** The weights step; also the preflight's "Choose Weights…" (without ImageNet, which it found unavailable). */
export async function pickPretrained(c: Pick<PickContext, 'workspaceRoot' | 'weights'>, arch: string, o: { imagenet: boolean; step?: number } = { imagenet: true }): Promise<string | null | undefined> {
  const found = (await c.weights?.().catch(() => [])) ?? [];
  const items = weightsItems(found, arch, c.workspaceRoot, o);
  const v = await quickPickStep({ title: TITLE, step: o.step, totalSteps: o.step ? TOTAL : undefined, placeholder: 'Pretrained weights', items, active: 0 });
  if (v === BROWSE_FILE) return (await browse('Pretrained weights file (.pth, .h5)', c.workspaceRoot, false)) ?? undefined;
  if (v === BROWSE_FOLDER) return (await browse('Pretrained tfjs layers model folder', c.workspaceRoot, true)) ?? undefined;
  return v;
}

/** The settings chosen, or undefined when the user cancelled at any step. */
export async function pickTrainSettings(c: PickContext): Promise<TrainSettings | undefined> {
  if (c.last) {
    const again = await quickPickStep<boolean>({
      title: TITLE, placeholder: 'Train with the last settings, or choose them step by step', active: 0,
      items: [
        { label: '$(history) Train with last settings', detail: `${settingsSummary(c.last)} · ${c.last.dataset}`, value: true },
        { label: '$(settings) Choose settings…', value: false },
      ],
    });
    if (again === undefined) return undefined;
    if (again) return c.last;
  }
  const dataset = await pickDataset(c);
  if (!dataset) return undefined;
  let s = defaultSettings(dataset);
  const picked = await pickArch(c);
  if (!picked) return undefined;
  const arch = picked.arch;
  s = { ...withValue(s, 'arch', arch), ...(picked.archs ? { archs: picked.archs } : {}), ...(picked.seeds ? { seeds: picked.seeds } : {}) };
  const pretrained = await pickPretrained(c, arch, { imagenet: true, step: 3 });
  if (pretrained === undefined) return undefined;
  if (pretrained) s = { ...s, pretrained };
  const preset = await quickPickStep({
    title: TITLE, step: 4, totalSteps: TOTAL, placeholder: PRESET_STEP.title, active: 0,
    items: PRESET_STEP.options.map((o) => ({ label: o.label, description: o.value === 'reference' ? 'reference default' : undefined, detail: o.detail, value: o.value })),
  });
  if (preset === undefined) return undefined;
  const defaults = presetDefaults(preset);
  s = { ...s, preset, lr: defaults.lr, scheduler: defaults.scheduler };
  const defaultNote = `${preset} default`;
  let step = 5;
  for (const n of NUMBER_STEPS) {
    const typed = (text: string): StepItem<number> | undefined => {
      const r = parseNumber(n, text);
      return 'value' in r ? { label: n.format(r.value), description: 'typed value', value: r.value, alwaysShow: true } : undefined;
    };
    let suggested = n.key === 'lr' ? (await c.lrSuggestions?.(s).catch(() => [])) ?? [] : [];
    let v: number | undefined;
    for (;;) {
      const items: StepItem<number>[] = [
        ...suggested.map((x) => ({ label: x.label, description: x.description, detail: x.detail, value: x.lr })),
        ...n.options.map((o) => ({ label: n.format(o), description: o === defaults[n.key] ? defaultNote : undefined, value: o })),
        ...(n.key === 'lr' && c.findLr ? [{ label: '$(search) Run the LR finder…', description: "fastai's range test with these settings (about 100 batches)", value: FIND_LR }] : []),
      ];
      const active = suggested.length ? 0 : items.findIndex((i) => i.value === defaults[n.key]);
      v = await quickPickStep({ title: TITLE, step, totalSteps: TOTAL, placeholder: `${n.title} (or type a value)`, items, active: Math.max(0, active), typed });
      if (v !== FIND_LR || !c.findLr) break;
      suggested = (await c.findLr(s)) ?? suggested;
    }
    step++;
    if (v === undefined) return undefined;
    s = withValue(s, n.key, v);
  }
  for (const ch of CHOICE_STEPS) {
    const items = ch.options.map((o) => ({ label: o.label, description: o.value === defaults[ch.key] ? defaultNote : undefined, detail: o.detail, value: o.value }));
    const v = await quickPickStep({ title: TITLE, step: step++, totalSteps: TOTAL, placeholder: ch.title, items, active: ch.options.findIndex((o) => o.value === defaults[ch.key]) });
    if (v === undefined) return undefined;
    s = withValue(s, ch.key, v);
  }
  return s;
}
