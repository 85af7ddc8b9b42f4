import type { PendingCommand } from './commandSlot.js';

/** The two timeouts of the link, ms. */
export interface LinkTimeouts {
  /** No valid frame at all for this long: the link is lost. A command unanswered this long: STOP. */
  timeoutMs: number;
  /** A command unanswered for this long since it was first sent: the link is lost. */
  progressTimeoutMs: number;
}

/**
 * The link timeout is about progress, not about any frame: no valid frame at all for timeoutMs, or
 * no SENSORS frame answering the pending command for progressTimeoutMs since it was first sent,
 * and the link is lost. A robot that keeps sending heartbeats, or answers to other commands, while
 * the current one goes unanswered is not making progress: after timeoutMs it is sent STOP (and
 * holds still, since a repeated command does not restart the motors) while the host keeps asking.
 *
 * What the watchdog does at `now`: declare the link lost (why), stop the stalled command, or nothing.
 */
export function watchdogVerdict(
  now: number,
  lastRxAt: number,
  pending: PendingCommand | null,
  t: LinkTimeouts,
): { lost: string } | 'stall' | null {
  if (now - lastRxAt >= t.timeoutMs) return { lost: `no valid frame from the robot for ${t.timeoutMs} ms` };
  if (pending && now - pending.firstSentAt >= t.progressTimeoutMs)
    return {
      lost: `no answer to the current command for ${t.progressTimeoutMs} ms (the robot sends frames but makes no progress)`,
    };
  if (pending && !pending.stalled && now - pending.firstSentAt >= t.timeoutMs) return 'stall';
  return null;
}

/** When the watchdog must look next. */
export function watchdogDeadline(lastRxAt: number, pending: PendingCommand | null, t: LinkTimeouts): number {
  const silent = lastRxAt + t.timeoutMs;
  if (!pending) return silent;
  return Math.min(silent, pending.firstSentAt + (pending.stalled ? t.progressTimeoutMs : t.timeoutMs));
}
