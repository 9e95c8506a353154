import type { EngineRequest, JobEventSink, ResultByRequest } from '../shared/engineProtocol';
import { initBackend } from './backend';
import { listModels } from './models/index';
import { scanSummary } from './jobs/scan';
import { evaluateRun } from './jobs/evaluate';
import { explainImages } from './jobs/explain';
import { explainGrid } from './jobs/grid';
import { importWeights } from './jobs/importWeights';
import { auditRun } from './jobs/audit';
import { explainEval } from './jobs/explainEval';
import { slurmJob } from './jobs/slurm';
import { train } from './train/trainer';
import { preflight } from './jobs/preflight';
import { installNative } from './native/install/installNative';
import { probeGpu } from './native/gpuProbe';
import { compareRunSet } from './jobs/compare';
import { writeReport } from './jobs/report';
import { lrFind } from './jobs/lrFind';
import { sampleGrid } from './jobs/samples';
import { tune } from './jobs/tune';

type JobRequest = Exclude<EngineRequest, { type: 'cancel' }>;

/**
 * Runs one request to completion; the same entry point serves the forked engine process and the CLI.
 * Each job takes its request's fields as they are (options typed `Omit<XRequest, 'type' | 'id'> & { signal, emit }`).
 */
export async function runJob<R extends JobRequest>(req: R, signal: AbortSignal, emit: JobEventSink): Promise<ResultByRequest[R['type']]> {
  type Out = ResultByRequest[R['type']];
  switch (req.type) {
    case 'info': {
      const b = await initBackend(req.backend ?? 'auto');
      const gpu = b.gpu ?? await probeGpu({ build: b.build ?? 'none' });
      return { backend: b.name, threads: b.threads, simd: b.simd, versions: b.versions, tried: b.tried, models: listModels().map((m) => m.name), gpu, native: b.native } as Out;
    }
    case 'preflight':
      return await preflight({ ...req, signal, emit }) as Out;
    case 'scan':
      return await scanSummary({ ...req, signal, emit }) as Out;
    case 'train':
      return await train({ ...req, signal, emit }) as Out;
    case 'evaluate':
      return await evaluateRun({ ...req, signal, emit }) as Out;
    case 'import-weights':
      return await importWeights({ ...req, signal, emit }) as Out;
    case 'explain':
      return await explainImages({ ...req, signal, emit }) as Out;
    case 'grid':
      return await explainGrid({ ...req, signal, emit }) as Out;
    case 'audit':
      return await auditRun({ ...req, signal, emit }) as Out;
    case 'explain-eval':
      return await explainEval({ ...req, signal, emit }) as Out;
    case 'native-install':
      return await installNative({ ...req, signal, emit }) as Out;
    case 'compare':
      return (await compareRunSet({ ...req, signal, emit })).result as Out;
    case 'report':
      return await writeReport({ ...req, signal, emit }) as Out;
    case 'lr-find':
      return await lrFind({ ...req, signal, emit }) as Out;
    case 'samples':
      return await sampleGrid({ ...req, signal, emit }) as Out;
    case 'tune':
      return await tune({ ...req, signal, emit }) as Out;
    case 'slurm':
      return await slurmJob({ ...req, signal, emit }) as Out;
  }
}
