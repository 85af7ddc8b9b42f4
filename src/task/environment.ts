/**
 * The contract between the closed loop and a world, in the style of Gymnasium: `reset` starts an
 * episode, `step(action)` advances one time step. A simulated line follower and a real robot behind
 * a serial link implement it alike.
 *
 * Arrays in observations are owned by the environment and overwritten by the next call: the loop
 * reads them within the step and never keeps them (this is what keeps the hot path allocation-free).
 */
export interface Observation {
  /** Predictive inputs of this step (e.g. darkness of sensors ahead or camera patches), in [0, 1]. */
  readonly predictors: Float64Array;
  /** Raw reflex sensor readings (grey), for logging. */
  readonly reflex: Float64Array;
  /** The closed-loop error e of this step, computed from the reflex sensors. */
  readonly error: number;
  /** An environmental relevance cue: how sharp the bend ahead is, in [0, 1]. */
  readonly cue: number;
}

/** What the agent sends: the two wheel speeds (cm/s). */
export interface MotorCommand {
  left: number;
  right: number;
}

/** What a step says besides the observation. */
export interface StepInfo {
  /** The robot's pose, when known (the simulator knows it; a real robot may not). */
  x: number;
  y: number;
  theta: number;
  /** Why the episode ended, when it did. */
  reason: '' | 'line-lost' | 'left-arena' | 'link-lost';
}

/** What `Environment.step` returns. */
export interface StepResult {
  observation: Observation;
  /** The closed-loop error after this step (same as observation.error). */
  error: number;
  /** The episode ended (e.g. the line was lost); call `reset` to go on. */
  terminated: boolean;
  /** The episode was cut short from outside (e.g. a time limit). */
  truncated: boolean;
  info: StepInfo;
}

/**
 * What `reset` returns, as Gymnasium's `reset` does: the first observation of the episode and the
 * same kind of information a step gives (the start pose, when known). Like a step's result, it is
 * owned by the environment and overwritten by the next call.
 */
export interface ResetResult {
  observation: Observation;
  info: StepInfo;
}

/** A world the closed loop can run in: the simulated line follower, a robot, or yours. */
export interface Environment {
  /** Number of predictive inputs per step. */
  readonly predictorCount: number;
  /** Control period in seconds. */
  readonly dt: number;
  /** What the world is, for the run's summary (its `track`); without it, the configured track. */
  readonly name?: string;
  /** Starts an episode (the robot at its start pose): the first observation and the start's info. */
  reset(seed?: number): ResetResult;
  /** Applies the motor command for one time step and returns what the sensors see after it. */
  step(action: MotorCommand): StepResult;
  /** Releases resources (links, ports). Optional. */
  close?(): void | Promise<void>;
}

/**
 * A world whose steps take time to come back, such as a robot behind a link: the same contract as
 * `Environment`, each call returning a promise (in the manner of Gymnasium's `step_async` and
 * `step_wait`). `Simulation.advanceAsync` drives it with the same step as a synchronous world.
 */
export interface AsyncEnvironment {
  /** Number of predictive inputs per step. */
  readonly predictorCount: number;
  /** Control period in seconds. */
  readonly dt: number;
  /** What the world is, for the run's summary (its `track`); without it, the configured track. */
  readonly name?: string;
  /** Starts an episode; resolves to what the sensors see and the start's info. */
  resetAsync(seed?: number): Promise<ResetResult>;
  /** Applies the motor command for one time step; resolves to what the sensors see after it. */
  stepAsync(action: MotorCommand): Promise<StepResult>;
  /** Releases resources (links, ports). Optional. */
  close?(): void | Promise<void>;
}

/** Whether a world is asynchronous (has `stepAsync`) rather than synchronous. */
export function isAsyncEnvironment(world: Environment | AsyncEnvironment): world is AsyncEnvironment {
  return typeof (world as AsyncEnvironment).stepAsync === 'function';
}

/** An observation as an environment holds it: filled in place every step. */
export interface ObservationBuffer {
  predictors: Float64Array;
  reflex: Float64Array;
  error: number;
  cue: number;
}

/** The observation, info, step result and reset result that an environment overwrites every step. */
export interface StepBuffers {
  observation: ObservationBuffer;
  info: StepInfo;
  result: StepResult;
  reset: ResetResult;
}

/**
 * Allocates, once, what an environment hands out every step, wired together (the result holds the
 * observation and the info), so that stepping never allocates.
 */
export function createStepBuffers(predictors: number, reflex: number): StepBuffers {
  const observation: ObservationBuffer = {
    predictors: new Float64Array(predictors),
    reflex: new Float64Array(reflex),
    error: 0,
    cue: 0,
  };
  const info: StepInfo = { x: 0, y: 0, theta: 0, reason: '' };
  return {
    observation,
    info,
    result: { observation, error: 0, terminated: false, truncated: false, info },
    reset: { observation, info },
  };
}
