import type { FilterBank } from '../filters/filterBank.js';
import type { LearningRule } from '../learning/rule.js';
import type { Network } from '../net/network.js';
import type { MotorCommand, Observation } from './environment.js';

export interface MotorConfig {
  /** Forward speed v0 of both wheels, cm/s. */
  speed: number;
  /** k_reflex: motor command per unit of error. */
  reflexGain: number;
  /** k_net: motor command per unit of weighted network output. */
  netGain: number;
  /** c_j: weight of each output neuron in the motor command (default 1 for each). */
  outputWeights?: number[];
}

/**
 * The learner in the loop: a fixed reflex, a filter array, a deep network and its learning rule.
 * `act` does steps 2 to 4 of the closed loop: learn from the error using the previous forward pass,
 * filter and forward the new predictive inputs, and mix reflex and network into a motor command.
 * With no network (`reflex` mode) it is the reflex alone.
 */
export class Agent {
  /** The last reflex and network contributions to the motor command (for logging). */
  reflexCommand = 0;
  networkCommand = 0;
  /** Whether the last call learned (the first call has no earlier forward pass to learn from). */
  learned = false;
  private readonly command: MotorCommand = { left: 0, right: 0 };
  private readonly outputWeights: Float64Array;
  private readonly errors: Float64Array;
  private readonly learnOptions = { cue: 0, step: 0 };
  private hasForward = false;

  constructor(
    readonly motor: MotorConfig,
    readonly network: Network | null = null,
    readonly filters: FilterBank | null = null,
    public rule: LearningRule | null = null,
  ) {
    const outputs = network?.outputs ?? 0;
    const weights = motor.outputWeights ?? new Array(outputs).fill(1);
    if (network && weights.length !== outputs) {
      throw new Error(`outputWeights has ${weights.length} values for ${outputs} outputs`);
    }
    if (network && filters && filters.output.length !== network.inputs) {
      throw new Error(
        `the filter array gives ${filters.output.length} inputs, the network takes ${network.inputs}`,
      );
    }
    this.outputWeights = Float64Array.from(weights);
    this.errors = new Float64Array(outputs);
  }

  /** One closed-loop step from what the sensors see now; returns the wheel speeds. */
  act(observation: Observation, step: number): MotorCommand {
    const e = observation.error;
    const net = this.network;
    this.networkCommand = 0;
    this.learned = false;
    if (net) {
      // 2. Learn: this error follows the inputs of the previous forward pass.
      if (this.rule && this.hasForward) {
        // An output whose weight c_j is negative should move the other way.
        const c = this.outputWeights;
        for (let j = 0; j < c.length; j++) this.errors[j] = c[j] >= 0 ? e : -e;
        this.learnOptions.cue = observation.cue;
        this.learnOptions.step = step;
        this.rule.learn(net, this.errors, this.learnOptions);
        this.learned = true;
      }
      // 3. Predictive inputs through the filter array, then forward.
      const input = net.input;
      if (this.filters) {
        this.filters.filter(observation.predictors);
        input.set(this.filters.output);
      } else {
        input.set(observation.predictors);
      }
      const y = net.forwardInputBuffer();
      this.hasForward = true;
      let sum = 0;
      for (let j = 0; j < y.length; j++) sum += this.outputWeights[j] * y[j];
      this.networkCommand = this.motor.netGain * sum;
    }
    // 4. Motor command: reflex plus network, differential steering.
    this.reflexCommand = this.motor.reflexGain * e;
    const u = this.reflexCommand + this.networkCommand;
    this.command.left = this.motor.speed + u;
    this.command.right = this.motor.speed - u;
    return this.command;
  }

  /** Forgets the filter state and the last forward pass (e.g. after the robot was put back). */
  resetState(): void {
    this.filters?.reset();
    this.hasForward = false;
  }
}
