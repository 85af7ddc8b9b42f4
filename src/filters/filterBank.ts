import { type KernelChoice, worldUsesWasm } from '../backend/kernelChoice.js';
import { ValidationError } from '../util/errors.js';
import { WasmBandpass } from './wasmBandpass.js';

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

/**
 * `bandpass`: the authors' second-order bandpass (their FCL library and simulator), the default;
 * `fir`: delay taps as on the authors' robot; `resonator`: sarlab 0.1's own damped oscillators,
 * NOT the authors' filter (other pole angle, impulse-peak normalisation, periods spaced linearly).
 */
export const FILTER_KINDS = ['bandpass', 'fir', 'resonator'] as const;
/** One of `FILTER_KINDS`. */
export type FilterKind = (typeof FILTER_KINDS)[number];

/** Settings of a filter array: every predictor goes through `count` filters. */
export interface FilterBankOptions {
  kind: FilterKind;
  predictors: number;
  /** Number of filters per predictor, K. */
  count: number;
  /** Bandpass and resonators: shortest and longest period in steps. */
  minPeriod?: number;
  maxPeriod?: number;
  /** Bandpass and resonators: damping q (0.51 as in the authors' simulator; the bandpass needs q > 0.5). */
  damping?: number;
  /**
   * The run's kernel (`network.kernel`, default `auto`): with the WebAssembly kernel the bandpass
   * array runs in WebAssembly, with the same bits.
   */
  kernel?: KernelChoice;
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
  if (options.kind === 'bandpass') {
    return new BandpassBank(
      options.predictors,
      options.count,
      options.minPeriod ?? 3,
      options.maxPeriod ?? 10,
      options.damping ?? 0.51,
      options.kernel ?? 'auto',
    );
  }
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
    checkPeriodsAndDamping(minPeriod, maxPeriod, damping, 0, 'a finite number > 0');
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
    // Filter by filter: each filter's coefficients stay in registers over the predictors. Every
    // output is its own expression, so the order of the outputs changes no bit.
    for (let k = 0; k < K; k++) {
      const gk = g[k];
      const a1k = a1[k];
      const a2k = a2[k];
      for (let p = 0, i = k; p < P; p++, i += K) {
        const current = y[i];
        y[i] = gk * input[p] + a1k * current - a2k * y1[i];
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

/**
 * The authors' second-order bandpass (docs/closed-loop.md, "The world"; FCLBandpass in their FCL library, the same in their
 * simulator). For normalised frequency f and damping q > 0.5 the poles are exp(−a ± iw) with
 * a = πf/q and w = sqrt((2πf)² − a²), there are no zeros, and the output is divided by the peak of
 * the filter's own step response (over 2/f steps, the step starting at step 2). The K frequencies
 * of a bank are spaced linearly in f from 1/maxPeriod to 1/minPeriod (accumulated as the authors
 * do, f += df). With q ≈ 0.51 these are near-critically damped smoothers of different time
 * constants with a DC gain near 1.
 *
 * The recursion is the authors' expression for expression, y[n] = (x[n] − d1·w[n−1] − d2·w[n−2])
 * and output w[n] / norm, so that the responses computed with their code (test/fixtures/fcl-bandpass.json) are
 * matched to rounding.
 */
export class BandpassBank implements FilterBank {
  readonly output: Float64Array;
  /** Per filter k: frequency, the two denominator coefficients and the normalisation. */
  readonly frequency: Float64Array;
  readonly d1: Float64Array;
  readonly d2: Float64Array;
  readonly norm: Float64Array;
  /** Unnormalised state w[n−1], w[n−2] per output. */
  private readonly w1: Float64Array;
  private readonly w2: Float64Array;
  /** With the WebAssembly kernel: the loop in WebAssembly, on the arrays above (views of its memory). */
  private readonly wasm: WasmBandpass | null;

  /** `kernel`: the run's kernel (the WebAssembly one runs `filter` in WebAssembly, same bits). */
  constructor(
    readonly predictors: number,
    readonly filtersPerPredictor: number,
    readonly minPeriod: number,
    readonly maxPeriod: number,
    readonly damping: number,
    kernel: KernelChoice = 'auto',
  ) {
    checkPeriodsAndDamping(
      minPeriod,
      maxPeriod,
      damping,
      0.5,
      'a finite number > 0.5 (the bandpass needs q > 0.5)',
    );
    const K = filtersPerPredictor;
    this.wasm = worldUsesWasm(kernel) ? WasmBandpass.create(predictors, K) : null;
    const wasm = this.wasm;
    this.output = wasm ? wasm.output : new Float64Array(predictors * K);
    this.w1 = wasm ? wasm.w1 : new Float64Array(predictors * K);
    this.w2 = wasm ? wasm.w2 : new Float64Array(predictors * K);
    this.frequency = new Float64Array(K);
    this.d1 = wasm ? wasm.d1 : new Float64Array(K);
    this.d2 = wasm ? wasm.d2 : new Float64Array(K);
    this.norm = wasm ? wasm.norm : new Float64Array(K);
    const fMin = 1 / maxPeriod;
    const fMax = 1 / minPeriod;
    // One filter: the lowest frequency (the authors' formula divides by K − 1).
    const df = K === 1 ? 0 : (fMax - fMin) / (K - 1);
    let f = fMin;
    for (let k = 0; k < K; k++) {
      const c = bandpassCoefficients(f, damping);
      this.frequency[k] = f;
      this.d1[k] = c.d1;
      this.d2[k] = c.d2;
      this.norm[k] = c.norm;
      f += df;
    }
  }

  filter(input: ArrayLike<number>): void {
    if (this.wasm !== null) {
      this.wasm.filter(input);
      return;
    }
    const K = this.filtersPerPredictor;
    const P = this.predictors;
    const y = this.output;
    const w1 = this.w1;
    const w2 = this.w2;
    const d1 = this.d1;
    const d2 = this.d2;
    const norm = this.norm;
    // Filter by filter, as in ResonatorBank.filter (the same expressions; the order of the outputs
    // changes no bit).
    for (let k = 0; k < K; k++) {
      const d1k = d1[k];
      const d2k = d2[k];
      const normk = norm[k];
      for (let p = 0, i = k; p < P; p++, i += K) {
        const previous = w1[i];
        const w = input[p] - d1k * previous - d2k * w2[i];
        w2[i] = previous;
        w1[i] = w;
        y[i] = w / normk;
      }
    }
  }

  reset(): void {
    this.output.fill(0);
    this.w1.fill(0);
    this.w2.fill(0);
  }
}

/** Denominator coefficients and step-response normalisation of one bandpass (see BandpassBank). */
export function bandpassCoefficients(f: number, q: number): { d1: number; d2: number; norm: number } {
  if (!(f > 0 && f <= 0.5)) throw new ValidationError('filters.frequency', f, 'a frequency in (0, 0.5]');
  if (!(q > 0.5)) throw new ValidationError('filters.damping', q, 'a number > 0.5');
  const omega = f * Math.PI * 2;
  const a = omega / (2 * q);
  const w = Math.sqrt(omega * omega - a * a);
  // exp(s1) and exp(s2) for s = −a ± iw; d1 = Re(−exp(s2) − exp(s1)), d2 = Re(exp(s1 + s2)).
  const r = Math.exp(-a);
  const re = r * Math.cos(w);
  const d1 = -re - re;
  const d2 = Math.exp(-2 * a) * Math.cos(0);
  // Peak of |step response| over 2/f steps, the step starting at step 2, from a zero state.
  let w1 = 0;
  let w2 = 0;
  let peak = 0;
  for (let i = 0; i < 2 / f; i++) {
    const x = i > 1 ? 1 : 0;
    const v = x - d1 * w1 - d2 * w2;
    w2 = w1;
    w1 = v;
    if (Math.abs(v) > peak) peak = Math.abs(v);
  }
  return { d1, d2, norm: peak };
}

/** The period range and damping of a bank of second-order filters, or a ValidationError. */
function checkPeriodsAndDamping(
  minPeriod: number,
  maxPeriod: number,
  damping: number,
  dampingAbove: number,
  expected: string,
): void {
  if (!(minPeriod >= 2) || !(maxPeriod >= minPeriod) || !Number.isFinite(maxPeriod)) {
    throw new ValidationError(
      'filters.period',
      [minPeriod, maxPeriod],
      'minPeriod >= 2 and maxPeriod >= minPeriod',
    );
  }
  if (!(damping > dampingAbove) || !Number.isFinite(damping)) {
    throw new ValidationError('filters.damping', damping, expected);
  }
}
