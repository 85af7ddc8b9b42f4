import type { Network } from '../net/network.js';
import { reflexMeanAbsError } from '../run/baseline.js';
import type { RunConfig } from '../run/config.js';
import { type RunSummary, Simulation } from '../run/simulation.js';
import type { Observation } from '../task/environment.js';
import type { Track } from '../world/track.js';
import { builtinTrack } from '../world/track.js';
import { InterruptedError, LinkLostError } from './errors.js';
import type { LinkStats } from './linkOptions.js';
import type { RobotEnvironment } from './robotEnvironment.js';

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
 * One closed-loop run on a robot: the same steps, agent, metrics and log as any `Simulation`, with
 * the world behind an asynchronous link (`Simulation.advanceAsync`). When the link goes down and
 * comes back (onLinkLost: reconnect) the step ends the episode (reason `link-lost`): the agent
 * forgets its filter state and last forward pass, so nothing is learned across the gap; while it is
 * down nothing is learned at all.
 */
export class RobotRun {
  readonly simulation: Simulation;
  stopCause: RobotStopCause = 'budget';
  failure: string | null = null;
  failureStopSent: boolean | null = null;
  private readonly started = performance.now();
  private interrupted = false;

  private constructor(
    readonly robot: RobotEnvironment,
    config: RunConfig,
    track: Track | undefined,
    network: Network | undefined,
    first: Observation,
  ) {
    this.simulation = new Simulation(config, track, network, robot);
    this.simulation.observe(first);
  }

  /** Resets the robot and builds the run (network, filters, rule) for its predictor count. */
  static async start(
    robot: RobotEnvironment,
    config: RunConfig,
    track?: Track,
    network?: Network,
  ): Promise<RobotRun> {
    const { observation: first } = await robot.resetAsync(config.seed);
    return new RobotRun(robot, config, track, network, first);
  }

  /** Episodes the robot ended by losing the line (or leaving the arena), after which it was reset. */
  get episodes(): number {
    return this.simulation.lostLineTotal;
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
    try {
      while (!sim.done) {
        await sim.advanceAsync();
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
