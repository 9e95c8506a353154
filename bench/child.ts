/** Runs one measurement in its own process and reads the Measured JSON from its last stdout line. */
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import type { Measured, OurTask } from './tasks';

export function runChild(cmd: string, args: string[], cwd: string): Promise<Measured> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const last = out.trim().split('\n').pop() ?? '';
      if (code === 0) {
        try { return resolve(JSON.parse(last) as Measured); } catch { /* reported below */ }
      }
      const why = err.trim().split('\n').filter(Boolean).pop() ?? last;
      reject(new Error(`${path.basename(args.find((a) => /\.(ts|py)$/.test(a)) ?? cmd)} exited ${code ?? signal}: ${why.slice(0, 300)}`));
    });
  });
}

export function runOurs(task: OurTask, repo: string): Promise<Measured> {
  return runChild(process.execPath, ['--import', 'tsx', path.join(repo, 'bench', 'ours.ts'), JSON.stringify(task)], repo);
}

export function runPeer(python: string, repo: string, args: Record<string, string | number | undefined>): Promise<Measured> {
  const flags = Object.entries(args).flatMap(([k, v]) => (v === undefined ? [] : [`--${k}`, String(v)]));
  return runChild(python, [path.join(repo, 'bench', 'peer_torch.py'), ...flags], repo);
}
