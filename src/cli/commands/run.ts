import type { Command } from 'commander';
import { type AtomicFileStream, checkOutputFile, checkOutputFolder } from '../../node/files.js';
import { loadModel, saveModel } from '../../node/modelFile.js';
import { resolveConfiguredTrack } from '../../node/pngTrack.js';
import { writeRunOutputs } from '../../node/runOutputs.js';
import { plotPackagesMissing } from '../../plot/render.js';
import type { RunConfig } from '../../run/config.js';
import { reconcileModelConfig } from '../../run/modelConfig.js';
import { Simulation } from '../../run/simulation.js';
import { describeValue, OutputError, ValidationError } from '../../util/errors.js';
import { EXIT_FAILURE, EXIT_INTERRUPTED } from '../errors.js';
import { onInterrupt } from '../interrupt.js';
import { freshRunDir } from '../outDir.js';
import * as cliProgress from '../progressBar.js';
import { addRunOptions, configFromFlags, type RunFlags, userInputOf } from '../runOptions.js';
import { defaultOutDir, printSummary, streamLog } from '../runOutputs.js';
import { addRobotOptions, type RobotFlags, runOnRobotCommand } from './runWithRobot.js';

interface RunCommandFlags extends RunFlags, RobotFlags {
  saveModel?: string;
  loadModel?: string;
  out?: string;
  json?: boolean;
  plot?: boolean;
  progress?: boolean;
  force?: boolean;
}

export function registerRun(program: Command): void {
  const command = program
    .command('run')
    .description('run the line follower in a closed loop and learn (default: SaR on the default track)');
  addRunOptions(command, { single: true })
    .option(
      '--log-every <n>',
      'log every n-th step into log.csv; it keeps at most 1000000 rows (a longer budget logs every 2nd, 4th, ... of those)',
    )
    .option(
      '--save-model <file>',
      'save the network (and its configuration) at the end; the last good one if it diverges',
    )
    .option(
      '--load-model <file>',
      'start from a saved network (continue learning, or run it frozen with --learning-rate 0)',
    )
    .option(
      '--out <dir>',
      'output folder (default: runs/<track>-<rule>-seed<seed>, then what differs from the defaults, e.g. -lr0.02-layers10.10.2)',
    )
    .option('--force', 'overwrite the output folder if it holds an earlier run')
    .option('--json', 'print the run summary as one JSON object on stdout, and nothing else')
    .option('--no-plot', 'skip the plot')
    .option('--no-progress', 'no progress bar')
    .action(async (flags: RunCommandFlags) => {
      process.exitCode = await runCommand(flags);
    });
  addRobotOptions(command);
}

function getPath(value: unknown, path: string): unknown {
  let v = value;
  for (const key of path.split('.'))
    v = v && typeof v === 'object' ? (v as Record<string, unknown>)[key] : undefined;
  return v;
}

async function runCommand(flags: RunCommandFlags): Promise<number> {
  let config = configFromFlags(flags);
  if (flags.plot !== false) flags.plot = plotAvailable(flags.json === true);
  const model = flags.loadModel ? loadModel(flags.loadModel) : undefined;
  let note = '';
  if (model) {
    if (config.rule === 'reflex')
      throw new ValidationError('--load-model', flags.loadModel, 'a learning rule (not reflex)');
    // What gives the weights their meaning comes from the model (a different value given is
    // refused), and so do the training settings not given, so that the summary describes what ran.
    const reconciled = reconcileModelConfig(config, userInputOf(config), model.config, model.network.shape());
    config = reconciled.config;
    if (reconciled.restored.length > 0)
      note = `sarlab: --load-model: using the model's ${reconciled.restored
        .map((path) => `${path} = ${describeValue(getPath(config, path))}`)
        .join(', ')}`;
  }
  const track = resolveConfiguredTrack(config);
  // Every output path is checked before the first step, so that a bad one never costs a run.
  const out = freshRunDir(flags.out ?? defaultOutDir(config), flags.force === true, notice);
  checkOutputFolder('--out', out);
  if (flags.saveModel) checkOutputFile('--save-model', flags.saveModel);
  if (note) console.error(note);
  if (flags.robot) return runOnRobotCommand(flags, config, track, model?.network);
  const simulation = new Simulation(config, track, model?.network);
  const logStream = streamLog(simulation, out);
  // Ctrl-C (any number of times, however fast) ends the run after the current step and writes the
  // results: the handlers stay until every file is written.
  const signals = { interrupted: false };
  const onSignal = () => {
    signals.interrupted = true;
    simulation.interrupt();
  };
  const release = onInterrupt(onSignal);
  try {
    return await runLoop(flags, config, simulation, out, logStream, signals);
  } finally {
    release();
    logStream.abort();
  }
}

async function runLoop(
  flags: RunCommandFlags,
  config: RunConfig,
  simulation: Simulation,
  out: string,
  logStream: AtomicFileStream,
  signals: { interrupted: boolean },
): Promise<number> {
  const network = simulation.parts.network;
  if (flags.saveModel && !network)
    throw new ValidationError('--save-model', flags.saveModel, 'a run with a network (not reflex)');
  const showProgress = flags.progress !== false && !flags.json && process.stderr.isTTY === true;
  const bar = showProgress
    ? new cliProgress.SingleBar(
        {
          format: ' {bar} {percentage}% | step {value}/{total} | |e| avg {ema} | {status}',
          stream: process.stderr,
          hideCursor: true,
        },
        cliProgress.Presets.shades_classic,
      )
    : null;
  bar?.start(simulation.totalSteps, 0, { ema: '-', status: 'learning' });
  try {
    while (!simulation.done) {
      simulation.advanceMany(2000);
      const m = simulation.metrics;
      bar?.update(simulation.step, {
        ema: m.ema.toFixed(3),
        status:
          simulation.phase === 'learning'
            ? m.success
              ? `success at ${m.stepsToSuccess}`
              : 'learning'
            : 'frozen evaluation',
      });
      // Let signals and output through between chunks.
      await new Promise((resolve) => setImmediate(resolve));
    }
  } finally {
    if (bar) {
      // A run that stops early (success) ends its bar full, at the step it stopped.
      bar.setTotal(simulation.step);
      bar.update(simulation.step);
      bar.stop();
    }
  }
  const summary = simulation.summary();
  // A model that cannot be saved (a full disk) does not cost the other results: they are written
  // first, then the failure is reported (exit 1).
  let modelError: OutputError | null = null;
  // On a divergence the run has put its last good weights back: those are saved.
  const lastGood = simulation.lastGood;
  if (flags.saveModel && network && lastGood) {
    try {
      saveModel(flags.saveModel, network, config, summary.diverged ? lastGood.step : summary.steps);
    } catch (error) {
      if (!(error instanceof OutputError)) throw error;
      modelError = error;
    }
  }
  const files = await writeRunOutputs(out, simulation, { summary, plot: flags.plot !== false, logStream });
  if (modelError) {
    if (!flags.json) printSummary(summary, files);
    throw new OutputError(
      modelError.path,
      `${modelError.reason}; the model was not saved, the other results are in ${out}`,
    );
  }
  if (flags.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
  else printSummary(summary, { ...files, model: flags.saveModel && network ? flags.saveModel : undefined });
  if (summary.diverged) {
    const d = summary.divergence!;
    const kept = flags.saveModel
      ? `; the last good model (step ${lastGood?.step}) is in ${flags.saveModel}`
      : '';
    console.error(
      `sarlab: the network diverged at step ${d.step} (non-finite ${d.what} in layer ${d.layer}); try a smaller --learning-rate${kept}`,
    );
    return EXIT_FAILURE;
  }
  if (signals.interrupted) {
    console.error(`sarlab: interrupted at step ${summary.steps}; the partial results are in ${out}`);
    return EXIT_INTERRUPTED;
  }
  return 0;
}

/** The plot needs optional packages: without them the run goes on with a one-line notice and no plot. */
function plotAvailable(quiet: boolean): boolean {
  const missing = plotPackagesMissing();
  if (missing.length > 0 && !quiet)
    console.error(`sarlab: no plot: it needs ${missing.join(', ')} (npm install ${missing.join(' ')})`);
  return missing.length === 0;
}

function notice(message: string): void {
  console.error(`sarlab: ${message}`);
}
