import { ValidationError } from '../util/errors.js';

/**
 * A filter array: every predictor passes through the same bank of K filters, which spreads it in
 * time so that the network can relate an earlier predictive input to a later error. Output index
 * `p * K + k` is filter k of predictor p.
 */
export interface FilterBank {
  readonly predictors: number;
  readonly filtersPerPredictor: number;
  /** predictors × K values, updated by `filter`. */
  readonly output: Float64Array;
  /** Feeds one time step of predictor values and updates `output`. */
  filter(input: ArrayLike<number>): void;
  /** Forgets the filter state (as at the start). */
  reset(): void;
}

/** The kinds of filter array. */
export const FILTER_KINDS = ['fir', 'resonator'] as const;
/** `fir` (delay taps) or `resonator` (bandpass). */
export type FilterKind = (typeof FILTER_KINDS)[number];

/** Settings of a filter array: every predictor goes through `count` filters. */
export interface FilterBankOptions {
  kind: FilterKind;
  predictors: number;
  /** Number of filters per predictor, K. */
  count: number;
  /** Resonators: shortest and longest period in steps. */
  minPeriod?: number;
  maxPeriod?: number;
  /** Resonators: damping q (0.51 as in the authors' simulator). */
  damping?: number;
}

/** Makes a filter array: FIR delay taps (`fir`) or the authors' bandpass resonators (`resonator`). */
export function createFilterBank(options: FilterBankOptions): FilterBank {
  if (!Number.isInteger(options.predictors) || options.predictors < 1) {
    throw new ValidationError('predictors', options.predictors, 'an integer >= 1');
  }
  if (!Number.isInteger(options.count) || options.count < 1) {
    throw new ValidationError('filters.count', options.count, 'an integer >= 1');
  }
  if (options.kind === 'fir') return new DelayLineBank(options.predictors, options.count);
  if (options.kind === 'resonator') {
    return new ResonatorBank(
      options.predictors,
      options.count,
      options.minPeriod ?? 2,
      options.maxPeriod ?? 20,
      options.damping ?? 0.51,
    );
  }
  throw new ValidationError('filters.kind', options.kind, FILTER_KINDS.join(' or '));
}

/**
 * FIR delay taps, as on the authors' robot: tap k (1..K) outputs the predictor k steps ago.
 * A ring buffer per predictor; no copying per step.
 */
export class DelayLineBank implements FilterBank {
  readonly output: Float64Array;
  private readonly history: Float64Array;
  private head = 0;

  constructor(
    readonly predictors: number,
    readonly filtersPerPredictor: number,
  ) {
    this.output = new Float64Array(predictors * filtersPerPredictor);
    this.history = new Float64Array(predictors * filtersPerPredictor);
  }

  filter(input: ArrayLike<number>): void {
    const K = this.filtersPerPredictor;
    const P = this.predictors;
    const out = this.output;
    const hist = this.history;
    // Write the taps from the history first: tap k is the value k steps ago, so the current input
    // only becomes visible at tap 1 on the next step.
    for (let p = 0; p < P; p++) {
      const base = p * K;
      for (let k = 0; k < K; k++) {
        let slot = this.head - k;
        if (slot < 0) slot += K;
        out[base + k] = hist[base + slot];
      }
    }
    this.head = this.head + 1 === K ? 0 : this.head + 1;
    for (let p = 0; p < P; p++) hist[p * K + this.head] = input[p];
  }

  reset(): void {
    this.output.fill(0);
    this.history.fill(0);
    this.head = 0;
  }
}

/**
 * Second-order bandpass resonators (damped oscillators), periods spread linearly between minT and
 * maxT steps, damping q, each scaled so that its impulse response peaks at exactly 1, as in the
 * authors' simulator. Direct form: y[n] = g·x[n] + a1·y[n-1] - a2·y[n-2].
 */
export class ResonatorBank implements FilterBank {
  readonly output: Float64Array;
  /** Per filter k: gain, a1, a2. */
  readonly gain: Float64Array;
  readonly a1: Float64Array;
  readonly a2: Float64Array;
  private readonly previous: Float64Array;

  constructor(
    readonly predictors: number,
    readonly filtersPerPredictor: number,
    readonly minPeriod: number,
    readonly maxPeriod: number,
    readonly damping: number,
  ) {
    if (!(minPeriod >= 2) || !(maxPeriod >= minPeriod) || !Number.isFinite(maxPeriod)) {
      throw new ValidationError(
        'filters.period',
        [minPeriod, maxPeriod],
        'minPeriod >= 2 and maxPeriod >= minPeriod',
      );
    }
    if (!(damping > 0) || !Number.isFinite(damping)) {
      throw new ValidationError('filters.damping', damping, 'a finite number > 0');
    }
    const K = filtersPerPredictor;
    this.output = new Float64Array(predictors * K);
    this.previous = new Float64Array(predictors * K);
    this.gain = new Float64Array(K);
    this.a1 = new Float64Array(K);
    this.a2 = new Float64Array(K);
    for (let k = 0; k < K; k++) {
      const period = K === 1 ? minPeriod : minPeriod + ((maxPeriod - minPeriod) * k) / (K - 1);
      const f = 1 / period;
      // Pole pair at radius r = exp(-π f / q), angle 2π f: a resonance at the period, decaying faster for small q.
      const r = Math.exp((-Math.PI * f) / damping);
      this.a1[k] = 2 * r * Math.cos(2 * Math.PI * f);
      this.a2[k] = r * r;
      this.gain[k] = 1 / impulsePeak(this.a1[k], this.a2[k]);
    }
  }

  filter(input: ArrayLike<number>): void {
    const K = this.filtersPerPredictor;
    const P = this.predictors;
    const y = this.output;
    const y1 = this.previous;
    const g = this.gain;
    const a1 = this.a1;
    const a2 = this.a2;
    for (let p = 0; p < P; p++) {
      const x = input[p];
      const base = p * K;
      for (let k = 0; k < K; k++) {
        const i = base + k;
        const current = y[i];
        y[i] = g[k] * x + a1[k] * current - a2[k] * y1[i];
        y1[i] = current;
      }
    }
  }

  reset(): void {
    this.output.fill(0);
    this.previous.fill(0);
  }
}

/** Peak of the impulse response of y[n] = x[n] + a1 y[n-1] - a2 y[n-2]. */
function impulsePeak(a1: number, a2: number): number {
  let y1 = 0;
  let y2 = 0;
  let peak = 0;
  for (let n = 0; n < 100_000; n++) {
    const y = (n === 0 ? 1 : 0) + a1 * y1 - a2 * y2;
    y2 = y1;
    y1 = y;
    if (Math.abs(y) > peak) peak = Math.abs(y);
    if (n > 10 && Math.abs(y) < 1e-12 * peak && Math.abs(y2) < 1e-12 * peak) break;
  }
  return peak;
}
