// Over 400 lines because the link is one state machine: the pending command, its retransmission
// timer, the watchdog, the heartbeat and the reconnection share the link's state and change it
// together (the robot environment on top is robotEnvironment.ts).
import {
  type BadFrameKind,
  decodeHelloAck,
  decodeSensors,
  emptySensors,
  encodeFrame,
  encodeHeartbeat,
  encodeHello,
  encodeStop,
  type Frame,
  FrameDecoder,
  HelloFlags,
  HelloStatus,
  hostExpectedLength,
  MessageType,
  microsSince,
  SensorFlags,
  type Sensors,
  SequenceCounter,
  StopReason,
  type StopReasonName,
} from './protocol.js';
import { formatRobotAddress, openTransport, type RobotAddress, type Transport } from './transport.js';

/** How to reach the robot and how to keep the link. */
export interface RobotLinkOptions {
  /** Where the robot is, or a function that opens a fresh link (used again to reconnect). */
  address:
    | RobotAddress
    | {
        /** Opens a fresh link (called again to reconnect). */
        open: () => Promise<Transport>;
        /** The link as text, for messages. */
        description: string;
      };
  /** What the host expects (0: whatever the robot has). */
  expect?: { reflexCount?: number; predictorRows?: number; predictorColumns?: number };
  /** A link with no valid frame for this long is down: stop the motors. Default 200 ms. */
  timeoutMs?: number;
  /**
   * A command unanswered for timeoutMs gets a STOP (the robot holds still while the host keeps
   * asking); unanswered for this long, the link is lost. Default 5 × timeoutMs.
   */
  progressTimeoutMs?: number;
  /** Send a heartbeat after this long without sending anything. Default 50 ms. */
  heartbeatMs?: number;
  /** On a lost link: exit (throw LinkLostError) or reconnect. Default exit. */
  onLinkLost?: 'exit' | 'reconnect';
  /** How long to keep trying to reconnect before giving up. Default 10 s. */
  reconnectForMs?: number;
  /** Pause between reconnection attempts. Default 250 ms. */
  reconnectDelayMs?: number;
  /** How long to wait for the HELLO_ACK. Default 2 s. */
  helloTimeoutMs?: number;
  /** Bounds of the adaptive retransmission timeout for commands. Default 5 ms and timeoutMs / 2. */
  minRetryMs?: number;
  maxRetryMs?: number;
  /** Where to say what happened (link lost, stops, reconnects). */
  log?: (message: string) => void;
}

/** The link went down and the run must end (after a STOP, if one could still be sent). */
export class LinkLostError extends Error {
  override readonly name: string = 'LinkLostError';
  constructor(
    message: string,
    /** Whether a STOP could be sent when the link went down (false: the link was already closed). */
    readonly stopSent: boolean | null = null,
  ) {
    super(message);
  }
}

/** The robot sent something the protocol does not allow (e.g. a non-finite sensor value): the run ends. */
export class ProtocolError extends LinkLostError {
  override readonly name = 'ProtocolError';
}

/**
 * Sensor values outside this range (or not finite) are a protocol error. The nominal range is [0, 1];
 * the margin allows for noise and calibration offsets of a real robot.
 */
export const SENSOR_RANGE = { min: -1, max: 2 } as const;
/** Largest |x| or |y| of a reported pose, cm. */
export const MAX_POSE_CM = 1e6;

/** The robot refused the handshake, or never answered it. */
export class HandshakeError extends Error {
  override readonly name = 'HandshakeError';
}

/** The run was interrupted (Ctrl-C) while waiting for the robot. */
export class InterruptedError extends Error {
  override readonly name = 'InterruptedError';
}

/** Internal: the link went down while a request was pending. */
class LinkDown extends Error {}

/** Something that happened on the link. */
export interface LinkEvent {
  /** Steps taken when it happened. */
  step: number;
  /** Milliseconds since the link was opened. */
  atMs: number;
  what: 'link-lost' | 'reconnected' | 'stop' | 'gave-up';
  detail: string;
}

/** What the link counted. */
export interface LinkStats {
  address: string;
  mode: 'lockstep' | 'free-running' | 'unknown';
  reflexCount: number;
  predictorCount: number;
  periodMs: number;
  framesSent: number;
  framesReceived: number;
  /** Commands sent again because their answer did not come in time. */
  retries: number;
  /** SENSORS frames that did not answer the pending command (late duplicates), ignored. */
  stale: number;
  /** Frames from the robot that never arrived (gaps in its sequence numbers). */
  missing: number;
  /** Frames refused: unknown version, unknown type, wrong length, bad checksum. Never used. */
  refused: Record<BadFrameKind, number>;
  refusedTotal: number;
  skippedBytes: number;
  stopsSent: Partial<Record<StopReasonName, number>>;
  linkLost: number;
  reconnects: number;
  /** Smoothed round-trip time of a step, ms. */
  roundTripMs: number;
  events: LinkEvent[];
}

interface Pending {
  ack: number;
  frame: Uint8Array;
  sentAt: number;
  /** When the command was first sent: the link must make progress (answer it) within the timeout. */
  firstSentAt: number;
  retransmitted: boolean;
  fastRetried: boolean;
  /** A STOP was sent because this command went unanswered for timeoutMs. */
  stalled: boolean;
  timer: NodeJS.Timeout | null;
  retryMs: number;
  resolve: () => void;
  reject: (error: Error) => void;
}

const EVENT_LIMIT = 200;

/**
 * The link to a robot (or the emulator) behind the wire protocol: the handshake, then commands that
 * each wait for the SENSORS frame acknowledging them, resent when the answer is late (the robot
 * answers a repeated sequence number without applying it twice, and the retransmission timeout
 * follows the measured round trip); a heartbeat when the host has nothing to send; a watchdog; and,
 * if asked, reconnection. Safety: no valid frame for `timeoutMs`, a closed link, a refused frame or
 * an interrupt all send STOP to the robot and are logged. `RobotEnvironment` is the world on top.
 */
export class RobotLink {
  predictorCount = 0;
  reflexCount = 0;
  predictorRows = 0;
  predictorColumns = 0;
  /** The robot's control period, s (from its HELLO_ACK). */
  dt = 0.05;
  lockstep = false;
  readonly stats: LinkStats;
  /** The last SENSORS frame: the robot clock (µs), flags, pose and readings. */
  readonly sensors: Sensors = emptySensors(0, 0);
  private transport: Transport | null = null;
  private readonly decoder: FrameDecoder;
  private readonly seq = new SequenceCounter();
  private readonly origin = performance.now();
  private lastRxAt = 0;
  private lastTxAt = 0;
  private pending: Pending | null = null;
  private helloWait: { seq: number; resolve: (frame: Frame) => void } | null = null;
  private watchdog: NodeJS.Timeout | null = null;
  private heartbeat: NodeJS.Timeout | null = null;
  private down = false;
  private closed = false;
  private interrupted = false;
  private recovering: Promise<void> | null = null;
  /** The closing of a link that went down (its STOP is flushed before close() resolves). */
  private closing: Promise<void> | null = null;
  private expectedRobotSeq = -1;
  private srtt = 0;
  private rttvar = 0;
  private hasRtt = false;
  private stepsTaken = 0;
  /** Whether the STOP of the last link loss could be sent. */
  private lastStopSent: boolean | null = null;
  /** A protocol error found while no command was pending: thrown by the next request. */
  private failure: ProtocolError | null = null;
  private readonly timeoutMs: number;
  private readonly progressTimeoutMs: number;
  private readonly heartbeatMs: number;
  private readonly log: (message: string) => void;

  private constructor(
    readonly options: RobotLinkOptions,
    /** Hears each SENSORS frame that answers a command, before the command resolves. */
    private readonly onSensors: (sensors: Sensors) => void,
  ) {
    this.timeoutMs = options.timeoutMs ?? 200;
    this.progressTimeoutMs = options.progressTimeoutMs ?? 5 * this.timeoutMs;
    this.heartbeatMs = options.heartbeatMs ?? 50;
    this.log = options.log ?? (() => {});
    this.stats = {
      address: 'open' in options.address ? options.address.description : formatRobotAddress(options.address),
      mode: 'unknown',
      reflexCount: 0,
      predictorCount: 0,
      periodMs: 0,
      framesSent: 0,
      framesReceived: 0,
      retries: 0,
      stale: 0,
      missing: 0,
      refused: { version: 0, type: 0, length: 0, checksum: 0 },
      refusedTotal: 0,
      skippedBytes: 0,
      stopsSent: {},
      linkLost: 0,
      reconnects: 0,
      roundTripMs: 0,
      events: [],
    };
    this.decoder = new FrameDecoder(
      (type) =>
        hostExpectedLength(
          this.reflexCount ? { reflex: this.reflexCount, predictors: this.predictorCount } : null,
        )(type),
      (frame) => this.onFrame(frame),
      (kind) => this.onBadFrame(kind),
    );
  }

  /** Opens the link and shakes hands; rejects with HandshakeError or a connection error. */
  static async connect(options: RobotLinkOptions, onSensors: (sensors: Sensors) => void): Promise<RobotLink> {
    const link = new RobotLink(options, onSensors);
    try {
      await link.open();
    } catch (error) {
      await link.close('error');
      throw error;
    }
    return link;
  }

  /** Steps taken so far (for the log of events). */
  get steps(): number {
    return this.stepsTaken;
  }

  /** Whether the link is up now. */
  get up(): boolean {
    return !this.down && !this.closed && this.transport?.open === true;
  }

  /**
   * Sends a command (MOTOR or RESET) and waits for the SENSORS frame that acknowledges it (heard by
   * `onSensors` first). Resolves to 'answered', or to 'reconnected' when the link went down and came
   * back meanwhile (the command is lost: the episode ends). Rejects with LinkLostError (or
   * ProtocolError) when the link is lost for good, InterruptedError after an interrupt.
   */
  async command(type: number, payload: Uint8Array): Promise<'answered' | 'reconnected'> {
    try {
      await this.request(type, payload);
    } catch (error) {
      await this.afterLinkDown(error);
      return 'reconnected';
    }
    if (type === MessageType.motor) this.stepsTaken++;
    return 'answered';
  }

  /** Ctrl-C: stop the motors now and abort whatever is pending. */
  interrupt(): void {
    if (this.interrupted) return;
    this.interrupted = true;
    const sent = this.sendStop('interrupted');
    this.event('stop', 'interrupted');
    this.log(`interrupted: ${stopWords(sent)}`);
    const p = this.pending;
    if (p) {
      this.pending = null;
      if (p.timer) clearTimeout(p.timer);
      p.reject(new InterruptedError('interrupted'));
    }
  }

  /** Stops the motors and closes the link. */
  async close(reason: StopReasonName = 'endOfRun'): Promise<void> {
    if (this.closed) return;
    if (this.up && !(reason === 'interrupted' && this.interrupted)) this.sendStop(reason);
    this.closed = true;
    this.clearTimers();
    const t = this.transport;
    this.transport = null;
    await t?.close();
    await this.closing;
  }

  // ------------------------------------------------------------------------------------------

  private async open(): Promise<void> {
    const address = this.options.address;
    const transport =
      'open' in address
        ? await address.open()
        : await openTransport(address, this.options.helloTimeoutMs ?? 2000);
    this.transport = transport;
    this.decoder.clear();
    this.expectedRobotSeq = -1;
    transport.onData((chunk) => {
      if (this.transport === transport) this.decoder.push(chunk);
    });
    transport.onClose((why) => {
      if (this.transport === transport) this.linkDown('linkClosed', why);
    });
    await this.handshake();
    this.down = false;
    this.lastRxAt = performance.now();
    this.armWatchdog();
    this.heartbeat = setInterval(() => this.beat(), Math.max(5, this.heartbeatMs / 2));
  }

  private async handshake(): Promise<void> {
    const expect = this.options.expect ?? {};
    const known = this.reflexCount > 0;
    const hello = encodeHello({
      reflexCount: known ? this.reflexCount : (expect.reflexCount ?? 0),
      predictorRows: known ? this.predictorRows : (expect.predictorRows ?? 0),
      predictorColumns: known ? this.predictorColumns : (expect.predictorColumns ?? 0),
      timeoutMs: this.timeoutMs,
      heartbeatMs: this.heartbeatMs,
    });
    const timeout = this.options.helloTimeoutMs ?? 2000;
    const started = performance.now();
    let answer: Frame | null = null;
    while (!answer && performance.now() - started < timeout) {
      if (this.interrupted) throw new InterruptedError('interrupted');
      if (!this.transport?.open)
        throw new HandshakeError(`the link to ${this.stats.address} closed during the hello`);
      const seq = this.seqSend(MessageType.hello, hello);
      answer = await new Promise<Frame | null>((resolve) => {
        const timer = setTimeout(() => {
          this.helloWait = null;
          resolve(null);
        }, 200);
        this.helloWait = {
          seq,
          resolve: (frame) => {
            clearTimeout(timer);
            this.helloWait = null;
            resolve(frame);
          },
        };
      });
    }
    if (!answer) {
      this.sendStop('error');
      throw new HandshakeError(
        `the robot at ${this.stats.address} did not answer the hello within ${timeout} ms`,
      );
    }
    const ack = decodeHelloAck(answer.payload);
    const theirs = `${ack.reflexCount} reflex sensors and ${ack.predictorRows}×${ack.predictorColumns} predictors`;
    if (ack.status !== HelloStatus.ok) {
      this.sendStop('error');
      if (ack.status === HelloStatus.busy)
        throw new HandshakeError(
          `the robot at ${this.stats.address} is busy: another host has a live session with it`,
        );
      const why = ack.status === HelloStatus.countMismatch ? 'counts do not match' : `status ${ack.status}`;
      throw new HandshakeError(
        `the robot refused the hello (${why}): it has ${theirs}, the configuration expects ${this.expectation()}`,
      );
    }
    if (known) {
      if (
        ack.reflexCount !== this.reflexCount ||
        ack.predictorRows !== this.predictorRows ||
        ack.predictorColumns !== this.predictorColumns
      ) {
        this.sendStop('error');
        throw new HandshakeError(`after reconnecting, the robot has ${theirs}, which differs from before`);
      }
    } else {
      if (ack.reflexCount < 2 || ack.reflexCount % 2 !== 0)
        throw new HandshakeError(
          `the robot reports ${ack.reflexCount} reflex sensors; expected pairs (2 or 4)`,
        );
      const expectCount = (want: number | undefined, got: number) => !want || want === got;
      if (
        !expectCount(expect.reflexCount, ack.reflexCount) ||
        !expectCount(expect.predictorRows, ack.predictorRows) ||
        !expectCount(expect.predictorColumns, ack.predictorColumns)
      ) {
        this.sendStop('error');
        throw new HandshakeError(`the robot has ${theirs}, the configuration expects ${this.expectation()}`);
      }
      this.reflexCount = ack.reflexCount;
      this.predictorRows = ack.predictorRows;
      this.predictorColumns = ack.predictorColumns;
      this.predictorCount = ack.predictorRows * ack.predictorColumns;
      this.dt = ack.periodUs > 0 ? ack.periodUs / 1e6 : this.dt;
      this.lockstep = (ack.flags & HelloFlags.lockstep) !== 0;
      this.sensors.reflex = new Float64Array(this.reflexCount);
      this.sensors.predictors = new Float64Array(this.predictorCount);
      Object.assign(this.stats, {
        mode: this.lockstep ? 'lockstep' : 'free-running',
        reflexCount: this.reflexCount,
        predictorCount: this.predictorCount,
        periodMs: this.dt * 1000,
      });
    }
  }

  private expectation(): string {
    const e = this.options.expect ?? {};
    const n = (v: number | undefined) => (v ? String(v) : 'any');
    return `${n(e.reflexCount)} reflex sensors and ${n(e.predictorRows)}×${n(e.predictorColumns)} predictors`;
  }

  /** Sends a command and waits for the SENSORS frame that acknowledges it. */
  private request(type: number, payload: Uint8Array): Promise<void> {
    if (this.interrupted) return Promise.reject(new InterruptedError('interrupted'));
    if (this.failure) return Promise.reject(this.failure);
    if (this.closed) return Promise.reject(new LinkLostError('the link is closed'));
    if (this.down || !this.transport?.open) return Promise.reject(new LinkDown('down'));
    return new Promise<void>((resolve, reject) => {
      const seq = this.seq.next();
      const frame = encodeFrame(type, seq, payload);
      const p: Pending = {
        ack: seq,
        frame,
        sentAt: performance.now(),
        firstSentAt: performance.now(),
        retransmitted: false,
        fastRetried: false,
        stalled: false,
        timer: null,
        retryMs: this.retryTimeout(),
        resolve,
        reject,
      };
      this.pending = p;
      this.write(frame);
      this.armRetry(p);
    });
  }

  private armRetry(p: Pending): void {
    p.timer = setTimeout(() => {
      if (this.pending !== p || this.down) return;
      p.retransmitted = true;
      this.stats.retries++;
      this.write(p.frame);
      p.retryMs = Math.min(p.retryMs * 2, this.options.maxRetryMs ?? this.timeoutMs / 2);
      this.armRetry(p);
    }, p.retryMs);
  }

  private retryTimeout(): number {
    const min = this.options.minRetryMs ?? 5;
    const max = this.options.maxRetryMs ?? this.timeoutMs / 2;
    if (!this.hasRtt) return Math.min(max, 50);
    return Math.max(min, Math.min(max, this.srtt + 4 * this.rttvar));
  }

  private sampleRtt(ms: number): void {
    if (!this.hasRtt) {
      this.srtt = ms;
      this.rttvar = ms / 2;
      this.hasRtt = true;
    } else {
      this.rttvar = 0.75 * this.rttvar + 0.25 * Math.abs(this.srtt - ms);
      this.srtt = 0.875 * this.srtt + 0.125 * ms;
    }
    this.stats.roundTripMs = this.srtt;
  }

  private onFrame(frame: Frame): void {
    this.stats.framesReceived++;
    this.lastRxAt = performance.now();
    // Sequence numbers only move forward; a repeated answer carries its old number.
    const gap = this.expectedRobotSeq < 0 ? 0 : (frame.seq - this.expectedRobotSeq) & 0xffff;
    if (gap < 0x8000) {
      this.stats.missing += gap;
      this.expectedRobotSeq = (frame.seq + 1) & 0xffff;
    }
    if (frame.type === MessageType.helloAck) {
      const w = this.helloWait;
      if (w && decodeHelloAck(frame.payload).ack === w.seq) w.resolve(frame);
      else this.stats.stale++;
      return;
    }
    if (frame.type !== MessageType.sensors) return; // heartbeat: the link is alive
    const p = this.pending;
    const s = decodeSensors(frame.payload, this.sensors);
    const bad = invalidSensorValue(s);
    if (bad) {
      this.protocolError(`the robot sent ${bad}`);
      return;
    }
    if (!p || (s.flags & SensorFlags.ackValid) === 0 || s.ack !== p.ack) {
      this.stats.stale++;
      return;
    }
    this.pending = null;
    if (p.timer) clearTimeout(p.timer);
    if (!p.retransmitted) this.sampleRtt(performance.now() - p.sentAt);
    this.onSensors(s);
    p.resolve();
  }

  private onBadFrame(kind: BadFrameKind): void {
    this.stats.refused[kind]++;
    this.stats.refusedTotal++;
    // The answer we wait for may have been in it: stop the motors until a valid frame arrives.
    // It may have been the answer we wait for: stop, and ask again at once (once per command;
    // after that the retransmission timer paces the retries).
    const p = this.pending;
    if (p && !this.down && !p.fastRetried) {
      this.sendStop('badFrame');
      p.fastRetried = true;
      p.retransmitted = true;
      this.stats.retries++;
      this.write(p.frame);
    }
  }

  private beat(): void {
    if (this.down || !this.transport?.open) return;
    if (performance.now() - this.lastTxAt >= this.heartbeatMs)
      this.seqSend(MessageType.heartbeat, encodeHeartbeat(microsSince(this.origin)));
  }

  /**
   * The link timeout is about progress, not about any frame: no valid frame at all for timeoutMs, or
   * no SENSORS frame answering the pending command for progressTimeoutMs since it was first sent,
   * and the link is lost. A robot that keeps sending heartbeats, or answers to other commands, while
   * the current one goes unanswered is not making progress: after timeoutMs it is sent STOP (and
   * holds still, since a repeated command does not restart the motors) while the host keeps asking.
   */
  private armWatchdog(): void {
    if (this.watchdog) clearTimeout(this.watchdog);
    const now = performance.now();
    const p = this.pending;
    let deadline = this.lastRxAt + this.timeoutMs;
    if (p)
      deadline = Math.min(deadline, p.firstSentAt + (p.stalled ? this.progressTimeoutMs : this.timeoutMs));
    const wait = Math.max(1, deadline - now);
    this.watchdog = setTimeout(() => {
      this.watchdog = null;
      if (this.down || this.closed) return;
      const at = performance.now();
      const q = this.pending;
      if (at - this.lastRxAt >= this.timeoutMs) {
        this.linkDown('timeout', `no valid frame from the robot for ${this.timeoutMs} ms`);
        return;
      }
      if (q && at - q.firstSentAt >= this.progressTimeoutMs) {
        this.linkDown(
          'timeout',
          `no answer to the current command for ${this.progressTimeoutMs} ms (the robot sends frames but makes no progress)`,
        );
        return;
      }
      if (q && !q.stalled && at - q.firstSentAt >= this.timeoutMs) {
        q.stalled = true;
        this.sendStop('timeout');
      }
      this.armWatchdog();
    }, wait);
  }

  /** The robot broke the protocol: stop it, end the run (no reconnecting to a robot that sends nonsense). */
  private protocolError(why: string): void {
    if (this.down || this.closed) return;
    this.down = true;
    const sent = this.sendStop('error');
    this.event('link-lost', `protocol error: ${why}`);
    this.log(`protocol error at step ${this.stepsTaken}: ${why}; ${stopWords(sent)}`);
    this.clearTimers();
    const t = this.transport;
    this.transport = null;
    this.closing = t?.close() ?? null;
    const p = this.pending;
    if (p) {
      this.pending = null;
      if (p.timer) clearTimeout(p.timer);
      p.reject(new ProtocolError(`protocol error: ${why}`, sent));
    } else this.failure = new ProtocolError(`protocol error: ${why}`, sent);
  }

  private linkDown(cause: 'timeout' | 'linkClosed', why: string): void {
    if (this.down || this.closed) return;
    this.down = true;
    this.stats.linkLost++;
    const sent = this.sendStop(cause);
    this.lastStopSent = sent;
    this.event('link-lost', why);
    this.log(`link lost at step ${this.stepsTaken}: ${why}; ${stopWords(sent)}`);
    this.clearTimers();
    const t = this.transport;
    this.transport = null;
    this.closing = t?.close() ?? null;
    const reconnect = this.options.onLinkLost === 'reconnect' && !this.interrupted;
    if (reconnect) {
      this.recovering = this.reconnect();
      this.recovering.catch(() => {});
    }
    const p = this.pending;
    if (p) {
      this.pending = null;
      if (p.timer) clearTimeout(p.timer);
      p.reject(
        reconnect ? new LinkDown(why) : new LinkLostError(`the link to the robot was lost: ${why}`, sent),
      );
    }
  }

  private async afterLinkDown(error: unknown): Promise<void> {
    if (!(error instanceof LinkDown)) throw error;
    if (this.failure) throw this.failure;
    if (!this.recovering) throw new LinkLostError('the link to the robot is down', this.lastStopSent);
    try {
      await this.recovering;
    } finally {
      this.recovering = null;
    }
  }

  private async reconnect(): Promise<void> {
    const forMs = this.options.reconnectForMs ?? 10_000;
    const delay = this.options.reconnectDelayMs ?? 250;
    const started = performance.now();
    let lastError = '';
    while (!this.interrupted && !this.closed) {
      await new Promise((resolve) => setTimeout(resolve, delay));
      if (this.interrupted || this.closed) break;
      try {
        await this.open();
        this.stats.reconnects++;
        this.event('reconnected', this.stats.address);
        this.log(`reconnected to ${this.stats.address} at step ${this.stepsTaken}; learning resumes`);
        return;
      } catch (error) {
        lastError = (error as Error).message;
        const t = this.transport;
        this.transport = null;
        this.clearTimers();
        void t?.close();
        if (error instanceof HandshakeError && /refused|differs/.test(lastError)) break;
      }
      if (performance.now() - started > forMs) break;
    }
    if (this.interrupted) throw new InterruptedError('interrupted');
    this.event('gave-up', lastError);
    throw new LinkLostError(
      `the link to the robot was lost and could not be re-established within ${forMs} ms${lastError ? ` (${lastError})` : ''}`,
      this.lastStopSent,
    );
  }

  private clearTimers(): void {
    if (this.watchdog) clearTimeout(this.watchdog);
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.watchdog = null;
    this.heartbeat = null;
  }

  private seqSend(type: number, payload: Uint8Array): number {
    const seq = this.seq.next();
    this.write(encodeFrame(type, seq, payload));
    return seq;
  }

  private write(frame: Uint8Array): void {
    if (!this.transport?.open) return;
    this.transport.write(frame);
    this.lastTxAt = performance.now();
    this.stats.framesSent++;
  }

  /** Sends STOP if the link can still carry it; returns whether it could. */
  private sendStop(reason: StopReasonName): boolean {
    if (!this.transport?.open) return false;
    this.seqSend(MessageType.stop, encodeStop(StopReason[reason]));
    this.stats.stopsSent[reason] = (this.stats.stopsSent[reason] ?? 0) + 1;
    return true;
  }

  private event(what: LinkEvent['what'], detail: string): void {
    if (this.stats.events.length >= EVENT_LIMIT) return;
    this.stats.events.push({ step: this.stepsTaken, atMs: performance.now() - this.origin, what, detail });
  }
}

/** What the log says about the STOP that was (or could not be) sent. */
function stopWords(sent: boolean): string {
  return sent
    ? 'motors commanded to stop'
    : "no STOP could be sent (the link is closed): the robot's own watchdog must stop its motors";
}

/** The first sensor value a SENSORS frame must not carry, described, or null when all are fine. */
export function invalidSensorValue(s: Sensors): string | null {
  const { min, max } = SENSOR_RANGE;
  const check = (name: string, values: Float64Array): string | null => {
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (!(v >= min && v <= max))
        return `${name}[${i}] = ${v} (expected a finite value in [${min}, ${max}]; nominally [0, 1])`;
    }
    return null;
  };
  const bad = check('reflex', s.reflex) ?? check('predictors', s.predictors);
  if (bad) return bad;
  if (s.flags & SensorFlags.poseValid) {
    for (const [name, v] of [
      ['x', s.x],
      ['y', s.y],
    ] as const)
      if (!(Math.abs(v) <= MAX_POSE_CM))
        return `pose ${name} = ${v} (expected a finite value within ±${MAX_POSE_CM} cm)`;
    if (!Number.isFinite(s.theta)) return `pose theta = ${s.theta} (expected a finite angle)`;
  }
  return null;
}
