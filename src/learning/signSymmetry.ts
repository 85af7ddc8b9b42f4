import type { Network } from '../net/network.js';
import { OnlineRule, type RuleName, type RuleOptions, type Scratch, transportSignals } from './rule.js';

/**
 * Sign symmetry (Liao et al.): the error travels down through sgn(W)ᵀ, so only the signs of the
 * forward weights need to be known by the backward path; the error values themselves still travel.
 */
export class SignSymmetryRule extends OnlineRule {
  readonly name: RuleName = 'sign-symmetry';
  /** sgn(W) of every layer, refreshed before each backward pass. */
  private signs: Float64Array[] = [];

  protected override onBind(net: Network): void {
    this.signs = net.layers.map((layer) => new Float64Array(layer.weights.length));
  }

  protected override computeSignals(net: Network, scratch: Scratch): void {
    // Layer 0's matrix is never used by the backward pass.
    for (let l = 1; l < net.layers.length; l++) {
      const w = net.layers[l].weights;
      const signs = this.signs[l];
      for (let i = 0; i < w.length; i++) signs[i] = Math.sign(w[i]);
    }
    transportSignals(net, scratch, this.signs, false);
  }
}

/** Sign symmetry: the error travels down through the signs of the transposed weights. */
export function signSymmetry(options: RuleOptions): SignSymmetryRule {
  return new SignSymmetryRule(options);
}
