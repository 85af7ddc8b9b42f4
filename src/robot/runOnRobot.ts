import {
  createStepBuffers,
  type Environment,
  type MotorCommand,
  type Observation,
  type ObservationBuffer,
  type StepInfo,
  type StepResult,
} from '../loop/environment.js';
import type { Network } from '../net/network.js';
import { reflexMeanAbsError } from '../run/baseline.js';
import type { RunConfig } from '../run/config.js';
import { type RunSummary, Simulation } from '../run/simulation.js';
import type { Track } from '../world/track.js';
import { builtinTrack } from '../world/track.js';
import {
  InterruptedError,
  LinkLostError,
  type LinkStats,
  type RobotEnvironment,
} from './robotEnvironment.js';

/** Why a robot run ended. */
export type RobotStopCause = 'success' | 'budget' | 'diverged' | 'interrupted' | 'link-lost';

/** A run's summary with what the link did. */
export interface RobotRunSummary extends RunSummary {
  robot: LinkStats & {
    stopCause: RobotStopCause;
    /** Steps after which the robot reported the line lost (or left the arena) and was reset. */
    episodes: number;
    /** Message of the link failure that ended the run, if one did. */
    failure: string | null;
    /** Whether a STOP could be sent when that failure happened (null: no failure, or not known). */
    failureStopSent: boolean | null;
  };
}

/**
 * The synchronous face of an asynchronous world: `Simulation` calls `step(command)`, which only
 * records the command; the driver then awaits the robot and loads what it saw into this object's
 * observation (which the Simulation keeps) before the next step. So the closed loop, metrics and logs
 * are exactly those of the simulator's runs.
 */
class AwaitedWorld implements Environment {
  readonly predictorCount: number;
  readonly dt: number;
  readonly observation: ObservationBuffer;
  readonly info: StepInfo;
  private readonly result: StepResult;
  private readonly command: MotorCommand = { left: 0, right: 0 };
  private hasCommand = false;

  constructor(robot: RobotEnvironment) {
    this.predictorCount = robot.predictorCount;
    this.dt = robot.dt;
    ({
      observation: this.observation,
      info: this.info,
      result: this.result,
    } = createStepBuffers(robot.predictorCount, robot.reflexCount));
  }

  reset(): Observation {
    return this.observation;
  }

  step(action: MotorCommand): StepResult {
    this.command.left = action.left;
    this.command.right = action.right;
    this.hasCommand = true;
    return this.result;
  }

  /** The command of the step the Simulation just took, if it took one. */
  take(): MotorCommand | null {
    if (!this.hasCommand) return null;
    this.hasCommand = false;
    return this.command;
  }

  load(observation: Observation, info: StepInfo): void {
    const o = this.observation;
    o.predictors.set(observation.predictors);
    o.reflex.set(observation.reflex);
    o.error = observation.error;
    o.cue = observation.cue;
    this.result.error = observation.error;
    this.info.x = info.x;
    this.info.y = info.y;
    this.info.theta = info.theta;
  }
}

/**
 * One closed-loop run on a robot: the same five steps, agent, metrics and log as `Simulation`,
 * with the world behind an asynchronous link. When the link goes down and comes back
 * (onLinkLost: reconnect) the agent forgets its filter state and last forward pass, so nothing is
 * learned across the gap; while it is down nothing is learned at all.
 */
export class RobotRun {
  readonly simulation: Simulation;
  stopCause: RobotStopCause = 'budget';
  failure: string | null = null;
  failureStopSent: boolean | null = null;
  episodes = 0;
  private readonly world: AwaitedWorld;
  private readonly started = performance.now();
  private interrupted = false;

  private constructor(
    readonly robot: RobotEnvironment,
    config: RunConfig,
    track: Track | undefined,
    network: Network | undefined,
    first: Observation,
  ) {
    this.world = new AwaitedWorld(robot);
    this.world.load(first, robot.sensorsInfo());
    this.simulation = new Simulation(config, track, network, this.world);
  }

  /** Resets the robot and builds the run (network, filters, rule) for its predictor count. */
  static async start(
    robot: RobotEnvironment,
    config: RunConfig,
    track?: Track,
    network?: Network,
  ): Promise<RobotRun> {
    const first = await robot.resetAsync(config.seed);
    return new RobotRun(robot, config, track, network, first);
  }

  /** Ctrl-C: stop the motors at once and end after the current step. */
  interrupt(): void {
    this.interrupted = true;
    this.simulation.interrupt();
    this.robot.interrupt();
  }

  /** Runs to the end; `onProgress` is called every `every` steps. Always stops the motors at the end. */
  async run(onProgress?: (run: RobotRun) => void, every = 500): Promise<RobotRunSummary> {
    const sim = this.simulation;
    const world = this.world;
    try {
      while (!sim.done) {
        sim.advance();
        const command = world.take();
        if (!command) continue;
        const result = await this.robot.stepAsync(command);
        if (result.terminated) {
          if (result.info.reason !== 'link-lost') {
            sim.lostLine++;
            this.episodes++;
          }
          world.load(result.observation, result.info);
          sim.parts.agent.resetState();
          const observation = await this.robot.resetAsync();
          world.load(observation, this.robot.sensorsInfo());
        } else {
          world.load(result.observation, result.info);
        }
        if (onProgress && sim.step % every === 0) onProgress(this);
      }
    } catch (error) {
      if (error instanceof LinkLostError) {
        this.stopCause = 'link-lost';
        this.failure = error.message;
        this.failureStopSent = error.stopSent;
        sim.interrupt();
      } else if (error instanceof InterruptedError) {
        this.interrupted = true;
        sim.interrupt();
      } else {
        await this.robot.close('error');
        throw error;
      }
    }
    await this.robot.close(this.interrupted ? 'interrupted' : 'endOfRun');
    return this.summary();
  }

  /** The summary of the run so far. */
  summary(): RobotRunSummary {
    const base = this.simulation.summary();
    if (this.stopCause !== 'link-lost') {
      this.stopCause = this.interrupted
        ? 'interrupted'
        : base.stopReason === 'interrupted'
          ? 'interrupted'
          : base.stopReason;
    }
    return {
      ...base,
      wallSeconds: (performance.now() - this.started) / 1000,
      robot: {
        ...this.robot.stats,
        stopCause: this.stopCause,
        episodes: this.episodes,
        failure: this.failure,
        failureStopSent: this.failureStopSent,
      },
    };
  }
}

/**
 * A robot run judges success against `success.baseline`; without one it reports no success. This
 * fills it in with the reflex alone in the simulated world on the same track: exact for the
 * emulator, only a stand-in for a real robot, which should measure its own (`--rule reflex` on the
 * robot) and pass it. Call it before connecting: it computes for a while, and a connected link
 * must not go silent.
 */
export function withSimulatedBaseline(config: RunConfig, track?: Track): RunConfig {
  if (config.success.baseline !== undefined) return config;
  if (!track && /\.png$/i.test(config.track)) return config;
  const resolved = track ?? builtinTrack(config.track, { lineWidth: config.world.lineWidth });
  return { ...config, success: { ...config.success, baseline: reflexMeanAbsError(config, resolved) } };
}
