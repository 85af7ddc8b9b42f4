/** Per-step values that the log keeps (every `logEvery` steps), followed by one weight distance per layer. */
export const LOG_COLUMNS = [
  'step',
  'error',
  'errorEma',
  'reflexCommand',
  'networkCommand',
  'x',
  'y',
  'theta',
  'relevance',
  'lostLine',
] as const;

/**
 * The index of each log column in a row (`row[LOG_COLUMN.error]`); the weight distances follow, one
 * per layer, from `LOG_COLUMN.weightDistance` on.
 */
export const LOG_COLUMN = {
  step: 0,
  error: 1,
  errorEma: 2,
  reflexCommand: 3,
  networkCommand: 4,
  x: 5,
  y: 6,
  theta: 7,
  relevance: 8,
  lostLine: 9,
  weightDistance: 10,
} as const satisfies Record<(typeof LOG_COLUMNS)[number] | 'weightDistance', number>;

/**
 * Most rows a log keeps in memory (the plots need no more). A longer run thins what it keeps (every
 * second row, then every fourth, ...), so memory stays bounded; the full log is streamed to a file
 * through `Simulation.logSink` (see `sarlab run`).
 */
export const MAX_LOG_ROWS = 100_000;

/**
 * Most rows `log.csv` gets, however long the run (a row of the default five-layer network takes
 * about 150 bytes, so the file stays under about 150 MB; each layer adds about 10 bytes a row).
 */
export const MAX_LOG_FILE_ROWS = 1_000_000;

/**
 * How many logged rows (one every `logEvery` steps) make one row of `log.csv`: 1 while the budget's
 * rows fit in `maxRows`, else the smallest power of two that makes them fit. A longer budget thus
 * gets a sparser file (every 2nd logged row, every 4th, ...), never a larger one.
 */
export function logFileStride(steps: number, logEvery: number, maxRows = MAX_LOG_FILE_ROWS): number {
  // Learning steps t = 0 .. steps - 1 are logged when t % logEvery === 0.
  const rows = Math.floor((Math.max(1, steps) - 1) / logEvery) + 1;
  let stride = 1;
  while (Math.ceil(rows / stride) > maxRows) stride *= 2;
  return stride;
}

/**
 * A log sink for the file: passes on every `logFileStride(...)`-th row offered (the first one
 * included), so that a run of `steps` steps writes at most `maxRows` rows.
 */
export function boundedLogSink(
  steps: number,
  logEvery: number,
  write: (row: Float64Array) => void,
  maxRows = MAX_LOG_FILE_ROWS,
): (row: Float64Array) => void {
  const stride = logFileStride(steps, logEvery, maxRows);
  let offered = 0;
  return (row) => {
    if (offered++ % stride === 0) write(row);
  };
}

/** A columnar per-step log in preallocated arrays, bounded to MAX_LOG_ROWS rows (thinned evenly beyond). */
export class StepLog {
  readonly columns: string[];
  readonly data: Float64Array[];
  rows = 0;
  /** Every `stride`-th row offered is kept (1 until the log is full, then 2, 4, ...). */
  stride = 1;
  private offered = 0;

  constructor(layers: number, capacity: number, maxRows = MAX_LOG_ROWS) {
    this.columns = [...LOG_COLUMNS, ...Array.from({ length: layers }, (_, l) => `weightDistance${l + 1}`)];
    const rows = Math.max(2, Math.min(capacity, maxRows));
    this.data = this.columns.map(() => new Float64Array(rows));
  }

  /** The logged values of one column (e.g. `step`, `e`, `x`), one per logged step. */
  column(name: string): Float64Array {
    const k = this.columns.indexOf(name);
    if (k < 0) throw new Error(`no log column ${name}`);
    return this.data[k].subarray(0, this.rows);
  }

  /** Offers one row (one value per column); kept if it falls on the stride, thinning the log when full. */
  push(row: Float64Array): void {
    const k = this.offered++;
    if (k % this.stride !== 0) return;
    if (this.rows >= this.data[0].length) {
      this.thin();
      if (k % this.stride !== 0) return;
    }
    const r = this.rows;
    for (let c = 0; c < this.data.length; c++) this.data[c][r] = row[c];
    this.rows = r + 1;
  }

  /** Keeps every second row and doubles the stride. */
  private thin(): void {
    const kept = Math.ceil(this.rows / 2);
    for (const column of this.data) for (let i = 0; i < kept; i++) column[i] = column[2 * i];
    this.rows = kept;
    this.stride *= 2;
  }

  /** The CSV header line (with its newline). */
  csvHeader(): string {
    return `${this.columns.join(',')}\n`;
  }

  /** One CSV line (with its newline) of a row of values. */
  static csvLine(row: ArrayLike<number>): string {
    let line = formatNumber(row[0]);
    for (let c = 1; c < row.length; c++) line += `,${formatNumber(row[c])}`;
    return `${line}\n`;
  }

  /** The log as CSV text, a header line first (what `log.csv` holds). */
  toCSV(): string {
    const lines = [this.columns.join(',')];
    for (let r = 0; r < this.rows; r++) lines.push(this.data.map((c) => formatNumber(c[r])).join(','));
    return `${lines.join('\n')}\n`;
  }
}

function formatNumber(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toPrecision(8).replace(/\.?0+$/, '');
}
