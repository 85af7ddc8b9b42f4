import { type Command, Help, type Option } from 'commander';
import { defaultRunConfig, type RunConfig } from '../run/config.js';
import { FLAG_OF_FIELD } from './runOptions.js';

/**
 * Help polish for every command: each option's default in its description, and examples at the
 * end. The run options take no commander defaults (a config file must be able to set them), so
 * their defaults are read from the configuration's own defaults and only shown.
 */
export function polishHelp(program: Command): void {
  const config = defaultRunConfig();
  // Subcommands too (sarlab sweep status).
  for (const command of [program, ...program.commands, ...program.commands.flatMap((c) => c.commands)]) {
    command.configureHelp({
      optionDescription(option: Option): string {
        const text = Help.prototype.optionDescription.call(this, option);
        if (/\bdefault\b/i.test(text)) return text;
        const shown = defaultText(command.name(), option, config);
        return shown === null ? text : `${text} (default: ${shown})`;
      },
    });
    const examples = EXAMPLES[command.name()];
    if (examples) {
      command.addHelpText(
        'after',
        `\nExamples:\n${examples.map(([line, what]) => `  $ ${line}\n      ${what}`).join('\n')}\n`,
      );
    }
  }
}

/** The default of an option as text, or null when it has none worth saying. */
export function defaultText(commandName: string, option: Option, config: RunConfig): string | null {
  const long = option.long ?? '';
  const special = SPECIAL[`${commandName} ${long}`] ?? SPECIAL[long];
  if (special !== undefined) return special;
  const sweepField = commandName === 'sweep' ? SWEEP_AXIS_FIELD[long] : undefined;
  const field = sweepField ?? Object.entries(FLAG_OF_FIELD).find(([, flag]) => flag === long)?.[0];
  if (field) {
    let value: unknown = config;
    for (const key of field.split('.')) value = (value as Record<string, unknown>)[key];
    // A setting that is unset by default (no preset, no fixed baseline) has no value to show.
    if (value === undefined || value === null) return 'none';
    const text = Array.isArray(value) ? value.join(field === 'relevance' ? '*' : ',') : String(value);
    return sweepField ? `the run's default, ${text}` : text;
  }
  if (long === '--help') return null;
  if (option.negate) return `${long.replace(/^--no-/, '')} on`;
  if (option.isBoolean()) return 'off';
  return null;
}

/** The run setting a sweep axis takes when the axis is not given. */
const SWEEP_AXIS_FIELD: Record<string, string> = {
  '--learning-rates': 'learningRate',
  '--depths': 'network.layers',
  '--seeds': 'seed',
  '--tracks': 'track',
  '--relevance': 'relevance',
  '--inputs': 'world.inputs',
};

/** Defaults that are not a configuration value (or differ per command). */
const SPECIAL: Record<string, string> = {
  '--config': 'none, the built-in defaults',
  '--preset': 'none, the built-in defaults',
  '--baseline': 'the reflex alone, run on the same track, world and seed',
  '--save-model': 'none',
  '--load-model': 'none, a new network from --seed',
  '--robot': 'none, the simulated world',
  '--force': 'off, a new folder -2, -3, ... is picked',
  'sweep --rules': 'sar',
  'sweep --grid': 'none, flags only',
  'sweep --shard': 'none, the whole grid',
  'sweep --out': 'none: required',
  'sweep --slurm': 'none, the grid runs here',
  'sweep --slurm-option': "none, sarlab's own: 1 CPU per task, TERM 60 s before the time limit",
  'sweep --slurm-template': 'none',
  'merge --out': 'none: required',
  'robot-emulator --port': 'none: give --port, --serial or --pty',
  'robot-emulator --serial': 'none',
  'robot-emulator --latency': '0',
  'robot-emulator --jitter': '0',
  'robot-emulator --drop': '0',
  'robot-emulator --corrupt': '0',
  'robot-emulator --fault-seed': '1',
  'robot-emulator --config': 'none, the built-in defaults',
  'export --out': 'none, the CSV on stdout',
  'export --curves': 'off, one row per run',
  'controls --out': 'none, the table on stdout only',
  'robot-emulator --seed': '1',
  '--version': 'off',
  '--debug': 'off',
};

/** Examples at the end of each command's help: what to type, and what it does. */
const EXAMPLES: Record<string, [string, string][]> = {
  sarlab: [
    ['sarlab run', 'a SaR learning run with the defaults: progress, a summary, a plot'],
    ['sarlab run --help', 'every setting of a run'],
    ['sarlab sweep --rules sar,backprop --seeds 1..5 --out runs/cmp', 'a small comparison on all cores'],
  ],
  run: [
    ['sarlab run --rule backprop --learning-rate 0.05 --seed 3', 'backpropagation instead of SaR'],
    ['sarlab run --inputs camera --track hard --json', 'camera input on the hard track; the summary as JSON'],
    ['sarlab run --rule reflex', 'the reflex alone (the baseline every run is compared with)'],
    ['sarlab run --predictors at-reflex', 'a control: sensors only where the reflex senses (also: blind)'],
    ['sarlab run --preset enki-2021', "the authors' own simulation, mapped onto this world"],
    [
      'sarlab run --track examples/track.png --track-scale 0.5',
      'a track of your own (PNG: white floor, dark line)',
    ],
    ['sarlab run --config examples/experiment.yaml --seed 7', 'a config file; flags override it'],
    [
      'sarlab run --save-model m.json && sarlab run --load-model m.json --learning-rate 0',
      'train, then drive frozen',
    ],
    ['sarlab run --robot tcp:127.0.0.1:7000', 'the same agent on a robot (or sarlab robot-emulator)'],
  ],
  controls: [
    ['sarlab controls --seeds 1..10', 'the default run beside its controls, as a Markdown table'],
    [
      'sarlab controls --inputs camera --reflex-gains 15 --out controls.json',
      'camera input; the reflex alone at its best gain; the rows as JSON too',
    ],
  ],
  sweep: [
    [
      'sarlab sweep --rules sar,backprop --learning-rates log:0.001:1:12 --depths 2,5,11,20 --seeds 1..5 --out runs/my-sweep',
      'a comparison over learning rates and depths; run it again to resume',
    ],
    ['sarlab sweep --rules sar --seeds 1..10 --dry-run', 'how many runs a grid has'],
    ['sarlab sweep --seeds 1..100 --shard 3/10 --out runs/shard-3', 'one of 10 array jobs on a cluster'],
    [
      'sarlab sweep --grid paper.yaml --out sweeps/paper --slurm 16 --slurm-option time=02:00:00',
      'the grid as 16 Slurm array tasks and a merge; again to resubmit what did not finish',
    ],
  ],
  status: [['sarlab sweep status sweeps/paper', 'runs recorded per shard, and what Slurm says of each task']],
  merge: [['sarlab merge runs/shard-* --out runs/all', 'the shards of one sweep into one folder']],
  report: [
    ['sarlab report runs/my-sweep', 'figures, report.md, stats.json and runs.csv in runs/my-sweep/report/'],
    [
      'sarlab report docs/results/data/* --out docs/results',
      'several sweep folders (runs.jsonl or runs.jsonl.gz) in one report',
    ],
  ],
  export: [
    ['sarlab export runs/my-sweep --out runs.csv', 'one CSV row per run, the configuration flattened'],
    ['sarlab export docs/results/data/* > all-runs.csv', 'every committed run, on stdout'],
    [
      'sarlab export runs/my-sweep --curves --out curves.csv',
      'the learning curves, one row per run and point (for pandas or R)',
    ],
  ],
  serve: [
    ['sarlab serve', 'the live lab at http://127.0.0.1:8080/'],
    ['sarlab serve --port 9000 --host 0.0.0.0', 'another port, reachable from other machines'],
  ],
  stdio: [
    [
      `echo '{"op":"hello"}' | sarlab stdio`,
      'one request, one answer per line (the Python module uses this: docs/python.md)',
    ],
    [
      `echo '{"op":"status"}' | sarlab stdio`,
      'what the server holds, its limits and memory (docs/reliability.md, "The stdio server")',
    ],
  ],
  'robot-emulator': [
    [
      'sarlab robot-emulator --port 7000',
      'a simulated robot on TCP; then: sarlab run --robot tcp:127.0.0.1:7000',
    ],
    ['sarlab robot-emulator --pty', 'on a pseudo-terminal (needs socat), as a serial robot would be'],
    ['sarlab robot-emulator --port 7000 --drop 0.01 --latency 5', 'a lossy, slow link'],
  ],
};
