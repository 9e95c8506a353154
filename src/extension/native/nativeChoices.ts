/**
 * The choices of "CXR Lab: Install Native Backend" (variant, then where the libraries come from) and how the
 * engine's progress events fill one notification bar. Plain data, no vscode: tested in test/unit/nativeInstall.test.ts.
 */
import type { NativeSource, ProgressEvent } from '../../shared/engineProtocol';
import { PINNED_TF_VERSION, TFJS_LIBTENSORFLOW_VERSION, type NativeVariant } from '../../shared/node/nativeLibs';

export interface Choice<T> { label: string; description: string; detail: string; value: T }

export function variantChoices(): Choice<NativeVariant>[] {
  return [
    { label: 'CPU', value: 'cpu', description: `tensorflow-cpu ${PINNED_TF_VERSION}`, detail: '259 MB download, 780 MB installed; any Linux x86-64 machine' },
    {
      label: 'GPU (NVIDIA, CUDA 12)', value: 'gpu', description: `tensorflow ${PINNED_TF_VERSION} + NVIDIA CUDA wheels`,
      detail: 'several GB; needs an NVIDIA driver; untested by CXR Lab so far — falls back to the CPU, saying why, when no GPU is usable',
    },
  ];
}

export type SourceKind = NativeSource['kind'];

export function sourceChoices(variant: NativeVariant): Choice<SourceKind>[] {
  const project = variant === 'cpu' ? 'tensorflow-cpu' : 'tensorflow[and-cuda]';
  return [
    {
      label: 'Download from PyPI', value: 'pypi', description: `${project} ${PINNED_TF_VERSION}`,
      detail: variant === 'cpu'
        ? 'with pip when present (it honours your pip.conf index and proxy), else over HTTPS, checked against PyPI\'s SHA-256; a wheel cached by `npm run install:native` is reused'
        : 'with pip (needed to resolve the NVIDIA packages; it honours your pip.conf index and proxy)',
    },
    {
      label: 'Use files I have…', value: 'files', description: 'no internet needed',
      detail: variant === 'cpu'
        ? 'a tensorflow-cpu wheel (Linux x86-64) or a libtensorflow .tar.gz brought on a USB stick'
        : 'the tensorflow wheel and its nvidia-*-cu12 wheels (pip download "tensorflow[and-cuda]" elsewhere), or a libtensorflow-gpu .tar.gz',
    },
    {
      label: 'Download tfjs-node\'s libtensorflow', value: 'tfjs', description: `libtensorflow ${TFJS_LIBTENSORFLOW_VERSION} (${variant})`,
      detail: 'from storage.googleapis.com, where tfjs-node\'s own installer fetches it (TFJS_NODE_BASE_URI overrides)',
    },
  ];
}

/**
 * Maps the install job's progress events onto one 0–100 bar: downloading fills the first half when there is a
 * download, unpacking the rest (all of it when nothing was downloaded). Returns the increment to report (never
 * negative: VS Code's bar only moves forward) and the message.
 */
export class InstallProgress {
  private shown = 0;
  private downloaded = false;

  next(e: Pick<ProgressEvent, 'phase' | 'done' | 'total' | 'message'>): { increment: number; message: string } {
    const f = e.total > 0 ? Math.min(1, e.done / e.total) : 0;
    let target: number;
    let message: string;
    if (e.phase === 'download') {
      this.downloaded = true;
      target = 50 * f;
      message = e.total > 0 ? `downloading ${e.message ?? ''} — ${mb(e.done)} of ${mb(e.total)}` : `downloading: ${e.message ?? ''}`;
    } else {
      target = this.downloaded ? 50 + 50 * f : 100 * f;
      message = `${e.message ?? e.phase} — ${Math.round(f * 100)} %`;
    }
    const increment = Math.max(0, target - this.shown);
    this.shown += increment;
    return { increment, message };
  }
}

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(0)} MB`;
