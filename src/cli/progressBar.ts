/**
 * A one-line progress bar for a terminal, with the small part of the `cli-progress` interface that
 * the commands use (a dependency of five packages for a line of text was not worth it). Format
 * tokens: {bar} {percentage} {value} {total} {duration_formatted} {eta_formatted} and any payload key.
 */
export interface ProgressBarOptions {
  format: string;
  stream: NodeJS.WriteStream;
  hideCursor?: boolean;
  /** Redraws per second at most (default 10). */
  fps?: number;
  /** Width of the bar in characters (default 40). */
  barSize?: number;
}

type Payload = Record<string, string | number>;

export class SingleBar {
  private total = 0;
  private value = 0;
  private payload: Payload = {};
  private started = 0;
  private lastDraw = -Infinity;
  private active = false;

  constructor(
    private readonly options: ProgressBarOptions,
    _preset?: unknown,
  ) {}

  start(total: number, value: number, payload: Payload = {}): void {
    this.total = total;
    this.value = value;
    this.payload = { ...payload };
    this.started = performance.now();
    this.active = true;
    if (this.options.hideCursor) this.options.stream.write('\u001b[?25l');
    this.draw(true);
  }

  update(value: number, payload: Payload = {}): void {
    this.value = value;
    Object.assign(this.payload, payload);
    this.draw(false);
  }

  setTotal(total: number): void {
    this.total = total;
  }

  stop(): void {
    if (!this.active) return;
    this.draw(true);
    this.active = false;
    this.options.stream.write(`\n${this.options.hideCursor ? '\u001b[?25h' : ''}`);
  }

  /** The line as it is drawn now (without the carriage return). */
  render(now = performance.now()): string {
    const fraction = this.total > 0 ? Math.min(1, Math.max(0, this.value / this.total)) : 0;
    const size = this.options.barSize ?? 40;
    const full = Math.round(fraction * size);
    const elapsed = (now - this.started) / 1000;
    const eta =
      this.value > 0 && this.value < this.total ? (elapsed * (this.total - this.value)) / this.value : 0;
    const tokens: Payload = {
      bar: '\u2588'.repeat(full) + '\u2591'.repeat(size - full),
      percentage: Math.floor(fraction * 100),
      value: this.value,
      total: this.total,
      duration_formatted: formatSeconds(elapsed),
      eta_formatted: this.value > 0 ? formatSeconds(eta) : '-',
      ...this.payload,
    };
    return this.options.format.replace(/\{(\w+)\}/g, (whole, key: string) =>
      key in tokens ? String(tokens[key]) : whole,
    );
  }

  private draw(force: boolean): void {
    if (!this.active) return;
    const now = performance.now();
    if (!force && now - this.lastDraw < 1000 / (this.options.fps ?? 10)) return;
    this.lastDraw = now;
    this.options.stream.write(`\r${this.render(now)}\u001b[K`);
  }
}

/** The presets of `cli-progress` that the commands name; the look is fixed here. */
export const Presets = { shades_classic: {} } as const;

/** 42s, 3m07s, 1h05m. */
export function formatSeconds(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (h > 0) return `${h}h${String(m).padStart(2, '0')}m`;
  if (m > 0) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${s}s`;
}
