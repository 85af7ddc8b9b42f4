import type { Network } from '../net/network.js';
import { gradientSignals, OnlineRule, type RuleName, type RuleOptions, type Scratch } from './rule.js';

/** Online backpropagation (the gradient descent method, GDM): the precise weighted error travels down. */
export class BackpropRule extends OnlineRule {
  readonly name: RuleName = 'backprop';

  protected override computeSignals(net: Network, scratch: Scratch): void {
    gradientSignals(net, scratch);
  }
}

/** Backpropagation (GDM), the baseline: the exact, weighted error travels down from layer to layer. */
export function backprop(options: RuleOptions): BackpropRule {
  return new BackpropRule(options);
}
