import type { Network } from '../net/network.js';
import { ValidationError } from '../util/errors.js';
import { type RelevanceContext, type RelevanceSource, relevance as sources } from './relevance.js';
import {
  gradientSignals,
  type LearnOptions,
  OnlineRule,
  type RuleName,
  type RuleOptions,
  type Scratch,
  transportSignals,
} from './rule.js';

/**
 * How the sign reaches the hidden layers:
 * - `transport`: only signs travel top-down, σ^l = sgn(f'(v^l) · (W^{l+1})ᵀ σ^{l+1}) (the paper's rule);
 * - `gradient`: the sign of the exact backprop δ at every layer (to measure what sign transport costs).
 */
export const SIGN_MODES = ['transport', 'gradient'] as const;
/** `transport`: only signs travel down; `gradient`: the sign of the exact backpropagated δ. */
export type SignMode = (typeof SIGN_MODES)[number];

/** Settings of SaR. */
export interface SarOptions extends RuleOptions {
  /** The global modulator. Default: |e| (`relevance.absError()`). */
  relevance?: RelevanceSource;
  signMode?: SignMode;
}

/**
 * Sign and Relevance learning: ΔW^l_ji = η_l · ρ · σ^l_j · x^{l-1}_i, where σ is a sign that travels
 * top-down (prime) and ρ ≥ 0 a global relevance broadcast to every synapse (modulate).
 */
export class SarRule extends OnlineRule {
  readonly name: RuleName = 'sar';
  relevance: RelevanceSource;
  readonly signMode: SignMode;
  private step = 0;
  private readonly context = new SarContext();

  constructor(options: SarOptions) {
    super(options);
    this.relevance = options.relevance ?? sources.absError();
    const mode = options.signMode ?? 'transport';
    if (!(SIGN_MODES as readonly string[]).includes(mode)) {
      throw new ValidationError('signMode', mode, SIGN_MODES.join(' or '));
    }
    this.signMode = mode;
  }

  protected override modulate(scratch: Scratch, options?: LearnOptions): void {
    const errors = scratch.errors;
    let abs = 0;
    for (let j = 0; j < errors.length; j++) abs += Math.abs(errors[j]);
    const context = this.context;
    context.errors = errors;
    context.absError = abs / errors.length;
    // Not `options?.cue`: no boxed numbers (docs/performance.md, "The hot path").
    context.hasCue = false;
    context.cueValue = 0;
    context.step = this.step;
    if (options !== undefined) {
      const cue = options.cue;
      if (cue !== undefined) {
        context.hasCue = true;
        context.cueValue = cue;
      }
      if (options.step !== undefined) context.step = options.step;
    }
    this.step++;
    this.lastRelevance = this.relevance.value(context);
  }

  protected override computeSignals(net: Network, scratch: Scratch): void {
    if (this.signMode === 'gradient') {
      // The exact backprop δ at every layer, then its sign.
      gradientSignals(net, scratch);
      for (const s of scratch.signals) for (let j = 0; j < s.length; j++) s[j] = Math.sign(s[j]);
      return;
    }
    transportSignals(net, scratch, false, true);
  }
}

/**
 * The context handed to relevance sources, reused every step. The cue is kept in a number-only
 * field behind a getter: no boxed numbers (docs/performance.md, "The hot path").
 */
class SarContext implements RelevanceContext {
  errors: Float64Array = new Float64Array(0);
  absError = 0.5;
  cueValue = 0.5;
  hasCue = false;
  step = 0;

  get cue(): number | undefined {
    return this.hasCue ? this.cueValue : undefined;
  }
}

/** Sign and Relevance learning: only signs travel between layers, a global relevance sets the step size. */
export function sar(options: SarOptions): SarRule {
  return new SarRule(options);
}
