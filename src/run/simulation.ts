// Over 400 lines because a run's step is one state machine: begun and ended (with the world between),
// the learning and the frozen-evaluation phases, divergence with the last good weights, the summary.

import { RunMetrics } from '../loop/metrics.js';
import type { Network } from '../net/network.js';
import {
  type AsyncEnvironment,
  createStepBuffers,
  type Environment,
  isAsyncEnvironment,
  type MotorCommand,
  type Observation,
  type StepInfo,
  type StepResult,
} from '../task/environment.js';
import type { Track } from '../world/track.js';
import { lapSteps, reflexMeanAbsError } from './baseline.js';
import type { RunConfig } from './config.js';
import { KEEP_EVERY, LastGoodWeights } from './lastGood.js';
import { CurveRecorder } from './learningCurve.js';
import { buildRun, type RunParts } from './setup.js';
import { LOG_COLUMN, StepLog } from './stepLog.js';
import {
  type Divergence,
  divergenceAt,
  evaluationOf,
  type RunSummary,
  stopReasonOf,
  withLastingSuccess,
} from './summary.js';

export { LOG_COLUMN, LOG_COLUMNS, MAX_LOG_ROWS, StepLog } from './stepLog.js';
export type { Divergence, Evaluation, LearningCurve, RunSummary } from './summary.js';

/**
 * One closed-loop run, step by step (docs/closed-loop.md, "One time step"): 1. read e(t); 2. learn from it with the previous forward pass;
 * 3. filter and forward the predictive inputs; 4. motor command; 5. advance the world. Steps 1–4 are
 * `beginStep` (command out), step 5's outcome `endStep` (result in): `advance` drives a synchronous
 * world, `advanceAsync` an asynchronous one (a robot); the CLI, the sweep and the browser drive this.
 * On a divergence the run stops and puts the last good weights back into the network (`lastGood`).
 * @example
 * const simulation = new Simulation(parseRunConfig({ rule: 'sar', seed: 2 }));
 * while (!simulation.done) simulation.advanceMany(1000);
 * simulation.summary().stepsToSuccess; // 239
 */
export class Simulation {
  readonly parts: RunParts;
  readonly metrics: RunMetrics;
  readonly log: StepLog;
  /** The learning curve: a point every ⌈steps / 160⌉ steps of the learning phase (`summary().curve`). */
  readonly curve: CurveRecorder;
  readonly initialWeights: Float64Array[] | null;
  lostLine = 0;
  /** Why and where the run diverged (set by the run; it then stops and keeps the last good weights). */
  divergence: Divergence | null = null;
  /** The network's last good weights (null without a network): put back on a divergence. */
  readonly lastGood: LastGoodWeights | null;
  /** Each layer's distance from the start when the run diverged (the summary's, not the restored one's). */
  private divergedDistances: number[] | null = null;
  /** The reflex-alone baseline of this run (docs/closed-loop.md, "Success and the frozen evaluation"). */
  readonly reflexMeanAbsError: number | null;
  readonly lapSteps: number;
  /** 'learning', then 'evaluation' (frozen weights, from the start pose), then 'done'. */
  phase: 'learning' | 'evaluation' | 'done' = 'learning';
  /** Steps of the frozen evaluation so far, and their |e| sum and line losses. */
  private evaluationSteps = 0;
  private evaluationSum = 0;
  private evaluationLost = 0;
  private evaluationLength: number;
  /** Called with every log row (every `logEvery` steps), before any thinning: to stream the full log. */
  logSink: ((row: Float64Array) => void) | null = null;
  private readonly logScratch: Float64Array;
  private observation: Observation;
  private readonly distances: Float64Array;
  private wallElapsed = 0;
  private interrupted = false;
  /** The phase of the step begun last (endStep finishes it). */
  private stepPhase: 'learning' | 'evaluation' | 'done' = 'learning';
  /** An asynchronous world not yet reset: the first step waits for its observation. */
  private awaitingObservation: boolean;
  /** The pose and status the world reported last. */
  private info: StepInfo;

  constructor(
    readonly config: RunConfig,
    track?: Track,
    network?: Network,
    world?: Environment | AsyncEnvironment,
  ) {
    this.parts = buildRun(config, track, network, world);
    this.lapSteps = lapSteps(config, this.parts.track);
    this.reflexMeanAbsError =
      config.success.baseline ?? (this.parts.simulator ? reflexMeanAbsError(config, this.parts.track) : null);
    this.metrics = new RunMetrics(
      config.success,
      this.reflexMeanAbsError,
      Math.max(config.success.window, this.lapSteps),
      2000,
      config.success.authors === true,
    );
    this.evaluationLength = this.parts.network ? config.evaluation.laps * this.lapSteps : 0;
    const layers = this.parts.network?.layers.length ?? 0;
    this.log = new StepLog(layers, Math.ceil(config.steps / config.logEvery) + 2);
    this.logScratch = new Float64Array(this.log.columns.length);
    this.initialWeights = this.parts.network?.snapshot() ?? null;
    this.curve = new CurveRecorder(config.steps, this.parts.network, this.initialWeights);
    const net = this.parts.network;
    this.lastGood = net && this.initialWeights ? new LastGoodWeights(net, this.initialWeights) : null;
    this.distances = new Float64Array(layers);
    const environment = this.parts.environment;
    // An asynchronous world is reset by whoever drives it (advanceAsync does), then observe()d.
    this.awaitingObservation = isAsyncEnvironment(environment);
    this.observation = isAsyncEnvironment(environment)
      ? createStepBuffers(0, 0).observation
      : environment.reset(config.seed).observation;
    const start = this.parts.track.start;
    this.info = { x: start.x, y: start.y, theta: start.theta, reason: '' };
  }

  /** The robot's pose as the world last reported it. */
  get pose(): Readonly<StepInfo> {
    return this.info;
  }

  /** Steps run so far, learning and evaluation together. */
  get step(): number {
    return this.metrics.steps + this.evaluationSteps;
  }

  /** Steps this run will take at most (the budget and the frozen evaluation). */
  get totalSteps(): number {
    return this.config.steps + this.evaluationLength;
  }

  /**
   * True when the run has ended: the learning phase (budget spent, or success plus the
   * after-success steps) and then the frozen evaluation, or a divergence or interrupt.
   */
  get done(): boolean {
    return this.divergence !== null || this.interrupted || this.phase === 'done';
  }

  /** Asks the run to stop after the current step (e.g. on Ctrl-C). */
  interrupt(): void {
    this.interrupted = true;
  }

  /** The synchronous world, or an error saying how to drive an asynchronous one. */
  private syncWorld(): Environment {
    const world = this.parts.environment;
    if (!isAsyncEnvironment(world)) return world;
    throw new Error('an asynchronous world: drive it with advanceAsync() or beginStep()/endStep()');
  }

  /** Advances one closed-loop step (a synchronous world). */
  advance(): void {
    const world = this.syncWorld();
    const started = performance.now();
    this.stepWith(world);
    this.wallElapsed += performance.now() - started;
  }

  /** Runs up to `n` steps (or until done) in a synchronous world; returns the number run. */
  advanceMany(n: number): number {
    const world = this.syncWorld();
    const started = performance.now();
    let k = 0;
    while (k < n && !this.done) {
      this.stepWith(world);
      k++;
    }
    this.wallElapsed += performance.now() - started;
    return k;
  }

  /** Runs to the end in a synchronous world, calling `onProgress` every `every` steps. */
  runToEnd(onProgress?: (sim: Simulation) => void, every = 1000): RunSummary {
    while (!this.done) {
      this.advanceMany(every);
      onProgress?.(this);
    }
    return this.summary();
  }

  /**
   * Advances one closed-loop step in an asynchronous world (e.g. a robot behind a link): the same
   * step as `advance`, awaiting the world. The first call resets the world with the run's seed.
   */
  async advanceAsync(): Promise<void> {
    const world = this.parts.environment;
    if (!isAsyncEnvironment(world)) return this.advance();
    if (this.awaitingObservation) this.observe((await world.resetAsync(this.config.seed)).observation);
    const started = performance.now();
    const command = this.beginStep();
    if (!command) return;
    const result = await world.stepAsync(command);
    for (let n = this.endStep(result); n > 0; n--) this.observe((await world.resetAsync()).observation);
    this.wallElapsed += performance.now() - started;
  }

  /** One step in a synchronous world: the begin/end split with the world in between. */
  private stepWith(world: Environment): void {
    const command = this.beginStep();
    if (!command) return;
    const result = world.step(command);
    for (let resets = this.endStep(result); resets > 0; resets--) this.observe(world.reset().observation);
  }

  /** Steps of the frozen evaluation driven so far, and how many it takes in all. */
  get evaluationProgress(): { steps: number; of: number } {
    return { steps: this.evaluationSteps, of: this.evaluationLength };
  }

  /** Line losses so far (and returns to the start), learning and evaluation together. */
  get lostLineTotal(): number {
    return this.lostLine + this.evaluationLost;
  }

  /**
   * Ends learning now and starts the frozen evaluation: `laps` laps with the weights fixed, from the
   * start pose (the live lab's "freeze and evaluate"). The summary then reports it as `evaluation`.
   * Does nothing once the evaluation has begun or the run has ended.
   */
  evaluateNow(laps = 1): void {
    if (this.phase !== 'learning' || this.divergence || this.interrupted) return;
    if (!Number.isInteger(laps) || laps < 1)
      throw new RangeError(`laps must be an integer >= 1, got ${laps}`);
    this.evaluationLength = laps * this.lapSteps;
    // Only the built-in simulator is put back at the start, and it is synchronous.
    if (this.startEvaluation()) this.observe(this.syncWorld().reset().observation);
  }

  /**
   * Freezes the weights. A simulated robot is put back at the start for the evaluation laps (a real
   * one drives on from where it is): returns whether the world must be reset for that.
   */
  private startEvaluation(): boolean {
    if (this.evaluationLength === 0) {
      this.phase = 'done';
      return false;
    }
    this.phase = 'evaluation';
    this.parts.agent.rule = null;
    this.lastGood?.keep(this.metrics.steps);
    if (!this.parts.simulator) return false;
    this.parts.agent.resetState();
    return true;
  }

  /**
   * The first half of a step, with no I/O: 1. read e(t) from the last observation; 2. learn from it
   * with the previous forward pass; 3. filter and forward the predictive inputs; 4. the motor command,
   * returned for the world to apply (the agent's own object, overwritten by the next step). Returns
   * null when the run is over, or has just stopped (a divergence found in this step). Then apply the
   * command and pass what the world returned to `endStep`.
   */
  beginStep(): MotorCommand | null {
    if (this.awaitingObservation)
      throw new Error("no observation yet: pass the reset world's observation to observe() first");
    if (this.done) return null;
    this.stepPhase = this.phase;
    return this.phase === 'evaluation' ? this.beginEvaluationStep() : this.beginLearningStep();
  }

  /**
   * The second half of a step (5.): what the world returned for the command. Returns how many times
   * the world must now be reset, with each reset's observation passed to `observe`: 1 when the
   * robot lost the line (or left the arena; the agent forgets its filter state), one more when the
   * frozen evaluation starts with a simulated robot put back at the start, else 0.
   */
  endStep(result: StepResult): number {
    this.info = result.info;
    this.observation = result.observation;
    let resets = 0;
    if (this.stepPhase === 'evaluation') {
      if (result.terminated) {
        this.parts.agent.resetState();
        this.evaluationLost++;
        resets++;
      }
      if (this.evaluationSteps >= this.evaluationLength) this.phase = 'done';
      return resets;
    }
    if (result.terminated) {
      this.parts.agent.resetState();
      resets++;
      // A lost link is not a lost line: nothing is counted, the agent only starts afresh.
      if (result.info.reason !== 'link-lost') {
        this.lostLine++;
        this.metrics.lineLost();
      }
    }
    // The learning phase ends here, when it does, so that `done` and the next step see the new phase.
    if (this.learningDone() && this.startEvaluation()) resets++;
    return resets;
  }

  /** The observation of a world just reset (the run's start, or after `endStep` asked for a reset). */
  observe(observation: Observation): void {
    this.observation = observation;
    this.awaitingObservation = false;
  }

  private beginLearningStep(): MotorCommand | null {
    const { agent, network } = this.parts;
    const t = this.metrics.steps;
    if (t > 0 && t % KEEP_EVERY === 0) this.lastGood?.keep(t);
    // 1. The closed-loop error of this step.
    const observation = this.observation;
    const e = observation.error;
    if (!Number.isFinite(e)) return this.diverge({ step: t, layer: 0, what: 'error' });
    this.metrics.recordFrom(observation);
    // 2.–4. Learn, forward, motor command.
    const command = agent.act(observation, t);
    const divergence = divergenceAt(network, command, t);
    if (divergence) return this.diverge(divergence);
    if (t % this.config.logEvery === 0) this.logRow(t);
    if (this.curve.due(t)) this.curve.record(t, this.metrics.ema, this.lostLine);
    return command;
  }

  /** A step of the frozen evaluation: act without learning, measure |e| (line losses in endStep). */
  private beginEvaluationStep(): MotorCommand | null {
    const observation = this.observation;
    const t = this.config.steps + this.evaluationSteps;
    if (!Number.isFinite(observation.error)) return this.diverge({ step: t, layer: 0, what: 'error' });
    this.evaluationSum += Math.abs(observation.error);
    const command = this.parts.agent.act(observation, t);
    this.evaluationSteps++;
    return command;
  }

  /** One log row for step t (the error read from the observation: docs/performance.md, "The hot path"). */
  private logRow(t: number): void {
    const { agent, network, rule } = this.parts;
    const row = this.logScratch;
    const pose = this.info;
    row[LOG_COLUMN.step] = t;
    row[LOG_COLUMN.error] = this.observation.error;
    row[LOG_COLUMN.errorEma] = this.metrics.ema;
    row[LOG_COLUMN.reflexCommand] = agent.reflexCommand;
    row[LOG_COLUMN.networkCommand] = agent.networkCommand;
    row[LOG_COLUMN.x] = pose.x;
    row[LOG_COLUMN.y] = pose.y;
    row[LOG_COLUMN.theta] = pose.theta;
    row[LOG_COLUMN.relevance] = rule && agent.learned ? rule.lastRelevance : 0;
    row[LOG_COLUMN.lostLine] = this.lostLine;
    if (network && this.initialWeights) {
      network.weightDistances(this.initialWeights, this.distances);
      for (let l = 0; l < this.distances.length; l++) {
        row[LOG_COLUMN.weightDistance + l] = this.distances[l];
        // Finite weights so far from their start that the distance overflows: diverged too.
        if (!Number.isFinite(this.distances[l]) && !this.divergence)
          this.diverge({ step: t, layer: l + 1, what: 'weight distance' });
      }
    }
    this.log.push(row);
    this.logSink?.(row);
  }

  /** The run's summary so far (complete once `done`). */
  summary(): RunSummary {
    const network = this.parts.network;
    const weightDistance =
      this.divergedDistances ??
      (network && this.initialWeights ? Array.from(network.weightDistances(this.initialWeights)) : []);
    const overflow = weightDistance.findIndex((d) => !Number.isFinite(d));
    if (overflow >= 0 && !this.divergence)
      this.diverge({ step: this.metrics.steps, layer: overflow + 1, what: 'weight distance' });
    const { steps, stepsToSuccess, authors } = this.metrics;
    const stopped = this.interrupted && this.phase !== 'done';
    const stopReason = stopReasonOf(!!this.divergence, stopped, stepsToSuccess, steps, this.config.steps);
    const baseline = this.reflexMeanAbsError;
    const meanAbsErrorLast = this.metrics.meanAbsErrorLast();
    const relative = (value: number) => (baseline === null ? null : value / baseline);
    return withLastingSuccess({
      success: this.metrics.success,
      stepsToSuccess: this.metrics.stepsToSuccess,
      reflexMeanAbsError: baseline,
      ...this.metrics.streakSummary(),
      lapSteps: this.lapSteps,
      meanAbsErrorFirst: this.metrics.meanAbsErrorFirst(),
      meanAbsErrorLast,
      relativeError: relative(meanAbsErrorLast),
      evaluation:
        this.phase === 'done'
          ? evaluationOf(this.evaluationSteps, this.evaluationSum, this.evaluationLost, baseline)
          : null,
      lostLine: this.lostLine,
      steps: this.metrics.steps,
      seed: this.config.seed,
      rule: this.config.rule,
      track: this.parts.simulator ? this.config.track : (this.parts.environment.name ?? this.config.track),
      finalErrorEma: this.metrics.ema,
      weightDistance,
      diverged: this.divergence !== null,
      divergence: this.divergence,
      stopReason,
      ...(authors ? { authors: { success: authors.success, stepsToSuccess: authors.stepsToSuccess } } : {}),
      wallSeconds: this.wallElapsed / 1000,
      config: this.config,
      curve: this.curve.curve(baseline),
    });
  }

  /**
   * Stops the run on a divergence: notes each layer's distance from the start (what the summary
   * reports) and puts the last good weights back into the network. Returns null (no command).
   */
  private diverge(divergence: Divergence): null {
    this.divergence = divergence;
    const network = this.parts.network;
    if (network && this.initialWeights && this.lastGood) {
      this.divergedDistances = Array.from(network.weightDistances(this.initialWeights));
      this.lastGood.restore();
    }
    return null;
  }

  /** The learning phase has ended: budget spent, or success plus the after-success steps. */
  private learningDone(): boolean {
    if (this.metrics.steps >= this.config.steps) return true;
    const s = this.metrics.successConfirmedAt;
    return s !== null && this.config.afterSuccess >= 0 && this.metrics.steps >= s + this.config.afterSuccess;
  }
}
