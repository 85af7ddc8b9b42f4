/**
 * The authors' success criterion (enkiSimulator `examples/line_follower/run.cpp` at commit 2f6c0cc,
 * lines 72, 206–207 and 308–323): the sum of |e| over the last 200 steps (this one included) must be
 * below 0.1, on 200 steps running, counted from step 201 on; learning "was achieved at" the step where
 * that streak began. With e = 50 · (L − R) this asks for |e| summing to under 0.1 over 200 steps:
 * practically e = 0, both error sensors reading the same floor, for 400 steps. Their simulator
 * stops there; here the run goes on, and only the first success counts. A line loss (the robot put
 * back at the start) ends a streak, as it ends one of sarlab's criterion.
 */
export class AuthorsCriterion {
  /** The step at which the first successful streak began, or null. */
  stepsToSuccess: number | null = null;
  private readonly recent = new Float64Array(200);
  private filled = 0;
  private head = 0;
  private steps = 0;
  private streak = 0;

  /** Their window of |e| and the streak it must hold (200 steps each). */
  static readonly WINDOW = 200;
  /** Their threshold on the windowed sum of |e|. */
  static readonly THRESHOLD = 0.1;

  get success(): boolean {
    return this.stepsToSuccess !== null;
  }

  /**
   * The robot lost the line and was put back: a streak in progress does not count. (Their robot is
   * never put back; one that leaves the line reads e = 0 from then on, which their criterion counts
   * as success. docs/authors-setting.md.)
   */
  lineLost(): void {
    this.streak = 0;
  }

  /** Records the error of one step. */
  record(error: number): void {
    const n = AuthorsCriterion.WINDOW;
    this.recent[this.head] = Math.abs(error);
    this.head = (this.head + 1) % n;
    if (this.filled < n) this.filled++;
    // Summed oldest first, as their std::accumulate over the circular buffer does.
    let sum = 0;
    const start = this.filled < n ? 0 : this.head;
    for (let k = 0; k < this.filled; k++) sum += this.recent[(start + k) % n];
    this.steps++;
    if (this.steps <= n) return;
    if (sum < AuthorsCriterion.THRESHOLD) {
      this.streak++;
      if (this.streak === n && this.stepsToSuccess === null) this.stepsToSuccess = this.steps - this.streak;
    } else {
      this.streak = 0;
    }
  }
}
