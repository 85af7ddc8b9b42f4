import type { Command } from 'commander';
import { checkOutputFile } from '../../node/files.js';
import { runsCsv } from '../../report/csv.js';
import { exportCurvesCsv } from '../../report/curvesCsv.js';
import { loadSweeps, SweepDataError } from '../../report/records.js';
import { exportRunsCsv } from '../../report/sweepReport.js';
import { CliError } from '../errors.js';

export function registerExport(program: Command): void {
  program
    .command('export')
    .description(
      'one CSV row per run of one or more sweep folders: the summary, then the configuration flattened (config.world.predictors, ...); with --curves, the learning curves in long format instead',
    )
    .argument('<dirs...>', 'sweep folders (runs.jsonl or runs.jsonl.gz)')
    .option('--out <file>', 'the CSV file to write')
    .option(
      '--curves',
      'the learning curves: one row per run and point (sweep, key, condition, the config.* columns that vary between the runs, step, errorEma, relativeErrorEma, weightDistance, lostLine); runs recorded before curves were kept are left out',
    )
    .action((dirs: string[], flags: { out?: string; curves?: boolean }) => {
      const notice = (message: string) => process.stderr.write(`sarlab export: ${message}\n`);
      try {
        if (flags.out !== undefined) checkOutputFile('--out', flags.out);
        if (flags.curves) {
          const stdout = (text: string) => process.stdout.write(text);
          const written = exportCurvesCsv(dirs, flags.out ?? null, notice, stdout);
          if (flags.out !== undefined)
            notice(`${written.points} points of ${written.runs} runs' learning curves in ${flags.out}`);
          return;
        }
        if (flags.out === undefined) {
          process.stdout.write(runsCsv(loadSweeps(dirs, notice).runs));
          return;
        }
        const runs = exportRunsCsv(dirs, flags.out, notice);
        process.stderr.write(`sarlab export: ${runs} runs in ${flags.out}\n`);
      } catch (error) {
        if (error instanceof SweepDataError) throw new CliError(`export: ${error.message}`);
        throw error;
      }
    });
}
