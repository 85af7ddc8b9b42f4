import type { Network } from '../net/network.js';
import { ValidationError } from '../util/errors.js';

/** The learning rules by name. */
export const RULE_NAMES = ['sar', 'backprop', 'feedback-alignment', 'sign-symmetry', 'global-error'] as const;
/** A learning rule's name. */
export type RuleName = (typeof RULE_NAMES)[number];

/** Settings every rule takes. */
export interface RuleOptions {
  /** Base learning rate η (>= 0). */
  learningRate: number;
  /** Per-layer discount: layer l of L learns at η·discount^(L-l). Default 1. */
  discount?: number;
}

/** What a learning step may be told besides the error. */
export interface LearnOptions {
  /** Environmental relevance cue for this step (used by the `cue` relevance source). */
  cue?: number;
  /** Step counter, passed on to relevance functions. */
  step?: number;
  /** This step's raw predictors (rows of sensors, nearest first), for relevance sources that read them. */
  predictors?: ArrayLike<number>;
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

/**
 * The working memory of a learning step: views of the network's own working vectors (`net.work`, in
 * the network's memory, where the kernel reads them), shared by every rule that learns on it.
 */
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
   * as arguments: no boxed numbers (docs/performance.md, "The hot path").
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
    // Not `options?.cue`: no boxed numbers (docs/performance.md, "The hot path").
    if (options !== undefined) {
      const cue = options.cue;
      if (cue !== undefined && !Number.isFinite(cue))
        throw new ValidationError('cue', cue, 'a finite number');
    }
    const layers = net.layers;
    net.kernel.derivatives();
    // Numbers travel through fields and typed arrays here: no boxed numbers (docs/performance.md, "The hot path").
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
    if (rates[depth - 1] !== 0) net.kernel.update();
  }

  /** Sets `lastRelevance` to the global modulation of this step (SaR: the relevance; others: 1). */
  protected modulate(_scratch: Scratch, _options?: LearnOptions): void {
    this.lastRelevance = 1;
  }

  /** Fills `scratch.signals[l]` for every layer, top-down. */
  protected abstract computeSignals(net: Network, scratch: Scratch): void;

  protected prepare(net: Network): Scratch {
    if (this.scratch?.net === net) return this.scratch;
    const work = net.work;
    this.scratch = {
      net,
      errors: work.errors,
      derivatives: work.derivatives,
      signals: work.signals,
      backward: work.backward,
      rates: work.rates,
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

/**
 * Teaching signals top-down: t^L = e ⊙ f'(v^L), t^l = f'(v^l) ⊙ (M^{l+1})ᵀ t^{l+1}, where M is the
 * forward weights W (backprop, SaR) or, with `useMatrices`, a stand-in of the same shape that the
 * rule has written into `net.work.matrices` (the fixed random matrices of feedback alignment,
 * sgn(W) for sign symmetry). With `signOnly`, every t is replaced by its sign before it travels on
 * (SaR's sign transport). Runs on the network's kernel.
 */
export function transportSignals(
  net: Network,
  _scratch: Scratch,
  useMatrices: boolean,
  signOnly: boolean,
): void {
  net.kernel.transport(signOnly, useMatrices);
}

/** GDM deltas: δ^L = e ⊙ f'(v^L), δ^l = f'(v^l) ⊙ (W^{l+1})ᵀ δ^{l+1}, into `signals`. */
export function gradientSignals(net: Network, scratch: Scratch): void {
  transportSignals(net, scratch, false, false);
}
