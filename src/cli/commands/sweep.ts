import { dirname, isAbsolute, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { resolveConfiguredTrack } from '../../node/pngTrack.js';
import { RUN_RULES, type RunRule } from '../../run/config.js';
import {
  expandGrid,
  gridId,
  parseNumberList,
  parseShard,
  parseStringList,
  type SweepGrid,
  shardPoints,
  validateGrid,
} from '../../sweep/grid.js';
import { defaultWorkers, runSweep, SweepGridMismatch } from '../../sweep/runner.js';
import { isGridFileValue, RUNS_FILE, readGridFileAt, readRuns, SweepLockedError } from '../../sweep/store.js';
import { OutputError, ValidationError } from '../../util/errors.js';
import { CliError, EXIT_FAILURE, EXIT_INTERRUPTED } from '../errors.js';
import { onInterrupt } from '../interrupt.js';
import * as cliProgress from '../progressBar.js';
import { addRunOptions, configFromFlags, numberFlag, type RunFlags, readConfigFile } from '../runOptions.js';
import { SweepEta } from '../sweepEta.js';
import { registerSweepStatus, slurmSweep } from './sweepSlurm.js';

export interface SweepFlags extends RunFlags {
  rules?: string;
  learningRates?: string;
  depths?: string;
  width?: string;
  seeds?: string;
  tracks?: string;
  relevanceSources?: string;
  inputKinds?: string;
  grid?: string;
  shard?: string;
  workers?: string;
  out?: string;
  progress?: boolean;
  dryRun?: boolean;
  slurm?: string;
  slurmOption?: string[];
  slurmTemplate?: string;
  /** Options given on the command line that describe the grid or its runs (not allowed with a grid.json). */
  gridOptionsGiven?: string[];
}

/** Options that say where and how a grid runs, not what it is: allowed with `--grid DIR/grid.json`. */
const NOT_GRID_OPTIONS = new Set([
  'grid',
  'shard',
  'workers',
  'out',
  'progress',
  'dryRun',
  'slurm',
  'slurmOption',
  'slurmTemplate',
  'kernel',
]);

export function registerSweep(program: Command): void {
  const command = program
    .command('sweep')
    .description(
      'run a grid of rules × learning rates × depths × relevance × inputs × tracks × seeds on worker threads; resumable',
    )
    .option('--rules <list>', `learning rules, comma-separated: ${RUN_RULES.join('|')}`)
    .option('--learning-rates <list>', 'learning rates: 0.001,0.01 or log:MIN:MAX:N (or lin:MIN:MAX:N)')
    .option('--depths <list>', 'network depths (layers, output layer included), e.g. 2,5,11,20')
    .option('--width <n>', 'width of the hidden layers when --depths is given', '10')
    .option('--seeds <list>', 'seeds: 1,2,3 or 1..10')
    .option('--tracks <list>', 'tracks: built-in names, procedural:SEED or FILE.png')
    .option('--relevance <list>', 'relevance sources (for SaR), e.g. abs-error,cue,abs-error*cue')
    .option('--inputs <list>', 'predictive inputs: rows,camera')
    .option(
      '--grid <file>',
      "sweep file (JSON or YAML) with the same settings, flags override it; or a sweep's grid.json (that grid exactly)",
    )
    .option('--shard <I/N>', 'run only shard I of N of the grid (for array jobs; merge the outputs)')
    .option('--workers <n>', `worker threads (default: the number of cores, here ${defaultWorkers()})`)
    .option('--out <dir>', 'output folder (runs.jsonl and grid.json)')
    .option('--no-progress', 'no progress bar')
    .option(
      '--slurm <n>',
      'submit the grid to Slurm as an array job of N shards and a merge job after it (needs --out)',
    )
    .option(
      '--slurm-option <key=value>',
      'an sbatch option for the jobs, e.g. partition=short, time=02:00:00, account=proj (repeatable)',
      (value: string, previous: string[] = []) => [...previous, value],
    )
    .option('--slurm-template <file>', 'lines put into both job scripts (#SBATCH lines, module load ...)')
    .option('--dry-run', 'print the size of the grid (with --slurm: the job scripts) and exit');
  registerSweepStatus(command);
  addRunOptions(command, { single: false }).action(async (flags: Record<string, unknown>, self: Command) => {
    // commander names the flags after the options; --relevance and --inputs are lists here.
    const sweepFlags: SweepFlags = {
      ...(flags as SweepFlags),
      relevanceSources: flags.relevance as string | undefined,
      inputKinds: flags.inputs as string | undefined,
      relevance: undefined,
      inputs: undefined,
      gridOptionsGiven: Object.keys(flags).filter(
        (name) => self.getOptionValueSource(name) === 'cli' && !NOT_GRID_OPTIONS.has(name),
      ),
    };
    process.exitCode = await sweepCommand(sweepFlags);
  });
}

const GRID_KEYS = [
  'rules',
  'learningRates',
  'depths',
  'width',
  'seeds',
  'tracks',
  'relevance',
  'inputs',
  'config',
  'steps',
] as const;

/** Reads a sweep file: the grid axes (lists or the flag syntax) and optionally `config`, a run config file. */
function readGridSettings(path: string): Record<string, unknown> {
  const value = readConfigFile(path, '--grid');
  if (!value || typeof value !== 'object' || Array.isArray(value))
    throw new ValidationError('--grid', path, 'a file holding one object of sweep settings');
  for (const key of Object.keys(value)) {
    if (!(GRID_KEYS as readonly string[]).includes(key))
      throw new ValidationError(`${path}.${key}`, 'an unknown key', `one of ${GRID_KEYS.join(', ')}`);
  }
  return value as Record<string, unknown>;
}

/** A grid-file value as flag text (lists become comma-separated). */
function asFlagText(path: string, key: string, value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (Array.isArray(value)) return value.map(String).join(',');
  if (typeof value === 'string' || typeof value === 'number') return String(value);
  throw new ValidationError(`${path}.${key}`, value, 'a list or a string');
}

/** The grid the flags (over the sweep file) describe, validated. */
export function gridFromFlags(flags: SweepFlags): SweepGrid {
  if (flags.grid) {
    const saved = readSavedGrid(flags.grid, flags.gridOptionsGiven ?? []);
    if (saved) {
      checkTracks(saved);
      return saved;
    }
  }
  const file = flags.grid ? readGridSettings(flags.grid) : {};
  const fromFile = (key: string) => (flags.grid ? asFlagText(flags.grid, key, file[key]) : undefined);
  let configPath = flags.config;
  if (!configPath && typeof file.config === 'string') {
    configPath = isAbsolute(file.config) ? file.config : resolve(dirname(flags.grid as string), file.config);
  }
  const base = configFromFlags({
    ...flags,
    config: configPath,
    steps: flags.steps ?? fromFile('steps'),
  });
  const pick = (flag: string | undefined, key: string) => flag ?? fromFile(key);
  const rulesText = pick(flags.rules, 'rules');
  const ratesText = pick(flags.learningRates, 'learningRates');
  const depthsText = pick(flags.depths, 'depths');
  const widthText = pick(flags.width, 'width') ?? '10';
  const seedsText = pick(flags.seeds, 'seeds');
  const tracksText = pick(flags.tracks, 'tracks');
  const relevanceText = pick(flags.relevanceSources, 'relevance');
  const inputsText = pick(flags.inputKinds, 'inputs');
  const baseRelevance = Array.isArray(base.relevance) ? base.relevance.join('*') : base.relevance;
  const inputs = inputsText ? parseStringList('inputs', inputsText) : [base.world.inputs];
  for (const kind of inputs) {
    if (kind !== 'rows' && kind !== 'camera') throw new ValidationError('--inputs', kind, 'rows or camera');
  }
  const rules = rulesText ? parseStringList('rules', rulesText) : ['sar'];
  for (const rule of rules) {
    if (!(RUN_RULES as readonly string[]).includes(rule))
      throw new ValidationError('--rules', rule, `one of ${RUN_RULES.join(', ')}`);
  }
  const grid: SweepGrid = {
    rules: rules as RunRule[],
    learningRates: ratesText ? parseNumberList('learning-rates', ratesText, { min: 0 }) : [base.learningRate],
    depths: depthsText ? parseNumberList('depths', depthsText, { integer: true, min: 1 }) : null,
    width: numberFlag('width', widthText, { integer: true, min: 1 }),
    relevance: relevanceText ? parseStringList('relevance', relevanceText) : [baseRelevance],
    inputs: inputs as ('rows' | 'camera')[],
    tracks: tracksText ? parseStringList('tracks', tracksText) : [base.track],
    seeds: seedsText ? parseNumberList('seeds', seedsText, { integer: true }) : [base.seed],
    base,
  };
  validateGrid(grid);
  checkTracks(grid);
  return grid;
}

/** The grid of a grid.json that sarlab wrote (checked against its id), or null for a sweep settings file. */
function readSavedGrid(path: string, given: string[]): SweepGrid | null {
  if (!isGridFileValue(readConfigFile(path, '--grid'))) return null;
  if (given.length > 0) {
    const flag = `--${given[0].replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
    throw new ValidationError(
      flag,
      'a grid or run option',
      `none with --grid ${path}, a grid.json that holds the whole grid (give the options without it)`,
    );
  }
  return readGridFileAt(path).grid;
}

function checkTracks(grid: SweepGrid): void {
  const { base } = grid;
  // Every track must exist and load now, not in a worker after the other runs (a PNG is read once).
  for (const track of grid.tracks) {
    try {
      resolveConfiguredTrack({ track, trackScale: base.trackScale, world: base.world });
    } catch (error) {
      if (error instanceof ValidationError) throw new ValidationError('--tracks', track, error.expected);
      throw error;
    }
  }
}

function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '-';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h > 0
    ? `${h}h${String(m).padStart(2, '0')}m`
    : m > 0
      ? `${m}m${String(s % 60).padStart(2, '0')}s`
      : `${s}s`;
}

async function sweepCommand(flags: SweepFlags): Promise<number> {
  const grid = gridFromFlags(flags);
  if (flags.slurm !== undefined) {
    if (flags.shard)
      throw new ValidationError('--shard', flags.shard, 'no --shard with --slurm (it makes the shards)');
    return slurmSweep(grid, flags);
  }
  if (flags.slurmOption || flags.slurmTemplate)
    throw new ValidationError(
      flags.slurmOption ? '--slurm-option' : '--slurm-template',
      flags.slurmOption?.[0] ?? flags.slurmTemplate,
      'it together with --slurm N',
    );
  const shard = flags.shard ? parseShard(flags.shard) : null;
  const workers = flags.workers
    ? numberFlag('workers', flags.workers, { integer: true, min: 1 })
    : defaultWorkers();
  if (flags.dryRun) {
    const all = expandGrid(grid);
    const mine = shardPoints(all, shard);
    process.stdout.write(
      `sweep grid ${gridId(grid)}: ${all.length} runs (${grid.rules.length} rules × ${grid.learningRates.length} learning rates × ${grid.depths?.length ?? 1} depths × ${grid.relevance.length} relevance × ${grid.inputs.length} inputs × ${grid.tracks.length} tracks × ${grid.seeds.length} seeds)${shard ? `, shard ${shard.index}/${shard.count}: ${mine.length} runs` : ''}\n`,
    );
    return 0;
  }
  if (!flags.out) throw new ValidationError('--out', undefined, 'an output folder (--out DIR)');
  const out = flags.out;
  const stop = new AbortController();
  const abandon = new AbortController();
  let bar: cliProgress.SingleBar | null = null;
  let eta: SweepEta | null = null;
  const etaText = () => {
    const seconds = eta?.seconds();
    return seconds === null || seconds === undefined ? '-' : cliProgress.formatSeconds(seconds);
  };
  const say = (message: string) => {
    if (bar) bar.stop();
    process.stderr.write(`sarlab sweep: ${message}\n`);
  };
  const onSignal = (signal: NodeJS.Signals) => {
    if (!stop.signal.aborted) {
      stop.abort();
      say(`${signal}: finishing the runs in flight, then stopping (send it again to abandon them)`);
    } else {
      abandon.abort();
    }
  };
  const release = onInterrupt(onSignal);
  const resumeHint = 'resume with the same command';
  const started = performance.now();
  let lastNote = 0;
  try {
    const result = await runSweep({
      grid,
      out,
      workers,
      shard,
      stop: stop.signal,
      abandon: abandon.signal,
      notice: say,
      onStart: (plan) => {
        const what = shard
          ? `shard ${shard.index}/${shard.count} (${plan.shardRuns} of ${plan.gridRuns} runs)`
          : `${plan.gridRuns} runs`;
        process.stderr.write(
          `sarlab sweep: ${what} into ${out}; ${plan.skipped} already recorded, ${plan.todo > 0 ? `${plan.todo} to do on ${Math.min(plan.workers, plan.todo)} worker(s)` : 'nothing to do'}\n`,
        );
        const recorded = readRuns(join(out, RUNS_FILE)).records;
        eta = new SweepEta(
          shardPoints(expandGrid(grid), shard).filter((p) => !recorded.has(p.key)),
          plan.workers,
          grid.base.steps,
        );
        if (plan.todo > 0 && flags.progress !== false && process.stderr.isTTY === true) {
          bar = new cliProgress.SingleBar(
            {
              format:
                ' {bar} {value}/{total} runs | {failures} without success | {duration_formatted} elapsed | ETA {eta}',
              stream: process.stderr,
              hideCursor: true,
              fps: 5,
            },
            cliProgress.Presets.shades_classic,
          );
          bar.start(plan.todo, 0, { failures: 0, eta: '-' });
        }
      },
      onRun: (record, progress) => {
        eta?.record(record.key, record.wallSeconds, record.steps);
        if (bar) {
          bar.update(progress.done, { failures: progress.failures, eta: etaText() });
          return;
        }
        // Without a terminal: a line every 5 % (for logs of batch jobs).
        const fraction = progress.done / progress.todo;
        if (fraction - lastNote >= 0.05 || progress.done === progress.todo) {
          lastNote = fraction;
          const elapsed = (performance.now() - started) / 1000;
          process.stderr.write(
            `sarlab sweep: ${progress.done}/${progress.todo} runs, ${progress.failures} without success, ${formatDuration(elapsed)} elapsed, ETA ${etaText()}\n`,
          );
        }
      },
    });
    (bar as cliProgress.SingleBar | null)?.stop();
    const recorded = result.skipped + result.completed;
    if (result.interrupted) {
      process.stderr.write(
        `sarlab sweep: interrupted: ${recorded} of ${result.shardRuns} runs recorded in ${result.runsFile}${result.abandoned ? ` (${result.abandoned} abandoned in flight)` : ''}; ${resumeHint}\n`,
      );
      return EXIT_INTERRUPTED;
    }
    process.stdout.write(
      `sarlab sweep: ${recorded} of ${result.shardRuns} runs recorded in ${result.runsFile} (${result.completed} run now, ${result.failures} of them without success, ${result.skipped} skipped as already recorded) in ${formatDuration((performance.now() - started) / 1000)}\n`,
    );
    return 0;
  } catch (error) {
    (bar as cliProgress.SingleBar | null)?.stop();
    if (error instanceof SweepGridMismatch || error instanceof SweepLockedError)
      throw new CliError(error.message);
    if (error instanceof OutputError)
      throw new CliError(
        `${error.message}; the runs recorded so far are kept: ${resumeHint} when there is room`,
        EXIT_FAILURE,
      );
    throw error;
  } finally {
    release();
  }
}
