import { describe, expect, it } from 'vitest';
import { keepTrying, ManualClock } from '../src/robot/clock.js';
import { CommandSlot } from '../src/robot/commandSlot.js';
import { RttEstimator } from '../src/robot/rtt.js';
import { watchdogDeadline, watchdogVerdict } from '../src/robot/watchdog.js';

describe('ManualClock', () => {
  it('fires timers in order of their time, each at its time, and only when time moves', async () => {
    const clock = new ManualClock();
    const fired: [string, number][] = [];
    clock.setTimeout(() => fired.push(['b', clock.now()]), 20);
    const a = clock.setTimeout(() => fired.push(['a', clock.now()]), 10);
    clock.setTimeout(() => fired.push(['c', clock.now()]), 20);
    clock.setTimeout(() => fired.push(['x', clock.now()]), 15);
    clock.clearTimeout(a);
    expect(fired).toEqual([]);
    await clock.advance(19);
    expect(fired).toEqual([['x', 15]]);
    expect(clock.now()).toBe(19);
    await clock.advance(1);
    expect(fired).toEqual([
      ['x', 15],
      ['b', 20],
      ['c', 20],
    ]);
  });

  it('settle lets time jump to the next timer while the promise waits, and says when nothing can happen', async () => {
    const clock = new ManualClock();
    const waited = clock.settle(
      new Promise<number>((resolve) => clock.setTimeout(() => resolve(clock.now()), 5000)),
    );
    await expect(waited).resolves.toBe(5000);
    await expect(clock.settle(new Promise(() => {}))).rejects.toThrow(/no timer is scheduled/);
  });

  it('keepTrying pauses before each attempt and gives up after its time', async () => {
    const clock = new ManualClock();
    const attempts: number[] = [];
    const last = await clock.settle(
      keepTrying(
        clock,
        { delayMs: 250, forMs: 1000 },
        async () => {
          attempts.push(clock.now());
          throw new Error(`no ${attempts.length}`);
        },
        () => false,
        () => false,
      ),
    );
    expect(attempts).toEqual([250, 500, 750, 1000, 1250]);
    expect(last).toBe('no 5');
  });
});

describe('RttEstimator', () => {
  it('starts at the initial timeout, then follows srtt + 4 rttvar within its bounds, and backs off to the maximum', () => {
    const rtt = new RttEstimator(5, 100, 50);
    expect(rtt.timeout()).toBe(50);
    rtt.sample(10); // srtt 10, rttvar 5
    expect(rtt.roundTripMs).toBe(10);
    expect(rtt.timeout()).toBe(30);
    rtt.sample(2); // rttvar 0.75·5 + 0.25·8 = 5.75; srtt 0.875·10 + 0.125·2 = 9
    expect(rtt.roundTripMs).toBe(9);
    expect(rtt.timeout()).toBe(32);
    expect(rtt.backOff(30)).toBe(60);
    expect(rtt.backOff(60)).toBe(100);
    const fast = new RttEstimator(5, 100, 50);
    fast.sample(0.1);
    expect(fast.timeout()).toBe(5);
  });
});

describe('the watchdog', () => {
  const t = { timeoutMs: 200, progressTimeoutMs: 1000 };
  const pending = (firstSentAt: number, stalled = false) => ({
    ack: 1,
    frame: new Uint8Array(0),
    firstSentAt,
    retransmitted: false,
    fastRetried: false,
    stalled,
  });
  it('declares the link lost after silence, stops a stalled command, and loses a link that makes no progress', () => {
    expect(watchdogVerdict(199, 0, null, t)).toBe(null);
    expect(watchdogVerdict(200, 0, null, t)).toEqual({ lost: 'no valid frame from the robot for 200 ms' });
    // Frames keep coming (heartbeats) but the command goes unanswered.
    expect(watchdogVerdict(250, 240, pending(0), t)).toBe('stall');
    expect(watchdogVerdict(250, 240, pending(0, true), t)).toBe(null);
    expect(watchdogVerdict(1000, 990, pending(0, true), t)).toEqual({
      lost: 'no answer to the current command for 1000 ms (the robot sends frames but makes no progress)',
    });
    expect(watchdogDeadline(100, null, t)).toBe(300);
    expect(watchdogDeadline(100, pending(50), t)).toBe(250);
    expect(watchdogDeadline(900, pending(50, true), t)).toBe(1050);
  });
});

describe('CommandSlot', () => {
  function slot() {
    const clock = new ManualClock();
    const sent: number[] = [];
    let resends = 0;
    let up = true;
    const commands = new CommandSlot(
      clock,
      new RttEstimator(5, 100, 50),
      () => sent.push(clock.now()),
      () => up,
      () => resends++,
    );
    return {
      clock,
      sent,
      commands,
      resends: () => resends,
      down: () => {
        up = false;
      },
    };
  }

  it('resends an unanswered command, doubling the wait up to the maximum, and measures only answers to one send', async () => {
    const s = slot();
    let answered = false;
    const done = s.commands.send(7, new Uint8Array([1])).then(() => {
      answered = true;
    });
    await s.clock.advance(300);
    expect(s.sent).toEqual([0, 50, 150, 250]);
    expect(s.resends()).toBe(3);
    expect(s.commands.answer(8, () => {})).toBe(false);
    let heard = -1;
    expect(s.commands.answer(7, (rtt) => (heard = rtt))).toBe(true);
    await done;
    expect(answered).toBe(true);
    expect(heard).toBe(0); // resent: no measurement
    expect(s.commands.current).toBe(null);
    await s.clock.advance(1000);
    expect(s.sent).toHaveLength(4); // the timer went with the answer
    // A command answered after one send is a measurement.
    const next = s.commands.send(8, new Uint8Array([1]));
    await s.clock.advance(20);
    s.commands.answer(8, (rtt) => (heard = rtt));
    await next;
    expect(heard).toBe(20);
  });

  it('fails the command once and stops resending; no resend while the link is down', async () => {
    const s = slot();
    const outcome = s.commands.send(1, new Uint8Array([1])).then(
      () => 'answered',
      (e: Error) => e.message,
    );
    s.down();
    await s.clock.advance(500);
    expect(s.sent).toEqual([0]);
    expect(s.commands.fail(new Error('lost'))).toBe(true);
    expect(s.commands.fail(new Error('again'))).toBe(false);
    await expect(outcome).resolves.toBe('lost');
    expect(s.commands.resendNow()).toBe(false);
  });
});
