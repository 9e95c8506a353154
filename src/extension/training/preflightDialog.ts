/**
 * How Train Model shows a preflight report (src/shared/preflight.ts): nothing to decide — one notification, and the
 * training starts; a long training or weights that cannot be had — a modal dialog that says what would happen and
 * offers the ways out as buttons. Pure: the unit tests check the text and the buttons.
 */
import * as path from 'node:path';
import { formatEstimate, type PreflightFix, type PreflightReport } from '../../shared/preflight';

export type PreflightChoice = { kind: 'train' } | PreflightFix;
export interface PreflightButton { label: string; choice: PreflightChoice }
export interface PreflightDialog { modal: boolean; severity: 'info' | 'warning' | 'error'; message: string; detail: string; buttons: PreflightButton[] }

export const INSTALL_NATIVE_COMMAND = 'cxrLab.installNativeBackend';
const NATIVE_HINT = 'The native backend (TensorFlow, @tensorflow/tfjs-node in the extension\'s folder) trains several times faster; the engine uses it once installed.';

function fixButton(fix: PreflightFix): PreflightButton {
  switch (fix.kind) {
    case 'install-native': return { label: 'Install Native Backend', choice: fix };
    case 'choose-weights': return { label: 'Choose Weights…', choice: fix };
    case 'no-weights': return { label: 'Train from Scratch', choice: fix };
    case 'image-size': return { label: `Use ${fix.imageSize} px (about ${formatEstimate(fix.etaSeconds)})`, choice: fix };
  }
}

/** nativeCommand: whether `cxrLab.installNativeBackend` is registered (offered only then). */
export function preflightDialog(report: PreflightReport, o: { nativeCommand: boolean }): PreflightDialog {
  const fixes = report.fixes.filter((f) => f.kind !== 'install-native' || o.nativeCommand);
  if (report.level === 'ok') {
    const data = report.lines[0]?.replace(/^Data: /, '').replace(/\.$/, '');
    return { modal: false, severity: 'info', message: `CXR Lab: ${report.headline}${data ? ` ${data}.` : ''}`, detail: report.lines.join('\n'), buttons: [] };
  }
  const nativeHidden = !o.nativeCommand && report.fixes.some((f) => f.kind === 'install-native');
  const buttons = [
    ...(report.level === 'warning' ? [{ label: 'Train Anyway', choice: { kind: 'train' } } satisfies PreflightButton] : []),
    ...fixes.map(fixButton),
  ];
  return {
    modal: true, severity: report.level, message: report.headline,
    detail: [...report.lines, ...(nativeHidden ? [NATIVE_HINT] : [])].join('\n'),
    buttons,
  };
}

/** The settings a choice leads to (undefined: ask the user something first — weights — or stop). */
export function applyChoice<S extends { imageSize: number; pretrained?: string }>(settings: S, choice: PreflightChoice): S | undefined {
  switch (choice.kind) {
    case 'train': return settings;
    case 'image-size': return { ...settings, imageSize: choice.imageSize };
    case 'no-weights': { const { pretrained: _drop, ...rest } = settings; return rest as S; }
    default: return undefined;
  }
}

/** One line for the Output channel and the training log: what the preflight said and what the user chose. */
export function preflightLogLine(report: PreflightReport, choice: PreflightChoice | undefined, dataset: string): string {
  const what = choice === undefined ? 'cancelled' : choice.kind === 'train' ? 'training' : `chose ${choice.kind}${choice.kind === 'image-size' ? ` ${choice.imageSize} px` : ''}`;
  return `Preflight (${path.basename(dataset)}): ${report.level} — ${report.headline} → ${what}`;
}
