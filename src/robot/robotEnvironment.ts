import { bendCue } from '../task/bendCue.js';
import {
  type AsyncEnvironment,
  createStepBuffers,
  type MotorCommand,
  type ObservationBuffer,
  type ResetResult,
  type StepInfo,
  type StepResult,
} from '../task/environment.js';
import { reflexError } from '../task/reflexError.js';
import { RobotLink } from './link.js';
import type { LinkStats, RobotLinkOptions } from './linkOptions.js';
import { encodeMotor, MessageType, SensorFlags, type Sensors, type StopReasonName } from './protocol.js';

// The errors its methods reject with, for whoever drives the environment.
export { HandshakeError, InterruptedError, LinkLostError, ProtocolError } from './errors.js';

/**
 * A real robot (or the emulator) behind the wire protocol, as an AsyncEnvironment: each step sends
 * the MOTOR command over the link (`RobotLink`: resending, timing, watchdog, heartbeat, reconnect)
 * and turns the SENSORS frame that answers it into an observation, with the error computed as the
 * simulator computes it (`reflexError`). `Simulation.advanceAsync` drives it (see `RobotRun`).
 */
export class RobotEnvironment implements AsyncEnvironment {
  private observation: ObservationBuffer;
  private readonly info: StepInfo;
  private readonly result: StepResult;
  private readonly resetResult: ResetResult;

  private constructor(readonly link: RobotLink) {
    ({
      observation: this.observation,
      info: this.info,
      result: this.result,
      reset: this.resetResult,
    } = createStepBuffers(link.robot.predictorCount, link.robot.reflexCount));
  }

  /** Opens the link and shakes hands; rejects with HandshakeError or a connection error. */
  static async connect(options: RobotLinkOptions): Promise<RobotEnvironment> {
    let environment: RobotEnvironment | null = null;
    const link = await RobotLink.connect(options, (sensors) => environment?.load(sensors));
    environment = new RobotEnvironment(link);
    return environment;
  }

  /** Number of predictive inputs per step (rows × columns, as the robot said at the handshake). */
  get predictorCount(): number {
    return this.link.robot.predictorCount;
  }
  /** The robot's control period, s. */
  get dt(): number {
    return this.link.robot.dt;
  }
  get reflexCount(): number {
    return this.link.robot.reflexCount;
  }
  get predictorRows(): number {
    return this.link.robot.predictorRows;
  }
  get predictorColumns(): number {
    return this.link.robot.predictorColumns;
  }
  /** Whether the robot waits for each command (the emulator by default) or runs on its own clock. */
  get lockstep(): boolean {
    return this.link.robot.lockstep;
  }
  /** What the link counted. */
  get stats(): LinkStats {
    return this.link.stats;
  }
  /** The latest robot clock (µs), flags, pose and readings. */
  get sensors(): Sensors {
    return this.link.sensors;
  }
  /** Steps taken so far. */
  get steps(): number {
    return this.link.steps;
  }
  /** Whether the link is up now. */
  get up(): boolean {
    return this.link.up;
  }

  /** The pose and status of the last SENSORS frame (pose only if the robot knows it). */
  sensorsInfo(): StepInfo {
    return this.info;
  }

  /** Asks the robot to start an episode (the emulator puts the robot at its start pose). */
  async resetAsync(_seed?: number): Promise<ResetResult> {
    while ((await this.link.command(MessageType.reset, new Uint8Array(0))) !== 'answered');
    return this.resetResult;
  }

  /**
   * Sends the motor command of one step and returns what the sensors saw after it. When the link
   * went down and came back meanwhile, the episode ends with reason `link-lost`.
   */
  async stepAsync(action: MotorCommand): Promise<StepResult> {
    const answer = await this.link.command(MessageType.motor, encodeMotor(action.left, action.right));
    if (answer === 'reconnected') {
      this.info.reason = 'link-lost';
      this.result.terminated = true;
      this.result.error = this.observation.error;
    }
    return this.result;
  }

  /** Ctrl-C: stop the motors now and abort whatever is pending. */
  interrupt(): void {
    this.link.interrupt();
  }

  /** Stops the motors and closes the link. */
  close(reason: StopReasonName = 'endOfRun'): Promise<void> {
    return this.link.close(reason);
  }

  /** Copies a SENSORS frame into the observation and computes e and the cue. */
  private load(s: Sensors): void {
    const obs = this.observation;
    obs.reflex.set(s.reflex);
    obs.predictors.set(s.predictors);
    const e = reflexError(obs.reflex);
    obs.error = e;
    obs.cue = bendCue(obs.predictors, this.link.robot.predictorRows, this.link.robot.predictorColumns);
    const info = this.info;
    if (s.flags & SensorFlags.poseValid) {
      info.x = s.x;
      info.y = s.y;
      info.theta = s.theta;
    }
    info.reason =
      s.flags & SensorFlags.leftArena ? 'left-arena' : s.flags & SensorFlags.lineLost ? 'line-lost' : '';
    this.result.terminated = info.reason !== '';
    this.result.error = e;
  }
}
