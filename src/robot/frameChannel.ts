import type { Clock } from './clock.js';
import type { LinkStats } from './linkOptions.js';
import {
  type BadFrameKind,
  encodeFrame,
  encodeStop,
  type Frame,
  FrameDecoder,
  MessageType,
  SequenceCounter,
  StopReason,
  type StopReasonName,
} from './protocol.js';
import type { Transport } from './transport.js';

/**
 * The host's end of the framed byte link: frames out with the host's sequence numbers, frames in
 * through the decoder, each counted (sent, received, missing from the robot's numbering), and when
 * each direction was last used. One transport at a time; a reconnection attaches the next.
 */
export class FrameChannel {
  /** When a frame was last sent, received (clock ms). */
  lastTxAt = 0;
  lastRxAt = 0;
  private transport: Transport | null = null;
  private readonly seq = new SequenceCounter();
  private readonly decoder: FrameDecoder;
  private expectedRobotSeq = -1;

  constructor(
    private readonly clock: Clock,
    private readonly stats: LinkStats,
    /** The payload length each type must have now (it depends on the robot's counts). */
    expectedLength: (type: number) => number | undefined,
    onFrame: (frame: Frame) => void,
    onBad: (kind: BadFrameKind) => void,
  ) {
    this.decoder = new FrameDecoder(expectedLength, (frame) => this.received(frame, onFrame), onBad);
  }

  /** Whether frames can go out now. */
  get open(): boolean {
    return this.transport?.open === true;
  }

  /** Takes a freshly opened transport; `onClose` hears why it closed (unless it was detached first). */
  attach(transport: Transport, onClose: (why: string) => void): void {
    this.transport = transport;
    this.decoder.clear();
    this.expectedRobotSeq = -1;
    transport.onData((chunk) => {
      if (this.transport === transport) this.decoder.push(chunk);
    });
    transport.onClose((why) => {
      if (this.transport === transport) onClose(why);
    });
  }

  /** Forgets the transport and closes it (what is queued is written out first). */
  detach(): Promise<void> {
    const t = this.transport;
    this.transport = null;
    return t?.close() ?? Promise.resolve();
  }

  /** The next sequence number of the host. */
  nextSeq(): number {
    return this.seq.next();
  }

  /** Sends a frame as it is (dropped when the link is closed). */
  write(frame: Uint8Array): void {
    if (!this.transport?.open) return;
    this.transport.write(frame);
    this.lastTxAt = this.clock.now();
    this.stats.framesSent++;
  }

  /** Sends a message with the next sequence number; returns the number. */
  send(type: number, payload: Uint8Array): number {
    const seq = this.seq.next();
    this.write(encodeFrame(type, seq, payload));
    return seq;
  }

  /** Sends STOP if the link can still carry it; returns whether it could. */
  stop(reason: StopReasonName): boolean {
    if (!this.transport?.open) return false;
    this.send(MessageType.stop, encodeStop(StopReason[reason]));
    this.stats.stopsSent[reason] = (this.stats.stopsSent[reason] ?? 0) + 1;
    return true;
  }

  private received(frame: Frame, onFrame: (frame: Frame) => void): void {
    this.stats.framesReceived++;
    this.lastRxAt = this.clock.now();
    // Sequence numbers only move forward; a repeated answer carries its old number.
    const gap = this.expectedRobotSeq < 0 ? 0 : (frame.seq - this.expectedRobotSeq) & 0xffff;
    if (gap < 0x8000) {
      this.stats.missing += gap;
      this.expectedRobotSeq = (frame.seq + 1) & 0xffff;
    }
    onFrame(frame);
  }
}
