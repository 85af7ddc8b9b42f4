/**
 * Time as the robot link sees it: the current time and one-shot timers. The link and the emulator
 * take a clock so that tests can run them on simulated time (`ManualClock`) instead of waiting.
 */
export interface Clock {
  /** Milliseconds on a monotonic clock. */
  now(): number;
  /** Calls `callback` once after `ms` milliseconds; returns a handle for `clearTimeout`. */
  setTimeout(callback: () => void, ms: number): ClockTimer;
  /** Cancels a timer (nothing happens if it has fired or was cancelled already). */
  clearTimeout(timer: ClockTimer): void;
}

/** A timer handle of a `Clock` (opaque: only its own clock reads it). */
export type ClockTimer = unknown;

/** The wall clock: `performance.now()` and the runtime's timers. */
export const systemClock: Clock = {
  now: () => performance.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (timer) => clearTimeout(timer as ReturnType<typeof setTimeout>),
};

interface ManualTimer {
  readonly __clockTimer: number;
  at: number;
  callback: () => void;
}

/**
 * Simulated time: nothing moves until asked. `advance(ms)` fires the timers due in that span in
 * order of their time (settling promises between them); `settle(promise)` lets time run on, timer
 * by timer, whenever nothing else can happen, until the promise settles: the code under test runs
 * as on an infinitely fast machine, and every timeout it meets takes exactly its length.
 */
export class ManualClock implements Clock {
  private time: number;
  private nextId = 0;
  private readonly timers = new Map<number, ManualTimer>();

  constructor(start = 0) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  setTimeout(callback: () => void, ms: number): ClockTimer {
    const timer: ManualTimer = {
      __clockTimer: this.nextId++,
      at: this.time + Math.max(0, ms),
      callback,
    };
    this.timers.set(timer.__clockTimer, timer);
    return timer;
  }

  clearTimeout(timer: ClockTimer): void {
    const id = (timer as Partial<ManualTimer>).__clockTimer;
    if (typeof id === 'number') this.timers.delete(id);
  }

  /** Timers waiting to fire. */
  get pending(): number {
    return this.timers.size;
  }

  /** Moves time on by `ms`, firing every timer due meanwhile, each at its own time. */
  async advance(ms: number): Promise<void> {
    const until = this.time + ms;
    await flush();
    for (let next = this.earliest(); next && next.at <= until; next = this.earliest()) {
      this.fire(next);
      await flush();
    }
    this.time = until;
  }

  /**
   * Runs until `promise` settles: while it waits on nothing but time, time jumps to the next timer.
   * Gives up (rejects) after `limitMs` of simulated time, or when nothing at all is scheduled.
   */
  async settle<T>(promise: Promise<T>, limitMs = 3_600_000): Promise<T> {
    let done = false;
    promise.then(
      () => {
        done = true;
      },
      () => {
        done = true;
      },
    );
    const limit = this.time + limitMs;
    await flush();
    while (!done) {
      const next = this.earliest();
      if (!next) throw new Error('ManualClock.settle: the promise waits but no timer is scheduled');
      if (next.at > limit) throw new Error(`ManualClock.settle: not settled within ${limitMs} ms`);
      this.fire(next);
      await flush();
    }
    return promise;
  }

  private earliest(): ManualTimer | null {
    let best: ManualTimer | null = null;
    for (const t of this.timers.values())
      if (!best || t.at < best.at || (t.at === best.at && t.__clockTimer < best.__clockTimer)) best = t;
    return best;
  }

  private fire(timer: ManualTimer): void {
    this.timers.delete(timer.__clockTimer);
    this.time = Math.max(this.time, timer.at);
    timer.callback();
  }
}

/** Lets every promise that can settle now settle (one turn of the event loop, no time passes). */
function flush(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Calls `attempt` after each pause of `delayMs` until it succeeds (resolves to null), `halt()` says
 * to stop, an error is final (`final(error)`), or `forMs` has passed since the start; then resolves
 * to the last error's message ('' if there was none).
 */
export async function keepTrying(
  clock: Clock,
  timing: { delayMs: number; forMs: number },
  attempt: () => Promise<void>,
  halt: () => boolean,
  final: (error: unknown) => boolean,
): Promise<string | null> {
  const started = clock.now();
  let lastError = '';
  while (!halt()) {
    await new Promise<void>((resolve) => clock.setTimeout(resolve, timing.delayMs));
    if (halt()) break;
    try {
      await attempt();
      return null;
    } catch (error) {
      lastError = (error as Error).message;
      if (final(error)) break;
    }
    if (clock.now() - started > timing.forMs) break;
  }
  return lastError;
}

/** Calls `tick` every `ms` milliseconds on `clock` until the returned function is called. */
export function every(clock: Clock, ms: number, tick: () => void): () => void {
  let timer: ClockTimer;
  let stopped = false;
  const arm = () => {
    timer = clock.setTimeout(() => {
      if (stopped) return;
      arm();
      tick();
    }, ms);
  };
  arm();
  return () => {
    stopped = true;
    clock.clearTimeout(timer);
  };
}
