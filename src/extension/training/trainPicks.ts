/**
 * The "Train Model" quick-pick flow: train with last settings, or dataset → architecture → pretrained weights →
 * epochs → batch → learning rate → image size → sampler → schedule, each with the reference default pre-selected.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { quickPickStep, type StepItem } from './quickPickStep';
import { CHOICE_STEPS, defaultSettings, NUMBER_STEPS, parseNumber, REFERENCE, settingsSummary, withValue, type TrainSettings } from './trainSettings';

const TOTAL = 3 + NUMBER_STEPS.length + CHOICE_STEPS.length;
const TITLE = 'CXR Lab: Train Model';

export interface PickContext { workspaceRoot: string; last?: TrainSettings; models: () => Promise<string[]> }

async function browse(title: string, defaultUri: string | undefined, folders: boolean): Promise<string | undefined> {
  const uris = await vscode.window.showOpenDialog({ canSelectFolders: folders, canSelectFiles: !folders, canSelectMany: false, title, openLabel: 'Select',
    ...(defaultUri ? { defaultUri: vscode.Uri.file(defaultUri) } : {}) });
  return uris?.[0]?.fsPath;
}

async function pickDataset(c: PickContext): Promise<string | undefined> {
  const BROWSE = '\0browse';
  const items: StepItem<string>[] = [{ label: `$(root-folder) ${path.basename(c.workspaceRoot)}`, description: 'workspace folder', detail: c.workspaceRoot, value: c.workspaceRoot }];
  if (c.last && c.last.dataset !== c.workspaceRoot) items.push({ label: `$(history) ${path.basename(c.last.dataset)}`, description: 'used last time', detail: c.last.dataset, value: c.last.dataset });
  items.push({ label: '$(folder-opened) Browse…', description: 'another folder of class folders', value: BROWSE });
  const v = await quickPickStep({ title: TITLE, step: 1, totalSteps: TOTAL, placeholder: 'Dataset folder (class sub-folders, or train/ val/ test/)', items, active: 0 });
  return v === BROWSE ? browse('Dataset folder', c.workspaceRoot, true) : v;
}

async function pickArch(c: PickContext): Promise<string | undefined> {
  const models = await c.models();
  const items = models.map((m) => ({ label: m, description: m === REFERENCE.arch ? 'reference default' : undefined, value: m }));
  return quickPickStep({ title: TITLE, step: 2, totalSteps: TOTAL, placeholder: 'Architecture', items, active: Math.max(0, models.indexOf(REFERENCE.arch)) });
}

const FILE = '\u0000file';
const FOLDER = '\u0000folder';

async function pickPretrained(c: PickContext): Promise<string | null | undefined> {
  const items: StepItem<string | null>[] = [
    { label: 'ImageNet', description: 'torchvision weights, downloaded once into the cache', value: 'imagenet' },
    { label: 'None', description: 'train from scratch', value: null },
    { label: '$(file) A weights file…', description: 'torchvision .pth or Keras .h5 you already have', value: FILE },
    { label: '$(folder-opened) A tfjs model folder…', description: 'from "cxr-lab import-weights", or a backbone (model.json + weights)', value: FOLDER },
  ];
  const v = await quickPickStep({ title: TITLE, step: 3, totalSteps: TOTAL, placeholder: 'Pretrained weights', items, active: 0 });
  if (v === FILE) return (await browse('Pretrained weights file (.pth, .h5)', c.workspaceRoot, false)) ?? undefined;
  if (v === FOLDER) return (await browse('Pretrained tfjs layers model folder', c.workspaceRoot, true)) ?? undefined;
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
  const arch = await pickArch(c);
  if (!arch) return undefined;
  s = withValue(s, 'arch', arch);
  const pretrained = await pickPretrained(c);
  if (pretrained === undefined) return undefined;
  if (pretrained) s = { ...s, pretrained };
  let step = 4;
  for (const n of NUMBER_STEPS) {
    const items = n.options.map((v) => ({ label: n.format(v), description: v === REFERENCE[n.key] ? 'reference default' : undefined, value: v }));
    const typed = (text: string): StepItem<number> | undefined => {
      const r = parseNumber(n, text);
      return 'value' in r ? { label: n.format(r.value), description: 'typed value', value: r.value, alwaysShow: true } : undefined;
    };
    const v = await quickPickStep({ title: TITLE, step: step++, totalSteps: TOTAL, placeholder: `${n.title} (or type a value)`, items, active: n.options.indexOf(REFERENCE[n.key]), typed });
    if (v === undefined) return undefined;
    s = withValue(s, n.key, v);
  }
  for (const ch of CHOICE_STEPS) {
    const items = ch.options.map((o) => ({ label: o.label, description: o.value === REFERENCE[ch.key] ? 'reference default' : undefined, detail: o.detail, value: o.value }));
    const v = await quickPickStep({ title: TITLE, step: step++, totalSteps: TOTAL, placeholder: ch.title, items, active: ch.options.findIndex((o) => o.value === REFERENCE[ch.key]) });
    if (v === undefined) return undefined;
    s = withValue(s, ch.key, v);
  }
  return s;
}
