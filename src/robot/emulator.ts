// Over 400 lines because the emulated robot is one state machine, the robot side of
// docs/robot-protocol.md: sessions, repeated commands, lockstep and real-time clocks, and the
// injected faults all act on the same session state.
import { createServer, type Server } from 'node:net';
import type { Observation } from '../task/environment.js';
import { Random } from '../util/random.js';
import { DEFAULT_WORLD, LineFollowerEnvironment, type WorldConfig } from '../world/lineFollower.js';
import type { Track } from '../world/track.js';
import { type Clock, every, systemClock } from './clock.js';
import { LINK_DEFAULTS } from './linkDefaults.js';
import {
  decodeHello,
  decodeMotor,
  emptySensors,
  encodeFrame,
  encodeHeartbeat,
  encodeHelloAck,
  encodeSensors,
  type Frame,
  FrameDecoder,
  HelloFlags,
  HelloStatus,
  MessageType,
  microsSince,
  robotExpectedLength,
  SensorFlags,
  type Sensors,
  SequenceCounter,
  stopReasonName,
} from './protocol.js';
import { SocketTransport, type Transport } from './transport.js';

/** Faults the emulator injects into its link (all off by default). */
export interface LinkFaults {
  /** Fixed delay of every frame it sends, ms. */
  latencyMs: number;
  /** Extra delay, uniform in [0, jitterMs), of every frame it sends (order is kept, as on a wire). */
  jitterMs: number;
  /** Probability that a frame (either direction) is lost. */
  drop: number;
  /** Probability that a frame (either direction) is damaged: one random bit of it flipped. */
  corrupt: number;
  /** Seed of the fault generator. */
  seed: number;
}

/** A link without injected faults. */
export const NO_FAULTS: LinkFaults = { latencyMs: 0, jitterMs: 0, drop: 0, corrupt: 0, seed: 1 };

/** Settings of the robot emulator. */
export interface EmulatorOptions {
  track: Track;
  world?: WorldConfig;
  /**
   * false (default): lockstep, faster than real time: every new MOTOR command advances the world by
   * one control period at once and is answered with one SENSORS frame. true: the world advances on
   * a real-time clock every period with the latest command, and a SENSORS frame is sent each period.
   */
  realtime?: boolean;
  faults?: Partial<LinkFaults>;
  /**
   * Seed of the world's sensor and motor noise, as a run's seed (default 1): until the first motor
   * command, a reset restarts the noise from it, so that a run on the emulator sees the noise of the
   * simulation with the same seed.
   */
  seed?: number;
  /** Send a heartbeat after this long without sending anything, ms. */
  heartbeatMs?: number;
  /** Where to say what happens on the link. */
  log?: (message: string) => void;
  /** The clock of its timers and its robot clock (default: the wall clock; tests pass a `ManualClock`). */
  clock?: Clock;
}

/** What the emulator counted. */
export interface EmulatorStats {
  sessions: number;
  framesReceived: number;
  framesSent: number;
  /** Frames the fault injection dropped (in: from the host; out: to the host). */
  droppedIn: number;
  droppedOut: number;
  corruptedIn: number;
  corruptedOut: number;
  /** Frames the emulator's own decoder refused. */
  refused: number;
  motorCommands: number;
  /** Repeated commands (same seq), answered again without being applied twice. */
  duplicates: number;
  resets: number;
  stops: { reason: string; step: number }[];
  /** Connections refused because another host had a live session (HELLO_ACK status busy). */
  refusedSessions: number;
  /** Times its own watchdog stopped the motors (no frame from the host for the agreed timeout). */
  watchdogStops: number;
  steps: number;
}

interface Session {
  transport: Transport;
  decoder: FrameDecoder;
  active: boolean;
  timeoutMs: number;
  lastRxAt: number;
  lastTxAt: number;
  sendAfter: number;
  lastApplied: number;
  cached: Uint8Array | null;
  stopHousekeeping: () => void;
  stopped: boolean;
}

/**
 * The simulated line follower behind the wire protocol: what a robot's microcontroller does,
 * with optional faults on the link. One host session at a time: while a session is live (its host
 * shook hands and sent a frame within its timeout), another connection is answered HELLO_ACK
 * status busy and closed; a connection that is not live (no handshake yet, or silent) is replaced.
 */
export class RobotEmulator {
  readonly world: LineFollowerEnvironment;
  readonly stats: EmulatorStats = {
    sessions: 0,
    framesReceived: 0,
    framesSent: 0,
    droppedIn: 0,
    droppedOut: 0,
    corruptedIn: 0,
    corruptedOut: 0,
    refused: 0,
    motorCommands: 0,
    duplicates: 0,
    resets: 0,
    stops: [],
    refusedSessions: 0,
    watchdogStops: 0,
    steps: 0,
  };
  readonly faults: LinkFaults;
  private readonly random: Random;
  private readonly seq = new SequenceCounter();
  private readonly clock: Clock;
  private readonly origin: number;
  private session: Session | null = null;
  private readonly motors = { left: 0, right: 0 };
  private readonly sensors: Sensors;
  private lastReason: '' | 'line-lost' | 'left-arena' = '';
  private observation: Observation;
  private stopTicking: (() => void) | null = null;
  private readonly heartbeatMs: number;
  private readonly log: (message: string) => void;

  constructor(readonly options: EmulatorOptions) {
    this.clock = options.clock ?? systemClock;
    this.origin = this.clock.now();
    this.world = new LineFollowerEnvironment(options.track, options.world ?? DEFAULT_WORLD);
    this.observation = this.world.reset(options.seed ?? 1).observation;
    this.faults = { ...NO_FAULTS, ...options.faults };
    this.random = new Random(this.faults.seed);
    this.heartbeatMs = options.heartbeatMs ?? LINK_DEFAULTS.heartbeatMs;
    this.log = options.log ?? (() => {});
    this.sensors = emptySensors(this.world.reflexSensors.count, this.world.predictorCount);
    if (options.realtime) {
      this.stopTicking = every(this.clock, this.world.dt * 1000, () => this.tick());
    }
  }

  get lockstep(): boolean {
    return !this.options.realtime;
  }

  get motorCommand(): { left: number; right: number } {
    return { ...this.motors };
  }

  /** True while the current session's host has shaken hands and is heard from within its timeout. */
  get sessionLive(): boolean {
    const s = this.session;
    return s?.active === true && s.transport.open && this.clock.now() - s.lastRxAt < s.timeoutMs;
  }

  /**
   * Serves one host over a byte link. If another host has a live session, the newcomer is refused:
   * its HELLO is answered with status busy and the link closed (after 2 s without a HELLO, too).
   */
  attach(transport: Transport): void {
    if (this.sessionLive) {
      this.refuse(transport);
      return;
    }
    if (this.session) this.detach('a new connection replaced it');
    const session: Session = {
      transport,
      decoder: new FrameDecoder(
        robotExpectedLength,
        (frame) => this.onFrame(session, frame),
        () => {
          this.stats.refused++;
        },
      ),
      active: false,
      timeoutMs: LINK_DEFAULTS.timeoutMs,
      lastRxAt: this.clock.now(),
      lastTxAt: this.clock.now(),
      sendAfter: 0,
      lastApplied: -1,
      cached: null,
      stopped: false,
      stopHousekeeping: every(this.clock, 10, () => this.housekeeping(session)),
    };
    this.session = session;
    this.stats.sessions++;
    transport.onData((chunk) => {
      if (this.session === session) session.decoder.push(chunk);
    });
    transport.onClose((why) => {
      if (this.session === session) this.detach(why);
    });
  }

  /** Ends the current session and stops the motors. */
  detach(why: string): void {
    const s = this.session;
    if (!s) return;
    s.stopHousekeeping();
    this.session = null;
    this.motors.left = 0;
    this.motors.right = 0;
    this.log(`session ended: ${why}`);
    void s.transport.close();
  }

  private refuse(transport: Transport): void {
    this.stats.refusedSessions++;
    this.log('refused a second host: another session is live');
    let done = false;
    const end = () => {
      if (done) return;
      done = true;
      this.clock.clearTimeout(timer);
      // Give the answer time to leave before closing.
      this.clock.setTimeout(() => void transport.close(), 50);
    };
    const timer = this.clock.setTimeout(end, 2000);
    const decoder = new FrameDecoder(robotExpectedLength, (frame) => {
      if (done || frame.type !== MessageType.hello) return;
      const world = this.world;
      transport.write(
        encodeFrame(
          MessageType.helloAck,
          0, // its own numbering: the live session's sequence must have no gap

          encodeHelloAck({
            ack: frame.seq,
            status: HelloStatus.busy,
            flags: this.lockstep ? HelloFlags.lockstep : 0,
            reflexCount: world.reflexSensors.count,
            predictorRows: world.predictorRows,
            predictorColumns: world.predictorColumns,
            periodUs: Math.round(world.dt * 1e6),
          }),
        ),
      );
      end();
    });
    transport.onData((chunk) => decoder.push(chunk));
    transport.onClose(() => end());
  }

  /** Stops the emulator and closes its link. */
  close(): void {
    this.stopTicking?.();
    this.stopTicking = null;
    this.detach('the emulator closed');
  }

  private onFrame(s: Session, frame: Frame): void {
    // Faults on the way in: a lost frame is never seen; a damaged one is refused by the CRC.
    if (this.faults.drop > 0 && this.random.next() < this.faults.drop) {
      this.stats.droppedIn++;
      return;
    }
    if (this.faults.corrupt > 0 && this.random.next() < this.faults.corrupt) {
      this.stats.corruptedIn++;
      this.stats.refused++;
      return;
    }
    this.stats.framesReceived++;
    s.lastRxAt = this.clock.now();
    s.stopped = false;
    switch (frame.type) {
      case MessageType.hello:
        this.onHello(s, frame);
        return;
      case MessageType.motor:
      case MessageType.reset:
        if (s.active) this.onCommand(s, frame);
        return;
      case MessageType.stop: {
        this.motors.left = 0;
        this.motors.right = 0;
        const reason = stopReasonName(frame.payload[0]);
        this.stats.stops.push({ reason, step: this.stats.steps });
        if (reason !== 'badFrame') this.log(`STOP from the host (${reason}): motors stopped`);
        return;
      }
      default:
        return; // heartbeat
    }
  }

  private onHello(s: Session, frame: Frame): void {
    const hello = decodeHello(frame.payload);
    const world = this.world;
    const mine = {
      reflexCount: world.reflexSensors.count,
      predictorRows: world.predictorRows,
      predictorColumns: world.predictorColumns,
    };
    const matches =
      (!hello.reflexCount || hello.reflexCount === mine.reflexCount) &&
      (!hello.predictorRows || hello.predictorRows === mine.predictorRows) &&
      (!hello.predictorColumns || hello.predictorColumns === mine.predictorColumns);
    s.active = matches;
    s.timeoutMs = hello.timeoutMs || LINK_DEFAULTS.timeoutMs;
    s.lastApplied = -1;
    s.cached = null;
    if (!matches)
      this.log(
        `hello refused: the host expects ${hello.reflexCount} reflex sensors and ${hello.predictorRows}×${hello.predictorColumns} predictors`,
      );
    this.send(
      s,
      MessageType.helloAck,
      encodeHelloAck({
        ack: frame.seq,
        status: matches ? HelloStatus.ok : HelloStatus.countMismatch,
        flags: this.lockstep ? HelloFlags.lockstep : 0,
        ...mine,
        periodUs: Math.round(world.dt * 1e6),
      }),
    );
  }

  private onCommand(s: Session, frame: Frame): void {
    const isMotor = frame.type === MessageType.motor;
    if (frame.seq === s.lastApplied) {
      // A repeated command (its answer was lost): answer again, do not apply it twice, and do not
      // touch the motors: a STOP (or the watchdog) since the first copy holds until a new MOTOR.
      this.stats.duplicates++;
      if (s.cached) this.sendRaw(s, s.cached);
      return;
    }
    if (isMotor) {
      const m = decodeMotor(frame.payload);
      this.motors.left = Number.isFinite(m.left) ? m.left : 0;
      this.motors.right = Number.isFinite(m.right) ? m.right : 0;
    } else {
      this.motors.left = 0;
      this.motors.right = 0;
    }
    s.lastApplied = frame.seq;
    if (!isMotor) {
      this.stats.resets++;
      this.observation = this.world.reset(
        this.stats.motorCommands === 0 ? (this.options.seed ?? 1) : undefined,
      ).observation;
      this.lastReason = '';
      this.sendSensors(s);
      return;
    }
    this.stats.motorCommands++;
    if (this.lockstep) {
      this.advance();
      this.sendSensors(s);
    }
  }

  /** Real-time mode: one control period with the latest command. */
  private tick(): void {
    const s = this.session;
    this.advance();
    if (s?.active) this.sendSensors(s);
  }

  private advance(): void {
    const result = this.world.step(this.motors);
    this.observation = result.observation;
    this.lastReason = result.info.reason === 'link-lost' ? '' : result.info.reason;
    this.stats.steps++;
  }

  private sendSensors(s: Session): void {
    const w = this.world;
    const sn = this.sensors;
    const o = this.observation;
    sn.robotTimeUs = this.lockstep
      ? Math.round(this.stats.steps * w.dt * 1e6) >>> 0
      : microsSince(this.origin, this.clock.now());
    sn.ack = Math.max(0, s.lastApplied);
    sn.flags =
      (s.lastApplied >= 0 ? SensorFlags.ackValid : 0) |
      SensorFlags.poseValid |
      (this.lastReason === 'line-lost' ? SensorFlags.lineLost : 0) |
      (this.lastReason === 'left-arena' ? SensorFlags.leftArena : 0);
    sn.x = w.pose.x;
    sn.y = w.pose.y;
    sn.theta = w.pose.theta;
    sn.reflex.set(o.reflex);
    sn.predictors.set(o.predictors);
    const frame = encodeFrame(MessageType.sensors, this.seq.next(), encodeSensors(sn));
    s.cached = frame;
    this.sendRaw(s, frame);
  }

  private send(s: Session, type: number, payload: Uint8Array): void {
    this.sendRaw(s, encodeFrame(type, this.seq.next(), payload));
  }

  /** Sends a frame through the fault injection (drop, corrupt, delay keeping the order). */
  private sendRaw(s: Session, frame: Uint8Array): void {
    s.lastTxAt = this.clock.now();
    const f = this.faults;
    if (f.drop > 0 && this.random.next() < f.drop) {
      this.stats.droppedOut++;
      return;
    }
    let bytes = frame;
    if (f.corrupt > 0 && this.random.next() < f.corrupt) {
      bytes = frame.slice();
      const i = this.random.int(bytes.length);
      bytes[i] ^= 1 << this.random.int(8);
      this.stats.corruptedOut++;
    }
    this.stats.framesSent++;
    const delay = f.latencyMs + (f.jitterMs > 0 ? this.random.next() * f.jitterMs : 0);
    const now = this.clock.now();
    if (delay <= 0 && s.sendAfter <= now) {
      s.transport.write(bytes);
      return;
    }
    const at = Math.max(s.sendAfter, now + delay);
    s.sendAfter = at;
    this.clock.setTimeout(() => {
      if (this.session === s) s.transport.write(bytes);
    }, at - now);
  }

  private housekeeping(s: Session): void {
    const now = this.clock.now();
    if (s.active && !s.stopped && now - s.lastRxAt >= s.timeoutMs) {
      s.stopped = true;
      this.motors.left = 0;
      this.motors.right = 0;
      this.stats.watchdogStops++;
      this.log(`no frame from the host for ${s.timeoutMs} ms: motors stopped`);
    }
    if (s.active && now - s.lastTxAt >= this.heartbeatMs)
      this.send(s, MessageType.heartbeat, encodeHeartbeat(microsSince(this.origin, now)));
  }
}

/** Serves the emulator over TCP; resolves to the server once it listens. */
export function serveTcp(emulator: RobotEmulator, port: number, host = '127.0.0.1'): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer((socket) => {
      emulator.attach(new SocketTransport(socket, `${socket.remoteAddress}:${socket.remotePort}`));
    });
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}
