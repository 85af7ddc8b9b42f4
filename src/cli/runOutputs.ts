import { join } from 'node:path';
import { AtomicFileStream } from '../node/files.js';
import type { RunOutputFiles } from '../node/runOutputs.js';
import { flatten } from '../report/conditions.js';
import { baselineGainOf, parseRunConfig, type RunConfig } from '../run/config.js';
import { type RunSummary, type Simulation, StepLog } from '../run/simulation.js';
import { boundedLogSink } from '../run/stepLog.js';
import { FLAG_OF_FIELD } from './runOptions.js';

/*
 * What a finished run leaves behind, shared by `sarlab run` in the simulator and on a robot: the
 * output folder's default name, the streamed log and the console summary (the files are written by
 * `writeRunOutputs` of sarlab/node).
 */

/** Short names of configuration fields in folder names (else the flag's name, else the field's). */
const SHORT_NAME: Record<string, string> = {
  learningRate: 'lr',
  'network.layers': 'layers',
  'network.activation': 'act',
  'success.threshold': 'threshold',
};
/** Longest part of a folder name that lists what differs from the defaults. */
const MAX_DIFF_CHARS = 60;

/**
 * The default output folder of a run: `runs/<track>-<rule>-seed<seed>`, then what else differs from
 * the defaults (of the preset, when one is named), short and filesystem-safe, e.g.
 * `runs/default-sar-seed1-layers10.10.1-lr0.01`. Past about 60 characters the rest is counted
 * (`-and-3-more`); `freshRunDir` still never overwrites.
 */
export function defaultOutDir(config: RunConfig): string {
  const safe = (text: string) => text.replace(/[^A-Za-z0-9_.-]+/g, '-');
  const track = safe(config.track.replace(/^.*[\\/]/, '').replace(/\.png$/i, ''));
  const base = flatten(parseRunConfig(config.preset === undefined ? {} : { preset: config.preset }));
  const parts: string[] = config.preset === undefined ? [] : [`preset-${config.preset}`];
  for (const [path, value] of Object.entries(flatten(config))) {
    if (['track', 'rule', 'seed', 'preset'].includes(path)) continue;
    if (JSON.stringify(value) === JSON.stringify(base[path])) continue;
    const name = SHORT_NAME[path] ?? FLAG_OF_FIELD[path]?.replace(/^--/, '') ?? path;
    const text = Array.isArray(value) ? value.join('.') : String(value);
    parts.push(safe(`${name}${text}`).replace(/^-+|-+$/g, ''));
  }
  let diff = '';
  for (let i = 0; i < parts.length; i++) {
    const next = `${diff}-${parts[i]}`;
    if (next.length > MAX_DIFF_CHARS) {
      diff += `-and-${parts.length - i}-more`;
      break;
    }
    diff = next;
  }
  return join('runs', `${track}-${config.rule}-seed${config.seed}${diff}`);
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

/** Prints the run's summary and every file it wrote (the model file too, when one was saved). */
export function printSummary(summary: RunSummary, files: RunOutputFiles & { model?: string }): void {
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
    threshold === null
      ? ''
      : `  longest streak  ${summary.longestStreakBelowThreshold} of the ${window} steps needed under the threshold${summary.longestStreakBelowThreshold > 0 ? ` (steps ${summary.longestStreakEnd - summary.longestStreakBelowThreshold}–${summary.longestStreakEnd - 1})` : ''}`,
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
    files.plot ? `  plot            ${files.plot}, ${files.plot.replace(/\.svg$/, '.png')}` : '',
    files.model ? `  model           ${files.model}` : '',
    '',
  ];
  process.stdout.write(lines.filter((l) => l !== '').join('\n') + '\n');
}
