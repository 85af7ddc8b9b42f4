import { join } from 'node:path';
import type { RunSummary, Simulation } from '../run/simulation.js';
import { prettyJson } from '../util/json.js';
import { type AtomicFileStream, writeFileAtomic } from './files.js';
import { encodeTexturePng } from './pngTrack.js';
import { provenance } from './provenance.js';

/** The files a run wrote. */
export interface RunOutputFiles {
  summary: string;
  log: string;
  /** The plot as SVG (a PNG beside it), or null when no plot was drawn. */
  plot: string | null;
}

/**
 * Writes what `sarlab run` writes for a finished simulation: `summary.json`, the per-step `log.csv`
 * and, with `plot`, `plot.svg` and `plot.png` (which need the optional packages vega, vega-lite and
 * @resvg/resvg-js). Each file is written atomically. With a log stream (the CLI streams the full
 * log as the run goes) the stream is committed as `log.csv`; without one, the log kept in memory is
 * written. `summary` defaults to the simulation's own; one without provenance gets it first, as of a
 * run started at `startedAt` (a `Date.now()` value; default: this process's start). The one writer of
 * a run's outputs: `sarlab run`, in the simulator and on a robot, writes through it.
 * @example
 * const simulation = new Simulation(parseRunConfig({ seed: 2 }));
 * simulation.runToEnd();
 * const files = await writeRunOutputs('runs/mine', simulation, { plot: true });
 */
export async function writeRunOutputs(
  out: string,
  simulation: Simulation,
  options: { plot?: boolean; summary?: RunSummary; logStream?: AtomicFileStream; startedAt?: number } = {},
): Promise<RunOutputFiles> {
  const summary: RunSummary = options.summary ?? simulation.summary();
  summary.provenance ??= provenance(summary.config, options.startedAt ?? Math.round(performance.timeOrigin));
  const files: RunOutputFiles = { summary: join(out, 'summary.json'), log: join(out, 'log.csv'), plot: null };
  if (options.logStream) options.logStream.commit();
  else writeFileAtomic(files.log, simulation.log.toCSV());
  if (options.plot) {
    const [{ svgToPng, vegaLiteToSvg }, { runPlotSpec }] = await Promise.all([
      import('../plot/render.js'),
      import('../plot/runPlot.js'),
    ]);
    const track = simulation.parts.track;
    const image = `data:image/png;base64,${encodeTexturePng(track.texture.downsample(400)).toString('base64')}`;
    const svg = await vegaLiteToSvg(runPlotSpec(track, simulation.log, summary, image));
    files.plot = join(out, 'plot.svg');
    writeFileAtomic(files.plot, svg);
    writeFileAtomic(join(out, 'plot.png'), svgToPng(svg));
  }
  writeFileAtomic(files.summary, `${prettyJson(summary)}\n`);
  return files;
}
