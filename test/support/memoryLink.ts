import type { Clock } from '../../src/robot/clock.js';
import { type Frame, FrameDecoder, robotExpectedLength } from '../../src/robot/protocol.js';
import type { Transport } from '../../src/robot/transport.js';

/**
 * One end of an in-memory byte link. Bytes arrive on the other end after the current code has run
 * (a microtask), in order, as on a local socket, and take no time on the clock. Closing one end
 * closes the other (its close listeners hear it); `silence()` makes the link carry nothing while
 * both ends stay open (a robot gone dead behind a link that does not notice).
 */
export class MemoryTransport implements Transport {
  peer!: MemoryTransport;
  private closed = false;
  private silent = false;
  private readonly dataListeners: ((chunk: Uint8Array) => void)[] = [];
  private readonly closeListeners: ((why: string) => void)[] = [];
  /** Hears every chunk this end writes (before it travels). */
  tap: ((chunk: Uint8Array) => void) | null = null;

  constructor(readonly description: string) {}

  get open(): boolean {
    return !this.closed;
  }

  write(bytes: Uint8Array): void {
    if (this.closed) return;
    const chunk = bytes.slice();
    this.tap?.(chunk);
    if (this.silent || this.peer.silent) return;
    const peer = this.peer;
    queueMicrotask(() => {
      if (!peer.closed && !peer.silent) for (const l of peer.dataListeners) l(chunk);
    });
  }

  onData(listener: (chunk: Uint8Array) => void): void {
    this.dataListeners.push(listener);
  }

  onClose(listener: (why: string) => void): void {
    this.closeListeners.push(listener);
  }

  close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      this.peer.hangUp('the connection was closed');
    }
    return Promise.resolve();
  }

  /** Carries nothing from now on, in either direction; both ends stay open. */
  silence(): void {
    this.silent = true;
  }

  private hangUp(why: string): void {
    if (this.closed) return;
    queueMicrotask(() => {
      if (this.closed) return;
      this.closed = true;
      for (const l of this.closeListeners) l(why);
    });
  }
}

/** Two connected ends: [host, robot]. */
export function memoryLink(description = 'memory'): [MemoryTransport, MemoryTransport] {
  const host = new MemoryTransport(description);
  const robot = new MemoryTransport(`${description} (robot end)`);
  host.peer = robot;
  robot.peer = host;
  return [host, robot];
}

/** Records every frame the host sends, with the clock's time. */
export function recordHostFrames(host: MemoryTransport, clock: Clock, into: { frame: Frame; at: number }[]) {
  const decoder = new FrameDecoder(robotExpectedLength, (frame) => into.push({ frame, at: clock.now() }));
  host.tap = (chunk) => decoder.push(chunk);
}
