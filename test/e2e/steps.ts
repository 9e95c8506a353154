/**
 * A scenario as named steps run in order. A step that fails makes the steps after it that need its result fail
 * too, without running, and says which step they waited on. The run ends with the line `N passed, N failed`.
 */

export interface StepOutcome { name: string; ok: boolean; seconds: number; error?: string }

export class Steps {
  readonly outcomes: StepOutcome[] = [];
  private readonly started = Date.now();

  /** `onFailure` may save evidence (a screenshot) and return extra lines for the message (e.g. notifications). */
  constructor(private readonly onFailure?: (step: string) => Promise<string | undefined>) {}

  /** Runs `fn` unless a step listed in `needs` failed; never throws. */
  async step(name: string, fn: () => Promise<void>, needs: string[] = []): Promise<boolean> {
    const blocked = needs.find((n) => !this.outcomes.find((o) => o.name === n)?.ok);
    if (blocked) {
      this.outcomes.push({ name, ok: false, seconds: 0, error: `not run: needs "${blocked}", which did not pass` });
      console.log(`✗ ${name} — not run (needs "${blocked}")`);
      return false;
    }
    const t0 = Date.now();
    try {
      await fn();
      const seconds = (Date.now() - t0) / 1000;
      this.outcomes.push({ name, ok: true, seconds });
      console.log(`✓ ${name} (${seconds.toFixed(1)} s)`);
      return true;
    } catch (err) {
      const seconds = (Date.now() - t0) / 1000;
      const e = err as Error;
      const extra = await this.onFailure?.(name).catch((x: Error) => `(could not collect evidence: ${x.message})`);
      this.outcomes.push({ name, ok: false, seconds, error: e.message });
      console.log(`✗ ${name} (${seconds.toFixed(1)} s)\n    ${(e.stack ?? e.message).split('\n').join('\n    ')}${extra ? `\n    ${extra.split('\n').join('\n    ')}` : ''}`);
      return false;
    }
  }

  get failed(): number {
    return this.outcomes.filter((o) => !o.ok).length;
  }

  /** Prints the failures again and the final count line; returns the process exit code. */
  summary(): number {
    const failed = this.outcomes.filter((o) => !o.ok);
    const passed = this.outcomes.length - failed.length;
    console.log(`\nEnd-to-end scenario: ${((Date.now() - this.started) / 1000).toFixed(1)} s`);
    for (const f of failed) console.log(`  failed: ${f.name}: ${f.error?.split('\n')[0]}`);
    console.log(`${passed} passed, ${failed.length} failed`);
    return failed.length ? 1 : 0;
  }
}

/** Runs a scenario file's main() and exits with its code; an error outside the steps counts as one failure. */
export function runScenario(main: () => Promise<number>): void {
  main().then((code) => process.exit(code), (err: Error) => {
    console.error(err.stack ?? err.message);
    console.log('0 passed, 1 failed');
    process.exit(1);
  });
}
