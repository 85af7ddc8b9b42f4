import type { FilterBank } from '../filters/filterBank.js';
import type { LearningRule } from '../learning/rule.js';
import type { Network } from '../net/network.js';
import type { MotorCommand, Observation } from '../task/environment.js';
import { ClosedLoopLearner } from './learner.js';

/** How the agent mixes the reflex and the network into wheel speeds. */
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
  /** Steps 2 and 3 (learn, filter, forward); null in reflex mode. */
  readonly learner: ClosedLoopLearner | null;
  private readonly command: MotorCommand = { left: 0, right: 0 };
  private readonly outputWeights: Float64Array;
  private readonly errors: Float64Array;
  private readonly learnOptions: { cue: number; step: number; predictors: ArrayLike<number> | undefined } = {
    cue: 0,
    step: 0,
    predictors: undefined,
  };

  constructor(
    readonly motor: MotorConfig,
    readonly network: Network | null = null,
    readonly filters: FilterBank | null = null,
    rule: LearningRule | null = null,
  ) {
    const outputs = network?.outputs ?? 0;
    const weights = motor.outputWeights ?? new Array(outputs).fill(1);
    if (network && weights.length !== outputs) {
      throw new Error(`outputWeights has ${weights.length} values for ${outputs} outputs`);
    }
    this.learner = network ? new ClosedLoopLearner(network, filters, rule) : null;
    this.outputWeights = Float64Array.from(weights);
    this.errors = new Float64Array(outputs);
  }

  /** The learning rule (it can be changed at any step); null in reflex mode or when frozen. */
  get rule(): LearningRule | null {
    return this.learner?.rule ?? null;
  }

  set rule(rule: LearningRule | null) {
    if (this.learner) this.learner.rule = rule;
  }

  /** Whether the last call learned (the first call has no earlier forward pass to learn from). */
  get learned(): boolean {
    return this.learner?.learned ?? false;
  }

  /** One closed-loop step from what the sensors see now; returns the wheel speeds. */
  act(observation: Observation, step: number): MotorCommand {
    const e = observation.error;
    const learner = this.learner;
    this.networkCommand = 0;
    if (learner) {
      // An output whose weight c_j is negative should move the other way.
      const c = this.outputWeights;
      for (let j = 0; j < c.length; j++) this.errors[j] = c[j] >= 0 ? e : -e;
      this.learnOptions.cue = observation.cue;
      this.learnOptions.step = step;
      this.learnOptions.predictors = observation.predictors;
      // 2. Learn from this error with the previous forward pass; 3. filter and forward the new inputs.
      const y = learner.stepTrusted(observation.predictors, this.errors, this.learnOptions);
      let sum = 0;
      for (let j = 0; j < y.length; j++) sum += c[j] * y[j];
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
    this.learner?.reset();
  }
}
