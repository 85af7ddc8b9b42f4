import type { Clock } from './clock.js';
import { HandshakeError, InterruptedError } from './errors.js';
import { LINK_DEFAULTS } from './linkDefaults.js';
import { decodeHelloAck, type Frame } from './protocol.js';

/**
 * The HELLO side of the handshake: HELLO sent again every `LINK_DEFAULTS.helloRetryMs` until a
 * HELLO_ACK answers the latest one or the time is up. Judging the answer is `acceptHelloAck`'s job.
 */
export class HelloExchange {
  private wait: { seq: number; resolve: (frame: Frame) => void } | null = null;

  constructor(private readonly clock: Clock) {}

  /** Hears a HELLO_ACK; returns false when it answers no HELLO waited for (a stale one). */
  offer(frame: Frame): boolean {
    const w = this.wait;
    if (!w || decodeHelloAck(frame.payload).ack !== w.seq) return false;
    w.resolve(frame);
    return true;
  }

  /**
   * Sends HELLO (`send` returns its sequence number, or null when the link has closed) until it is
   * answered; resolves to the HELLO_ACK. Rejects with HandshakeError when no answer came within
   * `timeoutMs` or the link closed, with InterruptedError after an interrupt.
   */
  async run(
    send: () => number | null,
    interrupted: () => boolean,
    timeoutMs: number,
    address: string,
  ): Promise<Frame> {
    const started = this.clock.now();
    let answer: Frame | null = null;
    while (!answer && this.clock.now() - started < timeoutMs) {
      if (interrupted()) throw new InterruptedError('interrupted');
      const seq = send();
      if (seq === null)
        throw new HandshakeError(`the link to ${address} closed during the hello`, 'no-answer');
      answer = await this.answerTo(seq);
    }
    if (!answer)
      throw new HandshakeError(
        `the robot at ${address} did not answer the hello within ${timeoutMs} ms`,
        'no-answer',
      );
    return answer;
  }

  /** The HELLO_ACK answering the HELLO `seq`, or null after `helloRetryMs`. */
  private answerTo(seq: number): Promise<Frame | null> {
    return new Promise((resolve) => {
      const timer = this.clock.setTimeout(() => {
        this.wait = null;
        resolve(null);
      }, LINK_DEFAULTS.helloRetryMs);
      this.wait = {
        seq,
        resolve: (frame) => {
          this.clock.clearTimeout(timer);
          this.wait = null;
          resolve(frame);
        },
      };
    });
  }
}
