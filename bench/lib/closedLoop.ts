import { parseRunConfig } from '../../src/run/config.js';
import { Simulation } from '../../src/run/simulation.js';

export type InputKind = 'rows' | 'camera';

/**
 * A closed-loop simulation with the default configuration (SaR, default track, default 5-layer net,
 * resonator filter array) and the given predictive inputs, with a step budget of `budget` steps and
 * no early stop at success, so that it runs the full budget. `kernel`: the network's kernel.
 */
export function closedLoopSimulation(
  inputs: InputKind,
  budget: number,
  seed = 1,
  kernel: 'auto' | 'wasm' | 'js' = 'auto',
): Simulation {
  return new Simulation(
    parseRunConfig({ seed, steps: budget, afterSuccess: -1, world: { inputs }, network: { kernel } }),
  );
}
