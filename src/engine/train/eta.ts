/** Seconds left, from the mean time of the units done so far in this session (skips the first, warm-up unit). */
export class Eta {
  private times: number[] = [];
  private last = performance.now();

  tick(): void {
    const now = performance.now();
    this.times.push((now - this.last) / 1000);
    this.last = now;
  }

  /** Restart the clock without counting the time since the last tick (validation, checkpoint saving). */
  pause(): void { this.last = performance.now(); }

  remaining(unitsLeft: number): number | undefined {
    const t = this.times.length > 1 ? this.times.slice(1) : this.times;
    if (t.length === 0) return undefined;
    return (t.reduce((a, b) => a + b, 0) / t.length) * unitsLeft;
  }
}
