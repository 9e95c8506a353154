export * from './callback';
export { CancelledError, CancellationCallback } from './cancellation';
export { CheckpointCallback } from './checkpoint';
export { EarlyStoppingCallback, initialEarlyStop, updateEarlyStop, type EarlyStopState } from './earlyStopping';
export { HistoryCallback } from './history';
export { PlateauCallback } from './plateau';
export { ProgressCallback } from './progress';
