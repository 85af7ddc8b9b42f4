import type { Network } from '../net/network.js';
import { OnlineRule, type RuleName, type RuleOptions, type Scratch } from './rule.js';

/**
 * The "standard model" that the paper contrasts SaR with: no backward pass at all. The output layer
 * uses its own errors, δ_j = e_j·f'(v_j); every hidden layer uses the global error ē (the mean of the
 * output errors) directly, δ^l_j = ē·f'(v^l_j).
 */
export class GlobalErrorRule extends OnlineRule {
  readonly name: RuleName = 'global-error';

  protected override computeSignals(net: Network, scratch: Scratch): void {
    const errors = scratch.errors;
    let mean = 0;
    for (let j = 0; j < errors.length; j++) mean += errors[j];
    mean /= errors.length;
    const last = net.layers.length - 1;
    for (let l = 0; l <= last; l++) {
      const d = scratch.derivatives[l];
      const s = scratch.signals[l];
      if (l === last) for (let j = 0; j < s.length; j++) s[j] = errors[j] * d[j];
      else for (let j = 0; j < s.length; j++) s[j] = mean * d[j];
    }
  }
}

/** The "standard model": every layer learns from the global error directly, with no backward pass. */
export function globalError(options: RuleOptions): GlobalErrorRule {
  return new GlobalErrorRule(options);
}
