/**
 * The success criterion of the closed loop: an exponential moving average of |e| (decay 0.01 by
 * default) stays below a threshold for N consecutive steps. Also keeps mean |e| over the first and
 * last windows.
 */
export interface SuccessCriterion {
  /** EMA threshold. */
  threshold: number;
  /** Consecutive steps the EMA must stay below the threshold. */
  window: number;
  /** EMA decay per step. */
  decay: number;
}

/** The success metrics of a run, updated every step: the |e| moving average, success, line losses. */
export class RunMetrics {
  ema = 0;
  steps = 0;
  stepsBelow = 0;
  /** The step at which the successful streak began (the EMA went below the threshold and stayed there). */
  stepsToSuccess: number | null = null;
  /** The step at which success was confirmed (the streak reached N steps). */
  successConfirmedAt: number | null = null;
  private firstSum = 0;
  private readonly last: Float64Array;
  private lastSum = 0;
  private lastFilled = 0;
  private lastHead = 0;
  private readonly single = { error: 0.5 };

  constructor(
    readonly criterion: SuccessCriterion,
    /** Length of the first and last windows for mean |e|. */
    readonly windowLength = 2000,
  ) {
    this.last = new Float64Array(windowLength);
  }

  get success(): boolean {
    return this.stepsToSuccess !== null;
  }

  /** Records the error of one step; returns true on the step where success is first reached. */
  record(error: number): boolean {
    this.single.error = error;
    return this.recordFrom(this.single);
  }

  /**
   * The same as `record(source.error)`. The closed loop uses this form every step: a number passed
   * to a call that the JIT does not inline is boxed (a small allocation per step), an object is not.
   */
  recordFrom(source: { readonly error: number }): boolean {
    const abs = Math.abs(source.error);
    this.ema += this.criterion.decay * (abs - this.ema);
    this.steps++;
    if (this.steps <= this.windowLength) this.firstSum += abs;
    // Ring buffer of the last window; the sum is recomputed now and then to stop rounding drift.
    this.lastSum += abs - this.last[this.lastHead];
    this.last[this.lastHead] = abs;
    this.lastHead = (this.lastHead + 1) % this.windowLength;
    if (this.lastFilled < this.windowLength) this.lastFilled++;
    if (this.lastHead === 0) {
      let s = 0;
      for (let i = 0; i < this.windowLength; i++) s += this.last[i];
      this.lastSum = s;
    }
    if (this.ema < this.criterion.threshold) this.stepsBelow++;
    else this.stepsBelow = 0;
    if (this.stepsToSuccess === null && this.stepsBelow >= this.criterion.window) {
      this.stepsToSuccess = this.steps - this.criterion.window;
      this.successConfirmedAt = this.steps;
      return true;
    }
    return false;
  }

  /** Mean |e| over the first window of the run. */
  meanAbsErrorFirst(): number {
    return this.steps === 0 ? 0 : this.firstSum / Math.min(this.steps, this.windowLength);
  }

  /** Mean |e| over the last window of the run. */
  meanAbsErrorLast(): number {
    return this.lastFilled === 0 ? 0 : this.lastSum / this.lastFilled;
  }
}
