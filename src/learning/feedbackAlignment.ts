import type { Network } from '../net/network.js';
import { Random } from '../util/random.js';
import { OnlineRule, type RuleName, type RuleOptions, type Scratch, transportSignals } from './rule.js';

/** Settings of feedback alignment. */
export interface FeedbackAlignmentOptions extends RuleOptions {
  /** Seed of the fixed random feedback matrices. Default 1. */
  seed?: number;
}

/**
 * Feedback alignment (Lillicrap et al.): the error travels down through fixed random matrices B
 * instead of Wᵀ. B^l has the shape of W^l, drawn uniformly with the Xavier scale of that layer.
 */
export class FeedbackAlignmentRule extends OnlineRule {
  readonly name: RuleName = 'feedback-alignment';
  private readonly seed: number;
  private feedback: Float64Array[] = [];

  constructor(options: FeedbackAlignmentOptions) {
    super(options);
    this.seed = options.seed ?? 1;
  }

  protected override onBind(net: Network): void {
    if (net.work.matrixOwner === this) net.work.matrixOwner = null;
    const random = new Random(this.seed);
    this.feedback = net.layers.map((layer) => {
      const limit = Math.sqrt(6 / (layer.inputs + layer.outputs));
      const b = new Float64Array(layer.weights.length);
      for (let k = 0; k < b.length; k++) b[k] = random.uniform(-limit, limit);
      return b;
    });
  }

  protected override computeSignals(net: Network, scratch: Scratch): void {
    // The kernel reads the matrices from the network's memory; they are written there again only
    // when another rule has used that space since.
    const work = net.work;
    if (work.matrixOwner !== this) {
      for (let l = 0; l < this.feedback.length; l++) work.matrices[l].set(this.feedback[l]);
      work.matrixOwner = this;
    }
    transportSignals(net, scratch, true, false);
  }
}

/** Feedback alignment: the error travels down through fixed random matrices instead of the transposed weights. */
export function feedbackAlignment(options: FeedbackAlignmentOptions): FeedbackAlignmentRule {
  return new FeedbackAlignmentRule(options);
}
