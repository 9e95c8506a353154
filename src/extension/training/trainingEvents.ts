/** What the training manager tells panels, the Runs tree and the status bar about a live run. */
import type { JobEvent, RunStatus } from '../../shared/engineProtocol';
import type { CheckpointMeta } from '../../shared/runFiles';

export type TrainingEvent =
  | { runDir: string; kind: 'job'; event: JobEvent }
  | { runDir: string; kind: 'status'; status: RunStatus; best?: CheckpointMeta; error?: string };
