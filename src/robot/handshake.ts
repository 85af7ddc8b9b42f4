import { HandshakeError } from './errors.js';
import { type Hello, type HelloAck, HelloFlags, HelloStatus } from './protocol.js';

/** What the robot said at the handshake: its sensors and its clock. */
export interface RobotShape {
  readonly reflexCount: number;
  readonly predictorRows: number;
  readonly predictorColumns: number;
  /** rows × columns. */
  readonly predictorCount: number;
  /** The robot's control period, s. */
  readonly dt: number;
  /** Whether the robot waits for each command (true) or runs on its own clock. */
  readonly lockstep: boolean;
}

/** The sensor counts a host may ask for (0 or missing: whatever the robot has). */
export type ExpectedCounts = { reflexCount?: number; predictorRows?: number; predictorColumns?: number };

/** The control period assumed when a robot reports 0 (does not say), s: the simulator's. */
export const DEFAULT_ROBOT_PERIOD_S = 0.05;
/** The longest control period a robot may report, ms; a longer one is refused as nonsense. */
export const MAX_ROBOT_PERIOD_MS = 1000;

/**
 * The HELLO a host sends: the counts it expects (on reconnecting, the counts the robot had before)
 * and its timeouts.
 */
export function helloFor(
  known: RobotShape | null,
  expect: ExpectedCounts,
  timing: { timeoutMs: number; heartbeatMs: number },
): Hello {
  return {
    reflexCount: known ? known.reflexCount : (expect.reflexCount ?? 0),
    predictorRows: known ? known.predictorRows : (expect.predictorRows ?? 0),
    predictorColumns: known ? known.predictorColumns : (expect.predictorColumns ?? 0),
    timeoutMs: timing.timeoutMs,
    heartbeatMs: timing.heartbeatMs,
  };
}

/** The counts as text, 'any' where nothing is expected. */
export function describeExpected(e: ExpectedCounts): string {
  const n = (v: number | undefined) => (v ? String(v) : 'any');
  return `${n(e.reflexCount)} reflex sensors and ${n(e.predictorRows)}×${n(e.predictorColumns)} predictors`;
}

/**
 * Judges a HELLO_ACK: the robot's shape, or a HandshakeError saying why not (refused, busy, other
 * counts than expected or than before a reconnection, values the protocol does not allow).
 */
export function acceptHelloAck(
  ack: HelloAck,
  known: RobotShape | null,
  expect: ExpectedCounts,
  address: string,
): RobotShape {
  const theirs = `${ack.reflexCount} reflex sensors and ${ack.predictorRows}×${ack.predictorColumns} predictors`;
  if (ack.status === HelloStatus.busy)
    throw new HandshakeError(
      `the robot at ${address} is busy: another host has a live session with it`,
      'busy',
    );
  if (ack.status !== HelloStatus.ok) {
    const why = ack.status === HelloStatus.countMismatch ? 'counts do not match' : `status ${ack.status}`;
    throw new HandshakeError(
      `the robot refused the hello (${why}): it has ${theirs}, the configuration expects ${describeExpected(expect)}`,
      'mismatch',
    );
  }
  if (known) {
    if (
      ack.reflexCount !== known.reflexCount ||
      ack.predictorRows !== known.predictorRows ||
      ack.predictorColumns !== known.predictorColumns
    )
      throw new HandshakeError(
        `after reconnecting, the robot has ${theirs}, which differs from before`,
        'changed',
      );
  } else {
    if (ack.reflexCount < 2 || ack.reflexCount % 2 !== 0)
      throw new HandshakeError(
        `the robot reports ${ack.reflexCount} reflex sensors; expected pairs (2 or 4)`,
        'invalid',
      );
    const fits = (want: number | undefined, got: number) => !want || want === got;
    if (
      !fits(expect.reflexCount, ack.reflexCount) ||
      !fits(expect.predictorRows, ack.predictorRows) ||
      !fits(expect.predictorColumns, ack.predictorColumns)
    )
      throw new HandshakeError(
        `the robot has ${theirs}, the configuration expects ${describeExpected(expect)}`,
        'mismatch',
      );
  }
  if (ack.periodUs > MAX_ROBOT_PERIOD_MS * 1000)
    throw new HandshakeError(
      `the robot at ${address} reports a control period of ${ack.periodUs / 1000} ms; expected at most ${MAX_ROBOT_PERIOD_MS} ms (0: not said)`,
      'invalid',
    );
  // After a reconnection the robot keeps the shape it had (its counts were just checked).
  if (known) return known;
  return {
    reflexCount: ack.reflexCount,
    predictorRows: ack.predictorRows,
    predictorColumns: ack.predictorColumns,
    predictorCount: ack.predictorRows * ack.predictorColumns,
    dt: ack.periodUs > 0 ? ack.periodUs / 1e6 : DEFAULT_ROBOT_PERIOD_S,
    lockstep: (ack.flags & HelloFlags.lockstep) !== 0,
  };
}
