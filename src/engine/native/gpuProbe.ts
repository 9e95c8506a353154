/**
 * Is an NVIDIA GPU usable by TensorFlow's CUDA build here? No tfjs involved (run it on any machine:
 * `node --import tsx -e "require('./src/engine/native/gpuProbe').probeGpu().then(r => console.log(r))"`):
 *  - nvidia-smi lists the GPUs and the driver (absent: no driver installed; failing: driver not loaded);
 *  - the CUDA libraries TensorFlow 2.20 dlopen()s must resolve — from LD_LIBRARY_PATH (the NVIDIA wheels of the GPU
 *    install), ldconfig's cache, or the usual system folders;
 *  - the TensorFlow library must be the CUDA build (tensorflow, not tensorflow-cpu).
 * The answer ends in one sentence for people: what TensorFlow will run on, and why not the GPU.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import type { GpuReport } from '../../shared/engineProtocol';

/** What TensorFlow 2.20's CUDA build loads (CUDA 12, cuDNN 9), the driver's libcuda first. */
export const CUDA_LIBS = [
  'libcuda.so.1', 'libcudart.so.12', 'libcublas.so.12', 'libcublasLt.so.12', 'libcufft.so.11', 'libcusparse.so.12',
  'libcusolver.so.11', 'libcudnn.so.9', 'libnvJitLink.so.12',
] as const;
const SYSTEM_DIRS = ['/usr/lib/x86_64-linux-gnu', '/usr/lib64', '/usr/lib', '/usr/local/cuda/lib64', '/usr/local/cuda/targets/x86_64-linux/lib', '/usr/lib/wsl/lib'];

/** The TensorFlow build the engine runs on: the CUDA one, the CPU one, not known, or none (wasm/cpu backends). */
export type TensorflowBuild = 'gpu' | 'cpu' | 'unknown' | 'none';

export interface CommandResult { code: number | null; stdout: string; stderr: string; missing?: boolean }
export interface GpuProbeOptions {
  build?: TensorflowBuild;
  env?: NodeJS.ProcessEnv;
  /** Test seams: nvidia-smi, `ldconfig -p`, and file existence. */
  run?: (cmd: string, args: string[]) => Promise<CommandResult>;
  exists?: (file: string) => boolean;
}

export async function probeGpu(o: GpuProbeOptions = {}): Promise<GpuReport> {
  const run = o.run ?? runCommand;
  const exists = o.exists ?? existsSync;
  const build = o.build ?? 'unknown';
  const smi = await run('nvidia-smi', ['--query-gpu=name,driver_version,memory.total', '--format=csv,noheader,nounits']);
  const devices = smi.code === 0 ? parseSmi(smi.stdout) : [];
  const dirs = [...(o.env ?? process.env).LD_LIBRARY_PATH?.split(path.delimiter).filter(Boolean) ?? [], ...SYSTEM_DIRS];
  const cached = parseLdconfig((await run('ldconfig', ['-p'])).stdout);
  const missingLibs = CUDA_LIBS.filter((lib) => !cached.has(lib) && !dirs.some((d) => exists(path.join(d, lib))));
  const usable = devices.length > 0 && missingLibs.length === 0 && (build === 'gpu' || build === 'unknown');
  return { usable, devices, missingLibs, summary: gpuSummary({ smi, devices, missingLibs, build, usable }) };
}

/** `name, driver, memory MiB` lines of nvidia-smi's CSV query. */
export function parseSmi(stdout: string): GpuReport['devices'] {
  return stdout.split('\n').map((l) => l.split(',').map((s) => s.trim())).filter((c) => c.length >= 3 && c[0])
    .map(([name, driver, mem]) => ({ name: name!, driver: driver!, memoryMiB: Number(mem) || 0 }));
}

/** Library names in `ldconfig -p` ("\tlibcuda.so.1 (libc6,x86-64) => /usr/lib/x86_64-linux-gnu/libcuda.so.1"). */
export function parseLdconfig(stdout: string): Set<string> {
  return new Set([...stdout.matchAll(/^\s*(\S+\.so[\d.]*)\s+\([^)]*x86-64[^)]*\)\s+=>/gm)].map((m) => m[1]!));
}

function gpuSummary(s: { smi: CommandResult; devices: GpuReport['devices']; missingLibs: string[]; build: TensorflowBuild; usable: boolean }): string {
  const cpu = s.build === 'none' ? '' : '; TensorFlow runs on the CPU';
  const named = s.devices.map((d) => `${d.name} (${(d.memoryMiB / 1024).toFixed(0)} GiB, driver ${d.driver})`).join(', ');
  if (s.smi.missing) return `No GPU: nvidia-smi is not installed (no NVIDIA driver)${cpu}.`;
  if (s.smi.code !== 0) return `No GPU usable: nvidia-smi failed (${firstLine(s.smi.stderr || s.smi.stdout) || `exit ${s.smi.code}`}): the NVIDIA driver is not loaded${cpu}.`;
  if (s.devices.length === 0) return `No GPU: nvidia-smi lists none${cpu}.`;
  if (s.build === 'none') return `GPU found: ${named}; this backend does not use it (install the native backend's GPU variant).`;
  if (s.build === 'cpu') return `GPU found: ${named}, but the installed TensorFlow is the CPU build (tensorflow-cpu): install the GPU variant to use it${cpu}.`;
  if (s.missingLibs.length) {
    const driver = s.missingLibs.includes('libcuda.so.1') ? ' (libcuda.so.1 comes with the NVIDIA driver)' : '';
    return `GPU found: ${named}, but CUDA libraries are missing: ${s.missingLibs.join(', ')}${driver}; install the native backend's GPU variant (npm run install:native -- --gpu)${cpu}.`;
  }
  return `GPU usable: ${named}; TensorFlow's CUDA build places its operations on it.`;
}

const firstLine = (s: string) => s.trim().split('\n')[0]?.trim() ?? '';

function runCommand(cmd: string, args: string[]): Promise<CommandResult> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: 10_000 }, (err, stdout, stderr) => {
      const e = err as (NodeJS.ErrnoException & { code?: string | number }) | null;
      resolve({ code: e ? (typeof e.code === 'number' ? e.code : 1) : 0, stdout: String(stdout), stderr: String(stderr), missing: e?.code === 'ENOENT' });
    });
  });
}
