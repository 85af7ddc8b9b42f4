import type { GridPoint } from '../sweep/grid.js';

/**
 * The time a sweep has left, from the measured wall time of the runs it has done. Runs differ a lot
 * (one that succeeds early stops early, one that never does runs the whole budget, a deep network
 * is slower), so the rate of finished runs says little about the runs still to do: each run left is
 * predicted by the mean time of the finished runs most like it (same rule, depth, inputs, track,
 * relevance and learning rate; else the same but any learning rate). A run unlike any finished one
 * is assumed to take its whole step budget, at the measured time per step of runs of its depth and
 * inputs (else of any run): an estimate that errs long rather than short. The sum is shared among
 * the workers.
 */
export class SweepEta {
  private readonly points = new Map<string, GridPoint>();
  private readonly remaining = new Set<string>();
  private readonly measured = new Map<string, { seconds: number; runs: number; steps: number }>();

  /** `todo`: the runs this sweep will do; `workers`: how many run at once; `budget`: steps per run at most. */
  constructor(
    todo: GridPoint[],
    private readonly workers: number,
    private readonly budget: number,
  ) {
    for (const p of todo) {
      this.points.set(p.key, p);
      this.remaining.add(p.key);
    }
  }

  /** A finished run: its key, measured wall time and the steps it ran. */
  record(key: string, wallSeconds: number, steps: number): void {
    const point = this.points.get(key);
    if (!point || !this.remaining.delete(key)) return;
    if (!Number.isFinite(wallSeconds) || wallSeconds < 0 || !(steps > 0)) return;
    for (const group of groupsOf(point)) {
      const m = this.measured.get(group) ?? { seconds: 0, runs: 0, steps: 0 };
      m.seconds += wallSeconds;
      m.runs += 1;
      m.steps += steps;
      this.measured.set(group, m);
    }
  }

  /** Seconds left, or null before the first run has finished. */
  seconds(): number | null {
    if (this.remaining.size === 0) return 0;
    if (!this.measured.has('*')) return null;
    let total = 0;
    for (const key of this.remaining) {
      const [exact, setting, shape, any] = groupsOf(this.points.get(key)!).map((g) => this.measured.get(g));
      const like = exact ?? setting;
      if (like) total += like.seconds / like.runs;
      else {
        const rate = (shape ?? any)!;
        total += (rate.seconds / rate.steps) * this.budget;
      }
    }
    return total / Math.max(1, Math.min(this.workers, this.remaining.size));
  }
}

function groupsOf(p: GridPoint): string[] {
  const shape = `${p.depth}|${p.inputs}`;
  const setting = `${p.rule}|${shape}|${p.track}|${p.relevance}`;
  return [`${setting}|${p.learningRate}`, setting, shape, '*'];
}
