/** What every bench section receives. */
export interface BenchContext {
  /** Shorter runs (fewer samples), for a quick look or a smoke test. */
  readonly quick: boolean;
  /** Time budget of one measured task, ms. */
  readonly taskTime: number;
  /** Progress and notes go to stderr, so that `--json` keeps stdout to one JSON object. */
  log(message: string): void;
  /** Notes that end up in the report (e.g. a baseline that was skipped and why). */
  note(message: string): void;
  /** A git-ignored folder for build products (the C baseline, the heap probe). */
  readonly outDir: string;
  /** The root of the repository. */
  readonly root: string;
}

/**
 * One part of the benchmark. `run` returns a partial report that is deep-merged into the final JSON
 * object (e.g. `{ closedLoop: { rows: {...} } }`), so that sections stay independent of each other.
 */
export interface BenchSection {
  readonly name: string;
  run(context: BenchContext): Promise<Record<string, unknown>>;
}

/** A throughput measurement: the median over repeated samples, and how much the samples spread. */
export interface Throughput {
  /** Median steps per second over the samples. */
  stepsPerSec: number;
  /** 25th and 75th percentiles of the samples' steps per second. */
  p25: number;
  p75: number;
  /** Interquartile range relative to the median, percent. */
  spreadPercent: number;
  samples: number;
  /** Steps timed per sample. */
  stepsPerSample: number;
}
