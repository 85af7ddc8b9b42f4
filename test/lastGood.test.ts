import { describe, expect, it } from 'vitest';
import { Network } from '../src/net/network.js';
import { parseRunConfig } from '../src/run/config.js';
import { KEEP_EVERY, LastGoodWeights } from '../src/run/lastGood.js';
import { Simulation } from '../src/run/simulation.js';

describe('the last good weights, kept by the run itself', () => {
  it('keeps finite weights only, and puts the kept ones back', () => {
    const network = new Network({ inputs: 3, layers: [4, 2], activation: 'tanh', seed: 5 });
    const initial = network.snapshot();
    const lastGood = new LastGoodWeights(network, initial);
    network.layers[0].weights[1] += 0.5;
    lastGood.keep(2000);
    const good = network.snapshot();
    network.layers[1].weights[0] = Number.NaN;
    lastGood.keep(4000); // not kept: a weight is NaN
    network.layers[1].weights[0] = 1.7e308;
    network.layers[1].weights[1] = 1.7e308;
    lastGood.keep(6000); // not kept: finite, but the distance from the start overflows
    expect(lastGood.step).toBe(2000);
    lastGood.restore();
    expect(lastGood.restored).toBe(true);
    expect(network.snapshot()).toEqual(good);
  });

  it('a diverging run stops with its divergence reported and the last good weights back in the network', () => {
    const config = parseRunConfig({ learningRate: 1e200, network: { activation: 'linear' }, steps: 5000 });
    const simulation = new Simulation(config);
    const network = simulation.parts.network!;
    const summary = simulation.runToEnd();
    expect(summary.diverged).toBe(true);
    expect(simulation.lastGood?.restored).toBe(true);
    // The summary reports the diverged network (what it measured), the network holds the kept one.
    const now = Array.from(network.weightDistances(simulation.initialWeights!));
    expect(now.every(Number.isFinite)).toBe(true);
    expect(summary.weightDistance).not.toEqual(now);
    expect(network.findNonFinite()).toBeNull();
    expect(simulation.lastGood!.step % KEEP_EVERY).toBe(0);
    expect(simulation.lastGood!.step).toBeLessThanOrEqual(summary.divergence!.step);
    // Asked again, the summary is the same (it does not re-measure the restored weights).
    expect(simulation.summary().weightDistance).toEqual(summary.weightDistance);
  });

  it('a run that does not diverge keeps its final weights', () => {
    const simulation = new Simulation(parseRunConfig({ seed: 2, steps: 4500, evaluation: { laps: 0 } }));
    simulation.runToEnd();
    expect(simulation.lastGood?.restored).toBe(false);
    expect(simulation.lastGood?.step).toBe(4000);
  });
});
