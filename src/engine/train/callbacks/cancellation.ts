import type { TrainerCallback } from './callback';
import { CancelledError } from '../../errors';

export { CancelledError };

/**
 * AbortSignal → CancelledError after a training batch and after validation (the batch loaders reject at once
 * on abort as well). Nothing of the unfinished epoch is written: it comes before the epoch-end callbacks.
 */
export class CancellationCallback implements TrainerCallback {
  constructor(private readonly signal?: AbortSignal) {}

  private check(): void {
    if (this.signal?.aborted) throw new CancelledError();
  }

  onBatchEnd(): void { this.check(); }
  onValidationEnd(): void { this.check(); }
}
