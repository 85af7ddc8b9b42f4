// Live charts of one agent (uPlot), fed from the logged rows the worker streams.
import uPlot from 'uplot';
import { MARK_COLOURS, OKABE_ITO } from '../../src/util/palette.js';

/** Growable columns of one agent's logged rows. */
export class Series {
  columns: Float64Array[];
  length = 0;

  constructor(
    readonly names: string[],
    capacity = 1024,
  ) {
    this.columns = names.map(() => new Float64Array(capacity));
  }

  column(name: string): Float64Array {
    const k = this.names.indexOf(name);
    return this.columns[k].subarray(0, this.length);
  }

  append(rows: Float64Array[]): void {
    const n = rows[0]?.length ?? 0;
    if (n === 0) return;
    if (this.length + n > this.columns[0].length) {
      const capacity = Math.max(2 * this.columns[0].length, this.length + n);
      this.columns = this.columns.map((c) => {
        const grown = new Float64Array(capacity);
        grown.set(c.subarray(0, this.length));
        return grown;
      });
    }
    for (let k = 0; k < this.columns.length; k++) this.columns[k].set(rows[k], this.length);
    this.length += n;
  }
}

/** Points per chart series; more rows are thinned for drawing. */
const MAX_POINTS = 1500;

/** Every `stride`-th value, or with `peak` the largest |value| of each block of `stride`. */
function thin(column: Float64Array, stride: number, m: number, peak: boolean): Float64Array {
  if (stride === 1 && !peak) return column;
  const out = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    if (!peak) {
      out[i] = column[i * stride];
      continue;
    }
    let best = 0;
    const end = Math.min(column.length, (i + 1) * stride);
    for (let k = i * stride; k < end; k++) best = Math.max(best, Math.abs(column[k]));
    out[i] = best;
  }
  return out;
}

const LAYER_COLOURS = [
  OKABE_ITO.blue,
  OKABE_ITO.bluishGreen,
  OKABE_ITO.orange,
  OKABE_ITO.reddishPurple,
  OKABE_ITO.skyBlue,
  OKABE_ITO.vermillion,
  OKABE_ITO.black,
  OKABE_ITO.yellow,
];

/** Horizontal reference lines of the |e| chart: the reflex alone and the success threshold. */
export interface Levels {
  baseline: number | null;
  threshold: number;
}

interface ChartSpec {
  title: string;
  series: { label: string; stroke: string; column: string; transform?: 'abs' }[];
  levels?: Levels;
}

function chartSpecs(layers: number, levels: Levels, colour: string): ChartSpec[] {
  const specs: ChartSpec[] = [
    {
      title: '|e|, its average, the reflex alone (grey dashes) and the success threshold (green dashes)',
      series: [
        { label: '|e|', stroke: MARK_COLOURS.raw, column: 'error', transform: 'abs' },
        { label: 'average', stroke: colour, column: 'errorEma' },
      ],
      levels,
    },
    {
      title: 'relevance ρ (SaR; the other rules are not modulated: 1)',
      series: [{ label: 'relevance', stroke: OKABE_ITO.reddishPurple, column: 'relevance' }],
    },
    {
      title: 'motor command',
      series: [
        { label: 'reflex', stroke: MARK_COLOURS.reflex, column: 'reflexCommand' },
        { label: 'network', stroke: colour, column: 'networkCommand' },
      ],
    },
  ];
  if (layers > 0) {
    specs.push({
      title: 'weight distance from the start, per layer',
      series: Array.from({ length: layers }, (_, l) => ({
        label: `layer ${l + 1}`,
        stroke: LAYER_COLOURS[l % LAYER_COLOURS.length],
        column: `weightDistance${l + 1}`,
      })),
    });
  }
  return specs;
}

/** The charts of one agent. */
export class AgentCharts {
  private readonly plots: { plot: uPlot; spec: ChartSpec }[] = [];

  constructor(
    container: HTMLElement,
    layers: number,
    levels: Levels,
    colour: string,
    private width: number,
    /** Racing agents share it: their |e| charts then have one y-scale, the larger of their peaks. */
    private readonly shared: { max: number } = { max: 0 },
  ) {
    container.replaceChildren();
    for (const spec of chartSpecs(layers, levels, colour)) {
      const holder = document.createElement('div');
      holder.className = 'chart';
      holder.dataset.testid = 'chart';
      container.append(holder);
      const options: uPlot.Options = {
        title: spec.title,
        width,
        height: 130,
        legend: { live: false },
        cursor: { show: false },
        scales: {
          x: { time: false },
          // The |e| chart always shows its reference lines.
          ...(spec.levels
            ? {
                y: {
                  range: (_u: uPlot, _min: number, max: number): uPlot.Range.MinMax => [
                    0,
                    Math.max(
                      Number.isFinite(max) ? max : 0,
                      shared.max,
                      1.15 * (spec.levels!.baseline ?? 0),
                      1e-3,
                    ),
                  ],
                },
              }
            : {}),
        },
        axes: [{ size: 28 }, { size: 46 }],
        series: [
          { label: 'step' },
          ...spec.series.map((s) => ({ label: s.label, stroke: s.stroke, width: 1.2 })),
        ],
        hooks: spec.levels ? { draw: [(u: uPlot) => drawLevels(u, spec.levels!)] } : {},
      };
      const empty: uPlot.AlignedData = [[], ...spec.series.map(() => [])];
      this.plots.push({ plot: new uPlot(options, empty, holder), spec });
    }
  }

  /** Redraws from the logged rows, thinned to at most MAX_POINTS per series (peaks of |e| kept). */
  update(series: Series): void {
    const n = series.length;
    const stride = Math.max(1, Math.ceil(n / MAX_POINTS));
    const m = Math.ceil(n / stride);
    const step = thin(series.column('step'), stride, m, false);
    for (const entry of this.plots) {
      const data: uPlot.AlignedData = [
        step,
        ...entry.spec.series.map((s) => thin(series.column(s.column), stride, m, s.transform === 'abs')),
      ];
      if (entry.spec.levels) {
        for (let k = 1; k < data.length; k++)
          for (const v of data[k] as Float64Array) if (v > this.shared.max) this.shared.max = v;
      }
      entry.plot.setData(data);
    }
  }

  resize(width: number): void {
    if (width === this.width) return;
    this.width = width;
    for (const { plot } of this.plots) plot.setSize({ width, height: 130 });
  }

  destroy(): void {
    for (const { plot } of this.plots) plot.destroy();
    this.plots.length = 0;
  }
}

/** Dashed lines for the reflex baseline (grey) and the success threshold (green), labelled. */
export function drawLevels(u: uPlot, levels: Levels): void {
  // The top of the y-scale drawn, for a look from outside (racing agents share it).
  (u.root.parentElement as HTMLElement).dataset.yMax = String(u.scales.y.max);
  const ctx = u.ctx;
  const lines: [number | null, string, string][] = [
    [levels.baseline, MARK_COLOURS.reflex, 'reflex alone'],
    [Number.isFinite(levels.threshold) ? levels.threshold : null, MARK_COLOURS.success, 'threshold'],
  ];
  ctx.save();
  ctx.setLineDash([5, 4]);
  ctx.lineWidth = 1.5 * devicePixelRatio;
  ctx.font = `${10 * devicePixelRatio}px system-ui, sans-serif`;
  ctx.textAlign = 'right';
  ctx.textBaseline = 'bottom';
  for (const [value, colour, label] of lines) {
    if (value === null) continue;
    const y = u.valToPos(value, 'y', true);
    if (!Number.isFinite(y) || y < u.bbox.top || y > u.bbox.top + u.bbox.height) continue;
    ctx.strokeStyle = colour;
    ctx.beginPath();
    ctx.moveTo(u.bbox.left, y);
    ctx.lineTo(u.bbox.left + u.bbox.width, y);
    ctx.stroke();
    ctx.fillStyle = colour;
    ctx.fillText(label, u.bbox.left + u.bbox.width - 4, y - 2);
  }
  ctx.restore();
}
