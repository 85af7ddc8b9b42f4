// The race: both agents' |e| averages on one chart, on one x-axis (steps) and one y-scale, with the
// reflex alone and the success threshold (the same for both: same track, seed and judging gain).
import uPlot from 'uplot';
import type { AgentPanel } from './agentPanel.js';
import { drawLevels, type Levels } from './charts.js';

/** Points per series drawn; more rows are thinned (every stride-th row of both agents alike). */
const MAX_POINTS = 1500;
const HEIGHT = 170;

/** The overlaid |e| chart of two racing agents. */
export class RaceChart {
  private plot: uPlot | null = null;
  private key = '';
  private levels: Levels = { baseline: null, threshold: Number.NaN };

  constructor(private readonly holder: HTMLElement) {}

  /** Redraws from both agents' logged rows; builds the chart anew when the agents' runs changed. */
  update(agents: AgentPanel[]): void {
    const [a, b] = agents;
    if (!a?.series || !b?.series || !a.layout || !b.layout) return;
    const key = `${a.run}:${a.colour}:${b.colour}`;
    const width = Math.max(200, Math.floor(this.holder.clientWidth || 400));
    if (key !== this.key || !this.plot) {
      this.destroy();
      this.key = key;
      this.levels = { baseline: a.layout.baseline, threshold: a.layout.threshold };
      const label = (agent: AgentPanel) => agent.fields['agent-title'].textContent ?? agent.id;
      const levels = this.levels;
      this.plot = new uPlot(
        {
          title:
            '|e| average of both agents, one scale (dashes: the reflex alone, grey; the success threshold, green)',
          width,
          height: HEIGHT,
          legend: { live: false },
          cursor: { show: false },
          scales: {
            x: { time: false },
            y: {
              range: (_u: uPlot, _min: number, max: number): uPlot.Range.MinMax => [
                0,
                Math.max(Number.isFinite(max) ? max : 0, 1.15 * (levels.baseline ?? 0), 1e-3),
              ],
            },
          },
          axes: [{ size: 28 }, { size: 46 }],
          series: [
            { label: 'step' },
            { label: label(a), stroke: a.colour, width: 1.6, scale: 'y' },
            { label: label(b), stroke: b.colour, width: 1.6, scale: 'y' },
          ],
          hooks: { draw: [(u: uPlot) => drawLevels(u, levels)] },
        },
        [[], [], []],
        this.holder,
      );
      this.holder.dataset.series = [a.colour, b.colour].join(' ');
    } else if (this.plot.width !== width) {
      this.plot.setSize({ width, height: HEIGHT });
    }
    // Both log a row every logEvery steps from step 0: row i is the same step for both.
    const n = Math.max(a.series.length, b.series.length);
    const stride = Math.max(1, Math.ceil(n / MAX_POINTS));
    const m = Math.ceil(n / stride);
    const longer = a.series.length >= b.series.length ? a.series : b.series;
    const step = longer.column('step');
    const x = new Float64Array(m);
    const ya: (number | null)[] = new Array(m);
    const yb: (number | null)[] = new Array(m);
    const ea = a.series.column('errorEma');
    const eb = b.series.column('errorEma');
    for (let i = 0; i < m; i++) {
      const r = i * stride;
      x[i] = step[r];
      ya[i] = r < ea.length ? ea[r] : null;
      yb[i] = r < eb.length ? eb[r] : null;
    }
    this.plot.setData([x, ya, yb]);
    this.holder.dataset.scales = Object.keys(this.plot.scales).sort().join(' ');
    this.holder.dataset.rows = String(n);
  }

  destroy(): void {
    this.plot?.destroy();
    this.plot = null;
    this.key = '';
    this.holder.replaceChildren();
  }
}
