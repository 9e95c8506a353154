import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { EpochRecord } from '../../shared/engineProtocol';
import { RUN_FILES, type RunInfo } from '../../shared/runFiles';
import { readJson, writeFileAtomic, writeJsonAtomic } from '../io/atomic';
import type { DatasetScan } from '../dataset/scan';
import { splitToRecord, type DatasetSplit } from '../dataset/split';
import type { BackendInfo } from '../backend';
import { engineVersions } from '../versions';

/** `.cxr-lab/runs/<yyyymmdd-hhmmss>-<arch>` under the current directory. */
export function defaultRunDir(arch: string, now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return path.resolve('.cxr-lab', 'runs', `${stamp}-${arch}`);
}

export interface NewRun {
  config: RunInfo['config'];
  scan: DatasetScan;
  split: DatasetSplit;
  backend: BackendInfo;
  model: RunInfo['model'];
}

/** Reads and writes one run directory; every write is atomic so a killed process leaves readable files. */
export class RunStore {
  private constructor(readonly dir: string, public info: RunInfo) {}

  static async open(dir: string): Promise<RunStore> {
    const abs = path.resolve(dir);
    const info = await readJson<RunInfo>(path.join(abs, RUN_FILES.run)).catch(() => {
      throw new Error(`${abs} is not a CXR Lab run directory (no readable run.json).`);
    });
    return new RunStore(abs, info);
  }

  static async create(dir: string, r: NewRun): Promise<RunStore> {
    const abs = path.resolve(dir);
    const exists = await fs.access(path.join(abs, RUN_FILES.run)).then(() => true, () => false);
    if (exists) throw new Error(`${abs} already holds a run; choose another --out or resume it.`);
    const now = new Date().toISOString();
    const counts = { train: r.split.train.length, val: r.split.val.length, test: r.split.test.length };
    const info: RunInfo = {
      format: 1, id: path.basename(abs), createdAt: now, updatedAt: now, status: 'running', pid: process.pid,
      config: r.config,
      dataset: { root: r.scan.root, hash: r.scan.hash, layout: r.scan.layout, classes: r.scan.classes, perClass: r.scan.health.perClass, excluded: r.scan.excluded.length },
      split: { groupedBy: r.split.groupedBy, counts, warnings: r.split.warnings },
      model: r.model,
      backend: { name: r.backend.name, threads: r.backend.threads, simd: r.backend.simd },
      versions: engineVersions(),
      epochsDone: 0,
    };
    await writeJsonAtomic(path.join(abs, RUN_FILES.split), splitToRecord(r.split));
    await writeFileAtomic(path.join(abs, RUN_FILES.history), '');
    await writeJsonAtomic(path.join(abs, RUN_FILES.run), info);
    return new RunStore(abs, info);
  }

  async update(patch: Partial<RunInfo>): Promise<void> {
    this.info = { ...this.info, ...patch, updatedAt: new Date().toISOString() };
    await writeJsonAtomic(path.join(this.dir, RUN_FILES.run), this.info);
  }

  async readHistory(): Promise<EpochRecord[]> {
    return readHistory(this.dir);
  }

  async appendHistory(record: EpochRecord): Promise<void> {
    const rows = (await this.readHistory()).filter((r) => r.epoch < record.epoch);
    await this.writeHistory([...rows, record]);
  }

  /** Drop epochs that a killed process logged but never checkpointed. */
  async truncateHistory(epochsDone: number): Promise<void> {
    await this.writeHistory((await this.readHistory()).filter((r) => r.epoch <= epochsDone));
  }

  private async writeHistory(rows: EpochRecord[]): Promise<void> {
    await writeFileAtomic(path.join(this.dir, RUN_FILES.history), rows.map((r) => JSON.stringify(r) + '\n').join(''));
  }
}

export async function readHistory(runDir: string): Promise<EpochRecord[]> {
  const text = await fs.readFile(path.join(runDir, RUN_FILES.history), 'utf8').catch(() => '');
  return text.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as EpochRecord);
}
