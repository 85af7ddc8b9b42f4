import type { Clock, ClockTimer } from './clock.js';
import type { RttEstimator } from './rtt.js';

/** A command waiting for the SENSORS frame that acknowledges it. */
export interface PendingCommand {
  /** Its sequence number, which the answer acknowledges. */
  readonly ack: number;
  readonly frame: Uint8Array;
  /** When the command was first sent: the link must make progress (answer it) within the timeout. */
  readonly firstSentAt: number;
  /** Sent more than once (its answer is no round-trip measurement). */
  retransmitted: boolean;
  /** Sent again at once after a refused frame (done once per command). */
  fastRetried: boolean;
  /** A STOP was sent because this command went unanswered for timeoutMs. */
  stalled: boolean;
}

interface Slot extends PendingCommand {
  timer: ClockTimer | null;
  retryMs: number;
  resolve: () => void;
  reject: (error: Error) => void;
}

/**
 * The one command in flight and its retransmission: sent again whenever its answer is later than
 * the timeout the round-trip estimator gives, the timeout doubling each time; the answer to a
 * command sent once is a round-trip measurement. Starting, answering and failing the command each
 * happen here once.
 */
export class CommandSlot {
  private slot: Slot | null = null;

  constructor(
    private readonly clock: Clock,
    private readonly rtt: RttEstimator,
    /** Sends a frame (counted as sent, or dropped when the link is closed). */
    private readonly write: (frame: Uint8Array) => void,
    /** Whether a resend can go out now (false while the link is down). */
    private readonly mayResend: () => boolean,
    /** Hears each resend (the link counts them as retries). */
    private readonly onResend: () => void,
  ) {}

  /** The command in flight, if any. */
  get current(): PendingCommand | null {
    return this.slot;
  }

  /** Sends a command; resolves when `answer` hears its acknowledgement, rejects on `fail`. */
  send(ack: number, frame: Uint8Array): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const now = this.clock.now();
      const slot: Slot = {
        ack,
        frame,
        firstSentAt: now,
        retransmitted: false,
        fastRetried: false,
        stalled: false,
        timer: null,
        retryMs: this.rtt.timeout(),
        resolve,
        reject,
      };
      this.slot = slot;
      this.write(frame);
      this.armRetry(slot);
    });
  }

  /**
   * The acknowledgement of `ack` arrived: takes the command off, measures the round trip, calls
   * `before` (the answer's reader, given the smoothed round trip) and resolves it. Returns false
   * when no command waits for `ack`.
   */
  answer(ack: number, before: (roundTripMs: number) => void): boolean {
    const slot = this.slot;
    if (!slot || slot.ack !== ack) return false;
    this.take();
    if (!slot.retransmitted) this.rtt.sample(this.clock.now() - slot.firstSentAt);
    before(this.rtt.roundTripMs);
    slot.resolve();
    return true;
  }

  /** Sends the command again at once (after a refused frame that may have been its answer); once per command. */
  resendNow(): boolean {
    const slot = this.slot;
    if (!slot || slot.fastRetried) return false;
    slot.fastRetried = true;
    slot.retransmitted = true;
    this.onResend();
    this.write(slot.frame);
    return true;
  }

  /** Fails the command in flight, if there is one; returns whether there was. */
  fail(error: Error): boolean {
    const slot = this.take();
    slot?.reject(error);
    return slot !== null;
  }

  private take(): Slot | null {
    const slot = this.slot;
    if (!slot) return null;
    this.slot = null;
    if (slot.timer) this.clock.clearTimeout(slot.timer);
    return slot;
  }

  private armRetry(slot: Slot): void {
    slot.timer = this.clock.setTimeout(() => {
      if (this.slot !== slot || !this.mayResend()) return;
      slot.retransmitted = true;
      this.onResend();
      this.write(slot.frame);
      slot.retryMs = this.rtt.backOff(slot.retryMs);
      this.armRetry(slot);
    }, slot.retryMs);
  }
}
