import { type Clock, type ClockTimer, keepTrying, systemClock } from './clock.js';
import { CommandSlot } from './commandSlot.js';
import { HandshakeError, InterruptedError, LinkDown, LinkLostError, ProtocolError } from './errors.js';
import { FrameChannel } from './frameChannel.js';
import { acceptHelloAck, helloFor, type RobotShape } from './handshake.js';
import { HelloExchange } from './helloExchange.js';
import { LINK_DEFAULTS } from './linkDefaults.js';
import {
  emptyLinkStats,
  type LinkEvent,
  type LinkStats,
  type ResolvedLinkOptions,
  type RobotLinkOptions,
  resolveLinkOptions,
} from './linkOptions.js';
import {
  type BadFrameKind,
  decodeHelloAck,
  decodeSensors,
  emptySensors,
  encodeFrame,
  encodeHeartbeat,
  encodeHello,
  type Frame,
  hostExpectedLength,
  MessageType,
  microsSince,
  SensorFlags,
  type Sensors,
  type StopReasonName,
} from './protocol.js';
import { RttEstimator } from './rtt.js';
import { invalidSensorValue } from './sensorCheck.js';
import { formatRobotAddress, openTransport } from './transport.js';
import { watchdogDeadline, watchdogVerdict } from './watchdog.js';

/** The most events the stats keep. */
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
  readonly stats: LinkStats;
  /** The last SENSORS frame: the robot clock (µs), flags, pose and readings. */
  readonly sensors: Sensors = emptySensors(0, 0);
  private shape: RobotShape | null = null;
  private readonly o: ResolvedLinkOptions;
  private readonly clock: Clock;
  private readonly wire: FrameChannel;
  private readonly origin: number;
  private readonly commands: CommandSlot;
  private readonly hello: HelloExchange;
  private watchdog: ClockTimer | null = null;
  private heartbeat: ClockTimer | null = null;
  private down = false;
  private closed = false;
  private interrupted = false;
  private recovering: Promise<void> | null = null;
  /** The closing of a link that went down (its STOP is flushed before close() resolves). */
  private closing: Promise<void> | null = null;
  private stepsTaken = 0;
  /** Whether the STOP of the last link loss could be sent. */
  private lastStopSent: boolean | null = null;
  /** A protocol error found while no command was pending: thrown by the next request. */
  private failure: ProtocolError | null = null;

  private constructor(
    options: RobotLinkOptions,
    /** Hears each SENSORS frame that answers a command, before the command resolves. */
    private readonly onSensors: (sensors: Sensors) => void,
  ) {
    this.clock = options.clock ?? systemClock;
    this.o = resolveLinkOptions(options, this.clock);
    this.origin = this.clock.now();
    this.hello = new HelloExchange(this.clock);
    const a = options.address;
    this.stats = emptyLinkStats('open' in a ? a.description : formatRobotAddress(a));
    this.wire = new FrameChannel(
      this.clock,
      this.stats,
      (type) =>
        hostExpectedLength(
          this.shape ? { reflex: this.shape.reflexCount, predictors: this.shape.predictorCount } : null,
        )(type),
      (frame) => this.onFrame(frame),
      (kind) => this.onBadFrame(kind),
    );
    this.commands = new CommandSlot(
      this.clock,
      new RttEstimator(this.o.minRetryMs, this.o.maxRetryMs, LINK_DEFAULTS.initialRetryMs),
      (frame) => this.wire.write(frame),
      () => !this.down,
      () => {
        this.stats.retries++;
      },
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

  /** What the robot said at the handshake (its sensor counts, control period and mode). */
  get robot(): RobotShape {
    if (!this.shape) throw new Error('the link has not shaken hands');
    return this.shape;
  }

  /** Steps taken so far (for the log of events). */
  get steps(): number {
    return this.stepsTaken;
  }

  /** Whether the link is up now. */
  get up(): boolean {
    return !this.down && !this.closed && this.wire.open;
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
    const sent = this.wire.stop('interrupted');
    this.event('stop', 'interrupted');
    this.o.log(`interrupted: ${stopWords(sent)}`);
    this.commands.fail(new InterruptedError('interrupted'));
  }

  /** Stops the motors and closes the link. */
  async close(reason: StopReasonName = 'endOfRun'): Promise<void> {
    if (this.closed) return;
    if (this.up && !(reason === 'interrupted' && this.interrupted)) this.wire.stop(reason);
    this.closed = true;
    await this.dropTransport();
    await this.closing;
  }

  // ------------------------------------------------------------------------------------------

  private async open(): Promise<void> {
    const address = this.o.address;
    const transport =
      'open' in address ? await address.open() : await openTransport(address, this.o.helloTimeoutMs);
    this.wire.attach(transport, (why) => this.linkDown('linkClosed', why));
    await this.handshake();
    this.down = false;
    this.wire.lastRxAt = this.clock.now();
    this.armWatchdog();
    this.armHeartbeat();
  }

  /** HELLO until answered (`HelloExchange`), then the answer judged (`acceptHelloAck`). */
  private async handshake(): Promise<void> {
    const { helloTimeoutMs, expect } = this.o;
    const hello = encodeHello(helloFor(this.shape, expect, this.o));
    let shape: RobotShape;
    try {
      const answer = await this.hello.run(
        () => (this.wire.open ? this.wire.send(MessageType.hello, hello) : null),
        () => this.interrupted,
        helloTimeoutMs,
        this.stats.address,
      );
      shape = acceptHelloAck(decodeHelloAck(answer.payload), this.shape, expect, this.stats.address);
    } catch (error) {
      // A robot that reports nonsense has not been told to move: nothing to stop.
      if (error instanceof HandshakeError && error.failure !== 'invalid') this.wire.stop('error');
      throw error;
    }
    if (this.shape) return;
    this.shape = shape;
    this.sensors.reflex = new Float64Array(shape.reflexCount);
    this.sensors.predictors = new Float64Array(shape.predictorCount);
    Object.assign(this.stats, {
      mode: shape.lockstep ? 'lockstep' : 'free-running',
      reflexCount: shape.reflexCount,
      predictorCount: shape.predictorCount,
      periodMs: shape.dt * 1000,
    });
  }

  /** Sends a command and waits for the SENSORS frame that acknowledges it. */
  private request(type: number, payload: Uint8Array): Promise<void> {
    if (this.interrupted) return Promise.reject(new InterruptedError('interrupted'));
    if (this.failure) return Promise.reject(this.failure);
    if (this.closed) return Promise.reject(new LinkLostError('the link is closed'));
    if (this.down || !this.wire.open) return Promise.reject(new LinkDown('down'));
    const seq = this.wire.nextSeq();
    return this.commands.send(seq, encodeFrame(type, seq, payload));
  }

  private onFrame(frame: Frame): void {
    if (frame.type === MessageType.helloAck) {
      if (!this.hello.offer(frame)) this.stats.stale++;
      return;
    }
    if (frame.type !== MessageType.sensors) return; // heartbeat: the link is alive
    const s = decodeSensors(frame.payload, this.sensors);
    const bad = invalidSensorValue(s);
    if (bad) {
      this.protocolError(`the robot sent ${bad}`);
      return;
    }
    const answered =
      (s.flags & SensorFlags.ackValid) !== 0 &&
      this.commands.answer(s.ack, (roundTripMs) => {
        this.stats.roundTripMs = roundTripMs;
        this.onSensors(s);
      });
    if (!answered) this.stats.stale++;
  }

  private onBadFrame(kind: BadFrameKind): void {
    this.stats.refused[kind]++;
    this.stats.refusedTotal++;
    // It may have been the answer we wait for: stop the motors until a valid frame arrives, and ask
    // again at once (once per command; after that the retransmission timer paces the retries).
    const p = this.commands.current;
    if (p && !this.down && !p.fastRetried) {
      this.wire.stop('badFrame');
      this.commands.resendNow();
    }
  }

  /** Checks every half heartbeat period whether the host has been silent long enough to send one. */
  private armHeartbeat(): void {
    const every = Math.max(LINK_DEFAULTS.minHeartbeatCheckMs, this.o.heartbeatMs / 2);
    this.heartbeat = this.clock.setTimeout(() => {
      this.heartbeat = null;
      if (this.down || !this.wire.open) return;
      const now = this.clock.now();
      if (now - this.wire.lastTxAt >= this.o.heartbeatMs)
        this.wire.send(MessageType.heartbeat, encodeHeartbeat(microsSince(this.origin, now)));
      this.armHeartbeat();
    }, every);
  }

  /** Looks again when the next timeout is due (`watchdogVerdict` says what it does then). */
  private armWatchdog(): void {
    if (this.watchdog) this.clock.clearTimeout(this.watchdog);
    const deadline = watchdogDeadline(this.wire.lastRxAt, this.commands.current, this.o);
    this.watchdog = this.clock.setTimeout(
      () => {
        this.watchdog = null;
        if (this.down || this.closed) return;
        const p = this.commands.current;
        const verdict = watchdogVerdict(this.clock.now(), this.wire.lastRxAt, p, this.o);
        if (verdict !== null && verdict !== 'stall') return this.linkDown('timeout', verdict.lost);
        if (verdict === 'stall' && p) {
          p.stalled = true;
          this.wire.stop('timeout');
        }
        this.armWatchdog();
      },
      Math.max(1, deadline - this.clock.now()),
    );
  }

  /**
   * Takes the link down (once): STOP if the link can still carry it, the event and the log line,
   * the timers and the transport gone. Returns whether the STOP could be sent.
   */
  private takeDown(stop: StopReasonName, event: string, log: string): boolean {
    this.down = true;
    const sent = this.wire.stop(stop);
    this.event('link-lost', event);
    this.o.log(`${log}; ${stopWords(sent)}`);
    this.closing = this.dropTransport();
    return sent;
  }

  /** The robot broke the protocol: stop it, end the run (no reconnecting to a robot that sends nonsense). */
  private protocolError(why: string): void {
    if (this.down || this.closed) return;
    const sent = this.takeDown(
      'error',
      `protocol error: ${why}`,
      `protocol error at step ${this.stepsTaken}: ${why}`,
    );
    const error = new ProtocolError(`protocol error: ${why}`, sent);
    if (!this.commands.fail(error)) this.failure = error;
  }

  private linkDown(cause: 'timeout' | 'linkClosed', why: string): void {
    if (this.down || this.closed) return;
    this.stats.linkLost++;
    const sent = this.takeDown(cause, why, `link lost at step ${this.stepsTaken}: ${why}`);
    this.lastStopSent = sent;
    const reconnect = this.o.onLinkLost === 'reconnect' && !this.interrupted;
    if (reconnect) {
      this.recovering = this.reconnect();
      this.recovering.catch(() => {});
    }
    this.commands.fail(
      reconnect ? new LinkDown(why) : new LinkLostError(`the link to the robot was lost: ${why}`, sent),
    );
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
    const forMs = this.o.reconnectForMs;
    const lastError = await keepTrying(
      this.clock,
      { delayMs: this.o.reconnectDelayMs, forMs },
      () => this.open(),
      () => this.interrupted || this.closed,
      (error) => {
        void this.dropTransport();
        // A robot that is there but will not do (other counts, nonsense) does not get better by asking again.
        return error instanceof HandshakeError && error.failure !== 'busy' && error.failure !== 'no-answer';
      },
    );
    if (lastError === null) {
      this.stats.reconnects++;
      this.event('reconnected', this.stats.address);
      this.o.log(`reconnected to ${this.stats.address} at step ${this.stepsTaken}; learning resumes`);
      return;
    }
    if (this.interrupted) throw new InterruptedError('interrupted');
    this.event('gave-up', lastError);
    throw new LinkLostError(
      `the link to the robot was lost and could not be re-established within ${forMs} ms${lastError ? ` (${lastError})` : ''}`,
      this.lastStopSent,
    );
  }

  /** Cancels the watchdog and the heartbeat, forgets the transport and closes it. */
  private dropTransport(): Promise<void> {
    if (this.watchdog) this.clock.clearTimeout(this.watchdog);
    if (this.heartbeat) this.clock.clearTimeout(this.heartbeat);
    this.watchdog = null;
    this.heartbeat = null;
    return this.wire.detach();
  }

  private event(what: LinkEvent['what'], detail: string): void {
    if (this.stats.events.length >= EVENT_LIMIT) return;
    this.stats.events.push({ step: this.stepsTaken, atMs: this.clock.now() - this.origin, what, detail });
  }
}

/** What the log says about the STOP that was (or could not be) sent. */
function stopWords(sent: boolean): string {
  return sent
    ? 'motors commanded to stop'
    : "no STOP could be sent (the link is closed): the robot's own watchdog must stop its motors";
}
