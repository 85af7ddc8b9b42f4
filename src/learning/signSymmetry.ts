import type { Network } from '../net/network.js';
import { OnlineRule, type RuleName, type RuleOptions, type Scratch } from './rule.js';

/**
 * Sign symmetry (Liao et al.): the error travels down through sgn(W)ᵀ, so only the signs of the
 * forward weights need to be known by the backward path; the error values themselves still travel.
 */
export class SignSymmetryRule extends OnlineRule {
  readonly name: RuleName = 'sign-symmetry';

  protected override computeSignals(net: Network, scratch: Scratch): void {
    const layers = net.layers;
    const last = layers.length - 1;
    const top = scratch.signals[last];
    const dTop = scratch.derivatives[last];
    for (let j = 0; j < top.length; j++) top[j] = scratch.errors[j] * dTop[j];
    for (let l = last - 1; l >= 0; l--) {
      const upper = layers[l + 1];
      const n = upper.inputs;
      const w = upper.weights;
      const next = scratch.signals[l + 1];
      const sum = scratch.backward[l];
      sum.fill(0);
      for (let k = 0; k < upper.outputs; k++) {
        const t = next[k];
        if (t === 0) continue;
        const row = k * n;
        for (let j = 0; j < n; j++) sum[j] += Math.sign(w[row + j]) * t;
      }
      const d = scratch.derivatives[l];
      const s = scratch.signals[l];
      for (let j = 0; j < s.length; j++) s[j] = d[j] * sum[j];
    }
  }
}

export function signSymmetry(options: RuleOptions): SignSymmetryRule {
  return new SignSymmetryRule(options);
}
