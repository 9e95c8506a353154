/**
 * The run directory is the source of truth that the engine writes and the CLI, tree view and webviews read.
 * One zod schema per file (types inferred from them), its names and layout version, and pure parsers/readers.
 * No node imports here: the fs side is src/engine/run/runFiles.ts (engine, CLI) and src/extension/runs/runFiles.ts.
 *
 *   run.json                 runInfoSchema            run.ts
 *   history.jsonl            epochRecordSchema / line history.ts
 *   split.json               splitFileSchema          split.ts
 *   checkpoints/<best|last>/meta.json                 checkpointMetaFileSchema   checkpoint.ts
 *   checkpoints/last/trainer.json, optimizer.json     trainerStateFileSchema, optimizerFileSchema
 *   which checkpoint folder to read, complete copies, stale temporaries              checkpointFiles.ts
 *   eval/<name>.json         evalFileSchema           evaluation.ts (metric values, intervals: evalMetrics.ts)
 *   cams/<...>.json          camFileSchema            cam.ts
 *   cams/faithfulness-<split>.json                    faithfulnessFileSchema     faithfulness.ts
 *   run.lock                 runLockSchema            lock.ts
 *   audit/<split>.json       auditFileSchema          audit.ts
 *   .cxr-lab/ensembles/<id>/ensemble.json             ensembleFileSchema         ensemble.ts
 *   .cxr-lab/sweeps/<id>/sweep.json, runner.log       sweepFileSchema, sweepLogLineSchema   sweep.ts
 *   run.json augmentation, eval tta                   augmentationSchema, evalTtaSchema       augmentation.ts
 *   .cxr-lab/lr-find/<id>/lr-find.json                lrFindFileSchema           lrFind.ts
 *   .cxr-lab/tune/<id>/tune.json                      tuneFileSchema             tune.ts
 *   slurm-job.json           slurmJobFileSchema       slurmJob.ts (a run submitted with --executor slurm)
 */
export * from './layout';
export * from './fields';
export * from './run';
export * from './augmentation';
export * from './lrFind';
export * from './tune';
export * from './history';
export * from './split';
export * from './checkpoint';
export * from './checkpointFiles';
export * from './evaluation';
export * from './evalMetrics';
export * from './ensemble';
export * from './sweep';
export * from './slurmJob';
export * from './cam';
export * from './faithfulness';
export * from './audit';
export * from './lock';
export * from './parse';
export * from './readers';
