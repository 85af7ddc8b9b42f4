import type { Clock } from './clock.js';
import { LINK_DEFAULTS } from './linkDefaults.js';
import type { BadFrameKind, StopReasonName } from './protocol.js';
import type { RobotAddress, Transport } from './transport.js';

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
  /** A link with no valid frame for this long is down: stop the motors. Default `LINK_DEFAULTS.timeoutMs`. */
  timeoutMs?: number;
  /**
   * A command unanswered for timeoutMs gets a STOP (the robot holds still while the host keeps
   * asking); unanswered for this long, the link is lost. Default `LINK_DEFAULTS.progressTimeouts` × timeoutMs.
   */
  progressTimeoutMs?: number;
  /** Send a heartbeat after this long without sending anything. Default `LINK_DEFAULTS.heartbeatMs`. */
  heartbeatMs?: number;
  /** On a lost link: exit (throw LinkLostError) or reconnect. Default exit. */
  onLinkLost?: 'exit' | 'reconnect';
  /** How long to keep trying to reconnect before giving up. Default `LINK_DEFAULTS.reconnectForMs`. */
  reconnectForMs?: number;
  /** Pause between reconnection attempts. Default `LINK_DEFAULTS.reconnectDelayMs`. */
  reconnectDelayMs?: number;
  /** How long to wait for the connection and then for the HELLO_ACK. Default `LINK_DEFAULTS.helloTimeoutMs`. */
  helloTimeoutMs?: number;
  /** Bounds of the adaptive retransmission timeout for commands. Default `LINK_DEFAULTS.minRetryMs` and timeoutMs / 2. */
  minRetryMs?: number;
  maxRetryMs?: number;
  /** Where to say what happened (link lost, stops, reconnects). */
  log?: (message: string) => void;
  /** The clock of every timeout and timestamp (default: the wall clock; tests pass a `ManualClock`). */
  clock?: Clock;
}

/** The options with every default filled in. */
export type ResolvedLinkOptions = Required<Omit<RobotLinkOptions, 'expect' | 'address'>> &
  Pick<RobotLinkOptions, 'address'> & {
    expect: NonNullable<RobotLinkOptions['expect']>;
  };

/** Fills in the defaults (each named once, in `LINK_DEFAULTS`). */
export function resolveLinkOptions(options: RobotLinkOptions, clock: Clock): ResolvedLinkOptions {
  const d = LINK_DEFAULTS;
  const timeoutMs = options.timeoutMs ?? d.timeoutMs;
  return {
    address: options.address,
    expect: options.expect ?? {},
    timeoutMs,
    progressTimeoutMs: options.progressTimeoutMs ?? d.progressTimeouts * timeoutMs,
    heartbeatMs: options.heartbeatMs ?? d.heartbeatMs,
    onLinkLost: options.onLinkLost ?? 'exit',
    reconnectForMs: options.reconnectForMs ?? d.reconnectForMs,
    reconnectDelayMs: options.reconnectDelayMs ?? d.reconnectDelayMs,
    helloTimeoutMs: options.helloTimeoutMs ?? d.helloTimeoutMs,
    minRetryMs: options.minRetryMs ?? d.minRetryMs,
    maxRetryMs: options.maxRetryMs ?? timeoutMs / 2,
    log: options.log ?? (() => {}),
    clock,
  };
}

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

/** The counters of a link that has done nothing yet. */
export function emptyLinkStats(address: string): LinkStats {
  return {
    address,
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
}
