/**
 * A soft-voting ensemble's folder: `<workspace>/.cxr-lab/ensembles/<id>/` holds ensemble.json (the members) and, as a
 * run folder does, `eval/<name>.json` + `eval/<name>.png` (the eval file's shape is evaluation.ts; its `ensemble`
 * lists the members too). `<workspace>/.cxr-lab` is the one holding the first member when it lives in
 * `.cxr-lab/runs/`, else `<first member's parent>/.cxr-lab/`. The id is derived from the member folders, so
 * evaluating the same members again (another split, --calibrate) writes into the same folder.
 */
import { z } from 'zod';
import { checkpointNameSchema } from './checkpoint';
import { formatField } from './fields';

/** The folder of ensembles under `.cxr-lab`, and the files of one ensemble's folder. */
export const ENSEMBLES_DIR = 'ensembles';
export const ENSEMBLE_FILES = { ensemble: 'ensemble.json', eval: 'eval' } as const;
/** An ensemble's folder name: `ensemble-<first 8 hex digits of the SHA-256 of the member folders, one a line>`. */
export const ENSEMBLE_ID_PREFIX = 'ensemble-';

/** One member: its run, architecture and the checkpoint its last evaluation used. */
export const ensembleMemberSchema = z.object({
  runId: z.string(),
  runDir: z.string(),
  arch: z.string(),
  checkpoint: checkpointNameSchema,
  /** The epoch of that checkpoint. */
  epoch: z.number(),
});
export type EnsembleMember = z.infer<typeof ensembleMemberSchema>;

export const ensembleFileSchema = z.object({
  format: formatField,
  id: z.string(),
  createdAt: z.string(),
  /** When an evaluation last wrote it (the members' checkpoint epochs are those of that evaluation). */
  updatedAt: z.string(),
  /** The mean of the members' probability rows (scikit-learn's VotingClassifier(voting='soft')). */
  voting: z.literal('soft'),
  classes: z.array(z.string()),
  /** The members' shared dataset (root and hash) — they also share the split. */
  dataset: z.object({ root: z.string(), hash: z.string() }),
  /** The first member's split is the one evaluated; at least two members. */
  members: z.array(ensembleMemberSchema).min(2),
});
export type EnsembleFile = z.infer<typeof ensembleFileSchema>;

/** "ensemble of 3: resnet18, densenet121, mobilenetv2" — how the views name one. */
export function ensembleLabel(members: readonly Pick<EnsembleMember, 'arch'>[]): string {
  return `ensemble of ${members.length}: ${members.map((m) => m.arch).join(', ')}`;
}
