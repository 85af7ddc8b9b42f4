/** The link's defaults, ms. */
export const LINK_DEFAULTS = {
  /** No valid frame for this long: the link is down. */
  timeoutMs: 200,
  /** The pending command unanswered for this many link timeouts: the link is lost. */
  progressTimeouts: 5,
  /** Send a heartbeat after this long without sending anything. */
  heartbeatMs: 50,
  /** Keep trying to reconnect this long. */
  reconnectForMs: 10_000,
  /** Pause between reconnection attempts. */
  reconnectDelayMs: 250,
  /** Wait this long for the connection, then this long for the HELLO_ACK. */
  helloTimeoutMs: 2000,
  /** Send the HELLO again when unanswered for this long (within helloTimeoutMs). */
  helloRetryMs: 200,
  /** Smallest retransmission timeout of a command. */
  minRetryMs: 5,
  /** Retransmission timeout before the first round trip is measured. */
  initialRetryMs: 50,
  /** Shortest pause between two checks whether a heartbeat is due. */
  minHeartbeatCheckMs: 5,
} as const;
