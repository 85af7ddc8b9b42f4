/** How the robot link fails. */

/** The link went down and the run must end (after a STOP, if one could still be sent). */
export class LinkLostError extends Error {
  override readonly name: string = 'LinkLostError';
  constructor(
    message: string,
    /** Whether a STOP could be sent when the link went down (false: the link was already closed). */
    readonly stopSent: boolean | null = null,
  ) {
    super(message);
  }
}

/** The robot sent something the protocol does not allow (e.g. a non-finite sensor value): the run ends. */
export class ProtocolError extends LinkLostError {
  override readonly name = 'ProtocolError';
}

/**
 * Why a handshake failed: `mismatch`, the robot's sensors are not what the configuration expects
 * (or it refused the hello for that reason); `changed`, after reconnecting the robot has other
 * counts than before; `busy`, another host has a live session; `no-answer`, no HELLO_ACK in time or
 * the link closed during the hello; `invalid`, the HELLO_ACK carries values the protocol does not
 * allow (an odd reflex count, a control period out of range).
 */
export type HandshakeFailure = 'mismatch' | 'changed' | 'busy' | 'no-answer' | 'invalid';

/** The robot refused the handshake, or never answered it. */
export class HandshakeError extends Error {
  override readonly name = 'HandshakeError';
  constructor(
    message: string,
    readonly failure: HandshakeFailure,
  ) {
    super(message);
  }
}

/** The run was interrupted (Ctrl-C) while waiting for the robot. */
export class InterruptedError extends Error {
  override readonly name = 'InterruptedError';
}

/** Not exported from the package: the link went down while a request was pending (it may come back). */
export class LinkDown extends Error {}
