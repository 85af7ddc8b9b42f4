/**
 * The retransmission timeout of a command from the measured round trip, as TCP does (RFC 6298):
 * a smoothed round-trip time and its variation, the timeout srtt + 4·rttvar within [min, max].
 * Only answers to commands sent once are measured (an answer to a resent command is ambiguous).
 */
export class RttEstimator {
  private srtt = 0;
  private rttvar = 0;
  private measured = false;

  constructor(
    /** Bounds of the timeout, ms. */
    readonly minMs: number,
    readonly maxMs: number,
    /** The timeout before the first measurement, ms (at most maxMs). */
    readonly initialMs: number,
  ) {}

  /** The smoothed round-trip time, ms (0 before the first measurement). */
  get roundTripMs(): number {
    return this.srtt;
  }

  /** Takes one measured round trip, ms. */
  sample(ms: number): void {
    if (!this.measured) {
      this.srtt = ms;
      this.rttvar = ms / 2;
      this.measured = true;
    } else {
      this.rttvar = 0.75 * this.rttvar + 0.25 * Math.abs(this.srtt - ms);
      this.srtt = 0.875 * this.srtt + 0.125 * ms;
    }
  }

  /** How long to wait for an answer before sending a command again, ms. */
  timeout(): number {
    if (!this.measured) return Math.min(this.maxMs, this.initialMs);
    return Math.max(this.minMs, Math.min(this.maxMs, this.srtt + 4 * this.rttvar));
  }

  /** The timeout after another unanswered try: doubled, at most maxMs. */
  backOff(ms: number): number {
    return Math.min(ms * 2, this.maxMs);
  }
}
