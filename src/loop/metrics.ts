import { AuthorsCriterion } from './authorsCriterion.js';

/**
 * The success criterion of the closed loop (docs/closed-loop.md, "Success and the frozen evaluation"). An exponential moving average of |e| (decay
 * 0.01 by default), started at the reflex-alone baseline rather than at 0, must stay below
 * `threshold × baseline` for `window` consecutive steps (at least one lap), with no line loss in
 * that window. Starting at the baseline means that success can never come at step 0: the average
 * has to be brought down by driving.
 */
export interface SuccessCriterion {
  /** Relative threshold: success when the average stays below threshold × baseline. */
  threshold: number;
  /** Consecutive steps the average must stay below the threshold. */
  window: number;
  /** EMA decay per step. */
  decay: number;
}

/**
 * The success metrics of a run, updated every step: the |e| moving average, success, line losses,
 * the longest streak under the threshold.
 * @example
 * const metrics = new RunMetrics({ threshold: 0.5, window: 2000, decay: 0.01 }, reflexMeanAbsError);
 * for (const e of errors) metrics.record(e);
 * metrics.success ? metrics.stepsToSuccess : metrics.longestStreak;
 */
export class RunMetrics {
  /**
   * The |e| average; starts at the baseline. Initialised here to a number, never undefined, so that
   * storing into it does not box (docs/performance.md, "The hot path").
   */
  ema = 0;
  steps = 0;
  /** Steps since the average went below the threshold with no line loss since. */
  stepsBelow = 0;
  /** The step at which the successful streak began (the EMA went below the threshold and stayed there). */
  stepsToSuccess: number | null = null;
  /** The step at which success was confirmed (the streak reached the window). */
  successConfirmedAt: number | null = null;
  /** The longest streak so far of steps with the average below the threshold and the line in sight. */
  longestStreak = 0;
  /** Steps counted when the longest streak last grew: it covers steps longestStreakEnd − longestStreak to longestStreakEnd − 1. */
  longestStreakEnd = 0;
  /** The absolute threshold, threshold × baseline (Infinity-safe: no baseline, no success). */
  readonly absoluteThreshold: number;
  private firstSum = 0;
  private readonly last: Float64Array;
  private lastSum = 0;
  private lastFilled = 0;
  private lastHead = 0;
  private readonly single = { error: 0.5 };
  /** The authors' success criterion, judged beside this one when asked for (`success.authors`). */
  readonly authors: AuthorsCriterion | null;

  constructor(
    readonly criterion: SuccessCriterion,
    /** The reflex-alone mean |e| on the same task (null: unknown, so success is never reported). */
    readonly baseline: number | null,
    /** Steps the average must stay below the threshold (the criterion's window, or one lap if longer). */
    readonly window: number = criterion.window,
    /** Length of the first and last windows for mean |e|. */
    readonly windowLength = 2000,
    authors = false,
  ) {
    this.authors = authors ? new AuthorsCriterion() : null;
    this.last = new Float64Array(windowLength);
    this.ema = baseline ?? 0;
    this.absoluteThreshold = baseline === null ? Number.NEGATIVE_INFINITY : criterion.threshold * baseline;
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
   * The same as `record(source.error)`. The closed loop uses this form every step: no boxed numbers
   * (docs/performance.md, "The hot path").
   */
  recordFrom(source: { readonly error: number }): boolean {
    const abs = Math.abs(source.error);
    this.authors?.record(abs);
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
    if (this.ema < this.absoluteThreshold) this.stepsBelow++;
    else this.stepsBelow = 0;
    if (this.stepsBelow > this.longestStreak) {
      this.longestStreak = this.stepsBelow;
      this.longestStreakEnd = this.steps;
    }
    if (this.stepsToSuccess === null && this.stepsBelow >= this.window) {
      this.stepsToSuccess = this.steps - this.window;
      this.successConfirmedAt = this.steps;
      return true;
    }
    return false;
  }

  /** The robot lost the line: a streak in progress does not count. */
  lineLost(): void {
    this.stepsBelow = 0;
    this.authors?.lineLost();
  }

  /** The longest streak under the threshold, for the run's summary. */
  streakSummary(): { longestStreakBelowThreshold: number; longestStreakEnd: number } {
    return { longestStreakBelowThreshold: this.longestStreak, longestStreakEnd: this.longestStreakEnd };
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
