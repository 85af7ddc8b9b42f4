import type { Network } from '../net/network.js';
import { OnlineRule, type RuleName, type RuleOptions, type Scratch, transportSignals } from './rule.js';

/**
 * Sign symmetry (Liao et al.): the error travels down through sgn(W)ᵀ, so only the signs of the
 * forward weights need to be known by the backward path; the error values themselves still travel.
 */
export class SignSymmetryRule extends OnlineRule {
  readonly name: RuleName = 'sign-symmetry';
  protected override computeSignals(net: Network, scratch: Scratch): void {
    // sgn(W) of every layer, refreshed before each backward pass, into the matrices of the
    // network's memory where the kernel reads them. Layer 0's matrix is never used by the backward
    // pass.
    const matrices = net.work.matrices;
    for (let l = 1; l < net.layers.length; l++) {
      const w = net.layers[l].weights;
      const signs = matrices[l];
      for (let i = 0; i < w.length; i++) signs[i] = Math.sign(w[i]);
    }
    net.work.matrixOwner = this;
    transportSignals(net, scratch, true, false);
  }
}

/** Sign symmetry: the error travels down through the signs of the transposed weights. */
export function signSymmetry(options: RuleOptions): SignSymmetryRule {
  return new SignSymmetryRule(options);
}
