import type { Network } from '../net/network.js';

/** How often, in learning steps, a run keeps a copy of its network's weights. */
export const KEEP_EVERY = 2000;

/**
 * The last good weights of a run's network: its weights and biases as they were after `step`
 * learning steps, kept every KEEP_EVERY steps (and when the frozen evaluation starts) while every
 * weight and bias is finite and so is each layer's distance from the start. When the network
 * diverges, the run puts them back (`Simulation`), so whatever uses the network afterwards (a saved
 * model, the lab, a sweep's worker) gets the last good one, never NaN weights. Keeping reads the
 * network only: a run's results are the same with it.
 */
export class LastGoodWeights {
  /** Learning steps behind the kept weights (0: the initial ones). */
  step = 0;
  /** Whether the kept weights have been put back into the network (after a divergence). */
  restored = false;
  private readonly kept: Float64Array[];
  private readonly distances: Float64Array;

  constructor(
    private readonly network: Network,
    private readonly initial: readonly Float64Array[],
  ) {
    this.kept = network.snapshot();
    this.distances = new Float64Array(network.layers.length);
  }

  /** Keeps the weights as they are after `step` learning steps, when they are good. */
  keep(step: number): void {
    const network = this.network;
    if (network.findNonFinite()) return;
    network.weightDistances(this.initial, this.distances);
    if (!this.distances.every(Number.isFinite)) return;
    network.layers.forEach((layer, k) => {
      this.kept[2 * k].set(layer.weights);
      this.kept[2 * k + 1].set(layer.bias);
    });
    this.step = step;
  }

  /** Puts the kept weights back into the network. */
  restore(): void {
    this.network.restore(this.kept);
    this.restored = true;
  }
}
