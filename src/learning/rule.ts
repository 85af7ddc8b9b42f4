import { derivativeArray } from '../net/activation.js';
import type { Network } from '../net/network.js';
import { ValidationError } from '../util/errors.js';

export const RULE_NAMES = ['sar', 'backprop', 'feedback-alignment', 'sign-symmetry', 'global-error'] as const;
export type RuleName = (typeof RULE_NAMES)[number];

export interface RuleOptions {
  /** Base learning rate η (>= 0). */
  learningRate: number;
  /** Per-layer discount: layer l of L learns at η·discount^(L-l). Default 1. */
  discount?: number;
}

export interface LearnOptions {
  /** Environmental relevance cue for this step (used by the `cue` relevance source). */
  cue?: number;
  /** Step counter, passed on to relevance functions. */
  step?: number;
}

/** An online learning rule: one weight update per call, from the network's last forward pass. */
export interface LearningRule {
  readonly name: RuleName;
  learningRate: number;
  discount: number;
  /** The relevance (modulation) used by the last update; 1 for the unmodulated rules. */
  readonly lastRelevance: number;
  /** The teaching signal of each neuron in the last update, per layer (null before the first). */
  readonly lastSignals?: readonly Float64Array[] | null;
  /**
   * Updates the weights from the error of the last forward pass. `error` is one number for every
   * output neuron, or one per output neuron: the direction in which each output should have moved.
   * Throws a ValidationError, changing nothing, on bad input.
   */
  learn(net: Network, error: number | ArrayLike<number>, options?: LearnOptions): void;
}

/** Per-network working memory of a rule, allocated once and reused every step. */
export interface Scratch {
  readonly net: Network;
  readonly errors: Float64Array;
  /** f'(v) of each layer's last forward pass. */
  readonly derivatives: Float64Array[];
  /** The teaching signal of each neuron: δ for gradient-like rules, σ ∈ {-1, 0, 1} for SaR. */
  readonly signals: Float64Array[];
  /** Spare buffer of each layer's width for backward sums. */
  readonly backward: Float64Array[];
  /**
   * This step's learning rate of each layer, η_l · modulation. Kept in an array rather than passed
   * as arguments: a floating-point argument to a call that the JIT does not inline is boxed on the
   * heap, and the step must not allocate.
   */
  readonly rates: Float64Array;
}

/**
 * The shared skeleton of every rule: check the input, compute each neuron's teaching signal
 * top-down (rule-specific), then add η_l · modulation · signal_j · x_i to every weight.
 * All signals are computed from the weights before the update.
 */
export abstract class OnlineRule implements LearningRule {
  abstract readonly name: RuleName;
  private rate = 0;
  private layerDiscount = 1;
  protected scratch: Scratch | null = null;
  lastRelevance = 1;
  private readonly saved = new Float64Array(1);

  constructor(options: RuleOptions) {
    this.learningRate = options.learningRate;
    this.discount = options.discount ?? 1;
  }

  get learningRate(): number {
    return this.rate;
  }

  /**
   * The teaching signal of each neuron in the last update, one array per layer (σ ∈ {-1, 0, 1} for
   * SaR, δ for backprop): what travelled down. Null before the first update. Read-only views.
   */
  get lastSignals(): readonly Float64Array[] | null {
    return this.scratch?.signals ?? null;
  }

  set learningRate(value: number) {
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      throw new ValidationError('learningRate', value, 'a finite number >= 0');
    }
    this.rate = value;
  }

  get discount(): number {
    return this.layerDiscount;
  }

  set discount(value: number) {
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
      throw new ValidationError('discount', value, 'a finite number > 0');
    }
    this.layerDiscount = value;
  }

  learn(net: Network, error: number | ArrayLike<number>, options?: LearnOptions): void {
    const scratch = this.prepare(net);
    fillErrors(scratch.errors, error);
    if (!net.hasForwardPass)
      throw new ValidationError('network', 'no forward pass', 'a forward pass before learning');
    // Not `options?.cue`: merging undefined with a fractional number makes the JIT box the number.
    if (options !== undefined) {
      const cue = options.cue;
      if (cue !== undefined && !Number.isFinite(cue))
        throw new ValidationError('cue', cue, 'a finite number');
    }
    const layers = net.layers;
    for (let l = 0; l < layers.length; l++) {
      const layer = layers[l];
      derivativeArray(layer.activationCode, layer.sum, layer.output, scratch.derivatives[l], layer.outputs);
    }
    // Numbers travel through fields and typed arrays here, not through arguments or return values:
    // a fractional number passed to or returned from a call that the JIT does not inline is boxed on
    // the heap, and the step must not allocate.
    const rates = scratch.rates;
    this.saved[0] = this.lastRelevance; // to restore on error
    this.modulate(scratch, options);
    const modulation = this.lastRelevance;
    if (!Number.isFinite(modulation) || modulation < 0) {
      this.lastRelevance = this.saved[0];
      throw new ValidationError('relevance', modulation, 'a finite number >= 0');
    }
    this.computeSignals(net, scratch);
    const depth = layers.length;
    const scaled = this.rate * modulation;
    const discount = this.layerDiscount;
    // η_l = η·discount^(L-l) for layer l of L (0-based here: the last layer learns at η).
    for (let l = 0; l < depth; l++) rates[l] = discount === 1 ? scaled : scaled * discount ** (depth - 1 - l);
    updateLayers(net, scratch.signals, rates);
  }

  /** Sets `lastRelevance` to the global modulation of this step (SaR: the relevance; others: 1). */
  protected modulate(_scratch: Scratch, _options?: LearnOptions): void {
    this.lastRelevance = 1;
  }

  /** Fills `scratch.signals[l]` for every layer, top-down. */
  protected abstract computeSignals(net: Network, scratch: Scratch): void;

  protected prepare(net: Network): Scratch {
    if (this.scratch?.net === net) return this.scratch;
    const widths = net.layers.map((l) => l.outputs);
    this.scratch = {
      net,
      errors: new Float64Array(net.outputs),
      derivatives: widths.map((n) => new Float64Array(n)),
      signals: widths.map((n) => new Float64Array(n)),
      backward: widths.map((n) => new Float64Array(n)),
      rates: new Float64Array(widths.length),
    };
    this.onBind(net);
    return this.scratch;
  }

  /** Hook for rules with per-network state (e.g. feedback matrices). */
  protected onBind(_net: Network): void {}
}

function fillErrors(out: Float64Array, error: number | ArrayLike<number>): void {
  if (typeof error === 'number') {
    if (!Number.isFinite(error)) throw new ValidationError('error', error, 'a finite number');
    out.fill(error);
    return;
  }
  if (error === null || typeof error !== 'object' || typeof error.length !== 'number') {
    throw new ValidationError('error', error, `a number or ${out.length} numbers`);
  }
  if (error.length !== out.length) {
    throw new ValidationError('error', error, `a number or ${out.length} numbers (one per output)`);
  }
  for (let j = 0; j < out.length; j++) {
    const value = error[j];
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new ValidationError(`error[${j}]`, value, 'a finite number');
    }
  }
  for (let j = 0; j < out.length; j++) out[j] = error[j];
}

/** out[j] = Σ_k M[k][j] · next[k]: the backward pass through a row-major matrix M (rows = upper neurons). */
export function backwardThrough(
  matrix: Float64Array,
  upper: number,
  lower: number,
  next: Float64Array,
  out: Float64Array,
): void {
  out.fill(0, 0, lower);
  for (let k = 0; k < upper; k++) {
    const t = next[k];
    if (t === 0) continue;
    const row = k * lower;
    for (let j = 0; j < lower; j++) out[j] += matrix[row + j] * t;
  }
}

/**
 * Teaching signals top-down: t^L = e ⊙ f'(v^L), t^l = f'(v^l) ⊙ (M^{l+1})ᵀ t^{l+1}, where M is the
 * forward weights W (backprop, SaR) or a stand-in of the same shape (the fixed random matrices of
 * feedback alignment, sgn(W) for sign symmetry). With `signOnly`, every t is replaced by its sign
 * before it travels on (SaR's sign transport).
 */
export function transportSignals(
  net: Network,
  scratch: Scratch,
  backwardMatrices: readonly Float64Array[] | null,
  signOnly: boolean,
): void {
  const layers = net.layers;
  const last = layers.length - 1;
  const top = scratch.signals[last];
  const dTop = scratch.derivatives[last];
  const errors = scratch.errors;
  if (signOnly) for (let j = 0; j < top.length; j++) top[j] = Math.sign(errors[j] * dTop[j]);
  else for (let j = 0; j < top.length; j++) top[j] = errors[j] * dTop[j];
  for (let l = last - 1; l >= 0; l--) {
    const upper = layers[l + 1];
    const sum = scratch.backward[l];
    const matrix = backwardMatrices === null ? upper.weights : backwardMatrices[l + 1];
    backwardThrough(matrix, upper.outputs, upper.inputs, scratch.signals[l + 1], sum);
    const d = scratch.derivatives[l];
    const s = scratch.signals[l];
    if (signOnly) for (let j = 0; j < s.length; j++) s[j] = Math.sign(d[j] * sum[j]);
    else for (let j = 0; j < s.length; j++) s[j] = d[j] * sum[j];
  }
}

/** GDM deltas: δ^L = e ⊙ f'(v^L), δ^l = f'(v^l) ⊙ (W^{l+1})ᵀ δ^{l+1}, into `signals`. */
export function gradientSignals(net: Network, scratch: Scratch): void {
  transportSignals(net, scratch, null, false);
}

/** W^l += rates[l] · signal^l ⊗ x^{l-1} for every layer (nothing when the rates are zero). */
function updateLayers(net: Network, signals: Float64Array[], rates: Float64Array): void {
  const layers = net.layers;
  if (rates[rates.length - 1] === 0) return;
  for (let l = 0; l < layers.length; l++) {
    const layer = layers[l];
    outerProductUpdate(
      layer.weights,
      layer.hasBias ? layer.bias : null,
      layer.input,
      signals[l],
      rates,
      l,
      layer.inputs,
      layer.outputs,
    );
  }
}

/**
 * The readable reference of one layer's update: w_ji += (rate·t_j)·x_i and b_j += rate·t_j, rows
 * whose factor rate·t_j is exactly zero left untouched. `outerProductUpdate` must give bit-identical
 * results (a test checks it).
 */
export function outerProductUpdateReference(
  w: Float64Array,
  bias: Float64Array | null,
  x: Float64Array,
  t: Float64Array,
  rate: number,
  n: number,
  m: number,
): void {
  for (let j = 0; j < m; j++) {
    const k = rate * t[j];
    if (k === 0) continue;
    const row = j * n;
    for (let i = 0; i < n; i++) w[row + i] += k * x[i];
    if (bias) bias[j] += k;
  }
}

/**
 * The update hot loop: the same element-wise operations as `outerProductUpdateReference` (so the
 * result is bit-identical), four rows per pass so that each x_i is loaded once for four rows and the
 * loop overhead is shared. Rows with a zero factor are skipped, exactly as in the reference.
 */
export function outerProductUpdate(
  w: Float64Array,
  bias: Float64Array | null,
  x: Float64Array,
  t: Float64Array,
  rates: Float64Array,
  index: number,
  n: number,
  m: number,
): void {
  const rate = rates[index];
  let j = 0;
  for (; j + 3 < m; j += 4) {
    const k0 = rate * t[j];
    const k1 = rate * t[j + 1];
    const k2 = rate * t[j + 2];
    const k3 = rate * t[j + 3];
    if (k0 === 0 || k1 === 0 || k2 === 0 || k3 === 0) {
      // Rare (a zero sign): one row at a time, the zero rows skipped.
      for (let r = j; r < j + 4; r++) {
        const k = rate * t[r];
        if (k === 0) continue;
        const row = r * n;
        for (let i = 0; i < n; i++) w[row + i] += k * x[i];
      }
    } else {
      const r0 = j * n;
      const r1 = r0 + n;
      const r2 = r1 + n;
      const r3 = r2 + n;
      for (let i = 0; i < n; i++) {
        const xi = x[i];
        w[r0 + i] += k0 * xi;
        w[r1 + i] += k1 * xi;
        w[r2 + i] += k2 * xi;
        w[r3 + i] += k3 * xi;
      }
    }
    if (bias) {
      if (k0 !== 0) bias[j] += k0;
      if (k1 !== 0) bias[j + 1] += k1;
      if (k2 !== 0) bias[j + 2] += k2;
      if (k3 !== 0) bias[j + 3] += k3;
    }
  }
  for (; j < m; j++) {
    const k = rate * t[j];
    if (k === 0) continue;
    const row = j * n;
    for (let i = 0; i < n; i++) w[row + i] += k * x[i];
    if (bias) bias[j] += k;
  }
}
