import type { FilterBank } from '../filters/filterBank.js';
import type { LearningRule, LearnOptions } from '../learning/rule.js';
import type { Network } from '../net/network.js';
import { ValidationError } from '../util/errors.js';

/**
 * The closed-loop learner on its own, for your own loop (a robot, another simulator): a filter
 * array, a network and a learning rule. Each `doStep(inputs, error)` first learns from the error
 * with the previous forward pass (the network learns which earlier inputs preceded this error),
 * then filters and forwards the new inputs and returns the outputs. Save and load the weights with
 * `learner.network.toJSON()` and `Network.fromJSON()`.
 */
export class ClosedLoopLearner {
  /** Whether the last step learned (the first step, and the first after `reset`, cannot). */
  learned = false;
  private readonly errors: Float64Array;
  private hasForward = false;

  constructor(
    readonly network: Network,
    readonly filters: FilterBank | null = null,
    public rule: LearningRule | null = null,
  ) {
    const inputs = filters ? filters.predictors : network.inputs;
    if (filters && filters.output.length !== network.inputs) {
      throw new ValidationError(
        'filters',
        `${filters.output.length} filtered inputs`,
        `${network.inputs}, the network's inputs`,
      );
    }
    this.inputCount = inputs;
    this.errors = new Float64Array(network.outputs);
  }

  /** How many raw inputs `doStep` takes (the predictors, before the filter array). */
  readonly inputCount: number;

  /**
   * One step: learn from `error` (one number for every output, or one per output), then filter and
   * forward `inputs`. Returns the outputs (a view that the next step overwrites). Throws a
   * ValidationError, changing nothing, on inputs of the wrong length or with non-finite values.
   */
  doStep(inputs: ArrayLike<number>, error: number | ArrayLike<number>, options?: LearnOptions): Float64Array {
    if (inputs === null || typeof inputs !== 'object' || inputs.length !== this.inputCount) {
      throw new ValidationError('inputs', inputs, `${this.inputCount} numbers`);
    }
    for (let i = 0; i < this.inputCount; i++) {
      if (!Number.isFinite(inputs[i]))
        throw new ValidationError(`inputs[${i}]`, inputs[i], 'a finite number');
    }
    if (typeof error === 'number') this.errors.fill(error);
    else if (error && error.length === this.errors.length) this.errors.set(error);
    else
      throw new ValidationError('error', error, `a number or ${this.errors.length} numbers (one per output)`);
    // The inputs are the step's raw predictors: relevance sources that read them (authors-cue) see them.
    const withPredictors = options?.predictors === undefined ? { ...options, predictors: inputs } : options;
    return this.stepTrusted(inputs, this.errors, withPredictors);
  }

  /**
   * `doStep` without the checks, for the simulation's hot path: `errors` holds one error per output
   * (it is not kept), `options` is passed to the rule.
   */
  stepTrusted(inputs: ArrayLike<number>, errors: Float64Array, options?: LearnOptions): Float64Array {
    const net = this.network;
    this.learned = false;
    if (this.rule && this.hasForward) {
      this.rule.learn(net, errors, options);
      this.learned = true;
    }
    if (this.filters) {
      this.filters.filter(inputs);
      net.input.set(this.filters.output);
    } else {
      net.input.set(inputs);
    }
    const y = net.forwardInputBuffer();
    this.hasForward = true;
    return y;
  }

  /** Forgets the filter state and the last forward pass (e.g. after the robot was put back). */
  reset(): void {
    this.filters?.reset();
    this.hasForward = false;
    this.learned = false;
  }
}
