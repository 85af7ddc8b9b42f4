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
 * Which sign each neuron learns with (docs/closed-loop.md, "Which sign"):
 * - `gradient` (the default): the exact backpropagated δ travels down and each neuron's update uses
 *   its sign, σ^l = sgn(δ^l). This is what the authors' code runs (CLDL `Neuron.cpp`, method `Sign`:
 *   the error that travels is the value, only the weight change takes its sign).
 * - `transport`: only signs travel top-down, σ^l = sgn(f'(v^l) · (W^{l+1})ᵀ σ^{l+1}): a literal
 *   reading of the abstract ("only the sign ... is propagated"), not what the authors ran.
 * - `global`: no sign travels at all; every output neuron takes sgn(e_j · f'(v_j)) and every hidden
 *   neuron sgn(ē · f'(v)), ē the sum of the output errors. With all-positive weights every neuron's
 *   δ has the sign of e, so the authors' rule reduces to this; the control tells whether
 *   propagating a sign matters at all.
 */
export const SIGN_MODES = ['gradient', 'transport', 'global'] as const;
/** `gradient`: the sign of the exact δ (the authors'); `transport`: only signs travel; `global`: sign(e) everywhere. */
export type SignMode = (typeof SIGN_MODES)[number];
/** SaR's sign when none is given: the authors' (`gradient`). */
export const DEFAULT_SIGN_MODE: SignMode = 'gradient';
/**
 * What a run record or configuration that names no sign mode meant: until SaR's default became the
 * authors' rule, the default was `transport`. Reading old records, a missing `signMode` is this.
 */
export const LEGACY_SIGN_MODE: SignMode = 'transport';

/** Settings of SaR. */
export interface SarOptions extends RuleOptions {
  /** The global modulator. Default: |e| (`relevance.absError()`). */
  relevance?: RelevanceSource;
  /** Which sign each neuron learns with. Default `gradient` (`DEFAULT_SIGN_MODE`), the authors' rule. */
  signMode?: SignMode;
}

/**
 * Sign and Relevance learning: ΔW^l_ji = η_l · ρ · σ^l_j · x^{l-1}_i, where σ is each neuron's sign
 * (`signMode`: by default that of its exact backpropagated δ) and ρ ≥ 0 a global relevance broadcast
 * to every synapse (modulate).
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
    const mode = options.signMode ?? DEFAULT_SIGN_MODE;
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
    context.predictors = undefined;
    if (options !== undefined) {
      context.predictors = options.predictors;
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
    const mode = this.signMode;
    if (mode === 'gradient') {
      // The exact backprop δ at every layer (on the network's kernel), then its sign.
      gradientSignals(net, scratch);
      for (const s of scratch.signals) for (let j = 0; j < s.length; j++) s[j] = Math.sign(s[j]);
    } else if (mode === 'transport') {
      transportSignals(net, scratch, false, true);
    } else {
      globalSigns(scratch);
    }
  }
}

/**
 * The `global` sign: sgn(e_j · f'(v_j)) at the outputs, sgn(ē · f'(v)) below, ē = Σ_j e_j. Written
 * into the network's own signal arrays (views of its memory), so every kernel's update reads it.
 */
function globalSigns(scratch: Scratch): void {
  const { errors, derivatives, signals } = scratch;
  const last = signals.length - 1;
  let total = 0;
  for (let j = 0; j < errors.length; j++) total += errors[j];
  const top = signals[last];
  const dTop = derivatives[last];
  for (let j = 0; j < top.length; j++) top[j] = Math.sign(errors[j] * dTop[j]);
  for (let l = 0; l < last; l++) {
    const s = signals[l];
    const d = derivatives[l];
    for (let j = 0; j < s.length; j++) s[j] = Math.sign(total * d[j]);
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
  predictors: ArrayLike<number> | undefined = undefined;

  get cue(): number | undefined {
    return this.hasCue ? this.cueValue : undefined;
  }
}

/** Sign and Relevance learning: each neuron learns with a sign (by default that of its exact δ, as the authors' code does), a global relevance sets the step size. */
export function sar(options: SarOptions): SarRule {
  return new SarRule(options);
}
