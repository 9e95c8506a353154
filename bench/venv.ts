/** The PyTorch peer's Python: bench/.venv (git-ignored), created on first use with the versions issue 5 pins. */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';

export const PEER_PACKAGES = ['torch==2.14.1', 'torchvision==0.29.1', 'grad-cam'];

export function ensureVenv(benchDir: string): string {
  const venv = path.join(benchDir, '.venv');
  const python = path.join(venv, 'bin', 'python');
  if (existsSync(python) && imports(python)) return python;
  process.stderr.write(`bench: ${venv} is missing or lacks torch/torchvision/grad-cam; creating it `
    + `(python3 -m venv, pip install ${PEER_PACKAGES.join(' ')}; a few GB, several minutes, once)…\n`);
  const run = (cmd: string, args: string[]) => {
    const r = spawnSync(cmd, args, { stdio: 'inherit' });
    if (r.status !== 0) throw new Error(`bench: '${cmd} ${args.join(' ')}' failed (${r.error?.message ?? `exit ${r.status ?? r.signal}`}); fix it and re-run, or delete ${venv} to start over.`);
  };
  if (!existsSync(python)) run('python3', ['-m', 'venv', venv]);
  run(path.join(venv, 'bin', 'pip'), ['install', ...PEER_PACKAGES]);
  if (!imports(python)) throw new Error(`bench: ${python} still cannot import torch, torchvision and pytorch_grad_cam after pip install.`);
  return python;
}

function imports(python: string): boolean {
  return spawnSync(python, ['-c', 'import torch, torchvision, pytorch_grad_cam'], { stdio: 'ignore' }).status === 0;
}
