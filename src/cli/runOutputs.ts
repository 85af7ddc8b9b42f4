import { join } from 'node:path';
import { AtomicFileStream } from '../node/files.js';
import { type RunOutputFiles, writeRunOutputs as writeOutputs } from '../node/runOutputs.js';
import { baselineGainOf, type RunConfig } from '../run/config.js';
import { type RunSummary, type Simulation, StepLog } from '../run/simulation.js';
import { boundedLogSink } from '../run/stepLog.js';

/*
 * What a finished run leaves behind, shared by `sarlab run` in the simulator and on a robot: the
 * output folder's default name, the streamed log, the files and the console summary.
 */

export function defaultOutDir(config: RunConfig): string {
  const track = config.track
    .replace(/^.*[\\/]/, '')
    .replace(/\.png$/i, '')
    .replace(/[^A-Za-z0-9_.-]+/g, '-');
  return join('runs', `${track}-${config.rule}-seed${config.seed}`);
}

/**
 * Streams the per-step log to `out/log.csv` as the run goes (a long run never holds it in memory):
 * a row every `logEvery` steps, thinned to at most MAX_LOG_FILE_ROWS rows for a long budget (see
 * `logFileStride`); the file appears, atomically, when the stream is committed at the end.
 */
export function streamLog(simulation: Simulation, out: string): AtomicFileStream {
  const stream = new AtomicFileStream(join(out, 'log.csv'));
  stream.write(simulation.log.csvHeader());
  const { steps, logEvery } = simulation.config;
  simulation.logSink = boundedLogSink(steps, logEvery, (row) => stream.write(StepLog.csvLine(row)));
  return stream;
}

/** The files a run wrote. */
export type RunFiles = RunOutputFiles;

/** Writes summary.json, log.csv and the plot (SVG and PNG), each atomically (see `writeRunOutputs` of sarlab/node). */
export function writeRunOutputs(
  out: string,
  simulation: Simulation,
  summary: RunSummary,
  plot: boolean,
  logStream?: AtomicFileStream,
): Promise<RunFiles> {
  return writeOutputs(out, simulation, { plot, summary, logStream });
}

export function printSummary(summary: RunSummary, files: RunFiles): void {
  const c = summary.config;
  const baseline = summary.reflexMeanAbsError;
  const threshold = baseline === null ? null : c.success.threshold * baseline;
  const window = Math.max(c.success.window, summary.lapSteps);
  const relative = (value: number | null) =>
    value === null ? '' : ` (${(100 * value).toFixed(0)} % of the reflex)`;
  const criterion =
    threshold === null
      ? 'no reflex baseline, so no success criterion'
      : `|e| average below ${threshold.toFixed(4)} = ${c.success.threshold} × baseline for ${window} steps with the line in sight`;
  const e = summary.evaluation;
  const lines = [
    '',
    `sarlab run: ${summary.rule} on track ${summary.track}, seed ${summary.seed}`,
    `  network         ${summary.rule === 'reflex' ? 'off (reflex only)' : `${c.network.layers.join('-')} ${c.network.activation}, η = ${c.learningRate}, inputs ${c.world.inputs} (${c.world.predictors})`}`,
    `  reflex baseline ${baseline === null ? 'unknown' : `mean |e| ${baseline.toFixed(4)} (the reflex alone at gain ${baselineGainOf(c)}, same track, world and seed)`}`,
    `  success         ${summary.success ? `yes, at step ${summary.stepsToSuccess} (${criterion})` : `no (${criterion})`}`,
    summary.authors
      ? `  their criterion ${summary.authors.success ? `yes, at step ${summary.authors.stepsToSuccess}` : 'no'} (the authors': Σ|e| over 200 steps < 0.1 for 200 steps, after step 200)`
      : '',
    `  mean |e|        first 2000 steps ${summary.meanAbsErrorFirst.toFixed(4)}, last 2000 steps ${summary.meanAbsErrorLast.toFixed(4)}`,
    `  relative error  ${summary.relativeError === null ? 'unknown' : `${summary.relativeError.toFixed(3)} (last 2000 steps / reflex baseline)`}`,
    summary.rule === 'reflex'
      ? ''
      : `  frozen          ${e ? `mean |e| ${e.meanAbsError.toFixed(4)}${relative(e.relativeError)} over ${e.steps} steps from the start with the weights frozen, line lost ${e.lostLine} times` : 'not evaluated'}`,
    `  line lost       ${summary.lostLine} times`,
    `  steps           ${summary.steps} (${summary.stopReason}) in ${summary.wallSeconds.toFixed(2)} s`,
    summary.weightDistance.length
      ? `  weight change   ${summary.weightDistance.map((d) => d.toFixed(2)).join(' ')} (per layer, from the initial weights)`
      : '',
    `  summary         ${files.summary}`,
    `  log             ${files.log}`,
    files.plot ? `  plot            ${files.plot}` : '',
    '',
  ];
  process.stdout.write(lines.filter((l) => l !== '').join('\n') + '\n');
}
