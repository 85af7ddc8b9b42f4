import type { Command } from 'commander';
import { writeFileAtomic } from '../../node/files.js';
import { resolveConfiguredTrack } from '../../node/pngTrack.js';
import { CONTROL_KINDS, type ControlKind, controlsMarkdown, runControls } from '../../run/controls.js';
import { parseNumberList, parseStringList } from '../../sweep/grid.js';
import { ValidationError } from '../../util/errors.js';
import { addRunOptions, configFromFlags, type RunFlags } from '../runOptions.js';

interface ControlsFlags extends RunFlags {
  seeds: string;
  only?: string;
  reflexGains: string;
  json?: boolean;
  out?: string;
}

export function registerControls(program: Command): void {
  const command = program
    .command('controls')
    .description(
      "a run beside its controls over several seeds: backprop and SaR's global sign in its place, predictors at-reflex and blind, and the reflex alone at several gains (does the task need anticipation? does the sign's path matter?)",
    )
    .addHelpText(
      'after',
      "\nThe reflex gains are those of the run's own reflex (agent.reflexGain): with --preset enki-2021, whose\nerror is already 50 · (L − R) at gain 1, try --reflex-gains 0.5,1,2,4,8.",
    )
    .option('--seeds <list>', 'seeds: 1,2,3 or 1..10', '1..5')
    .option('--reflex-gains <list>', 'gains of the reflex-alone controls', '1,5,15,25,100')
    .option('--only <list>', `which rows: ${CONTROL_KINDS.join(',')}`, CONTROL_KINDS.join(','))
    .option('--json', 'print the rows as one JSON object')
    .option('--out <file>', 'also write the table (Markdown, or JSON for a .json name) to this file');
  addRunOptions(command, { single: true });
  command.action(async (flags: ControlsFlags) => {
    const config = configFromFlags(flags);
    const seeds = parseNumberList('seeds', flags.seeds, { integer: true });
    const reflexGains = parseNumberList('reflex-gains', flags.reflexGains, { min: 0 });
    const only = parseStringList('only', flags.only ?? CONTROL_KINDS.join(','));
    for (const kind of only) {
      if (!(CONTROL_KINDS as readonly string[]).includes(kind))
        throw new ValidationError('--only', kind, `one of ${CONTROL_KINDS.join(', ')}`);
    }
    const track = resolveConfiguredTrack(config);
    const rows = runControls(
      config,
      {
        seeds,
        reflexGains,
        only: only as ControlKind[],
        onRun: (done, total) => {
          if (!flags.json && process.stderr.isTTY)
            process.stderr.write(`\rsarlab controls: run ${done}/${total}`);
        },
      },
      track,
    );
    if (!flags.json && process.stderr.isTTY) process.stderr.write('\n');
    const json = `${JSON.stringify({ config, seeds, rows })}\n`;
    const markdown = controlsMarkdown(rows);
    if (flags.out) writeFileAtomic(flags.out, /\.json$/i.test(flags.out) ? json : markdown);
    process.stdout.write(flags.json ? json : markdown);
  });
}
