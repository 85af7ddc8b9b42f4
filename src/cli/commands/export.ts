import type { Command } from 'commander';
import { checkOutputFile } from '../../node/files.js';
import { runsCsv } from '../../report/csv.js';
import { loadSweeps, SweepDataError } from '../../report/records.js';
import { exportRunsCsv } from '../../report/sweepReport.js';
import { CliError } from '../errors.js';

export function registerExport(program: Command): void {
  program
    .command('export')
    .description(
      'one CSV row per run of one or more sweep folders: the summary, then the configuration flattened (config.world.predictors, ...)',
    )
    .argument('<dirs...>', 'sweep folders (runs.jsonl or runs.jsonl.gz)')
    .option('--out <file>', 'the CSV file to write')
    .action((dirs: string[], flags: { out?: string }) => {
      const notice = (message: string) => process.stderr.write(`sarlab export: ${message}\n`);
      try {
        if (flags.out === undefined) {
          process.stdout.write(runsCsv(loadSweeps(dirs, notice).runs));
          return;
        }
        checkOutputFile('--out', flags.out);
        const runs = exportRunsCsv(dirs, flags.out, notice);
        process.stderr.write(`sarlab export: ${runs} runs in ${flags.out}\n`);
      } catch (error) {
        if (error instanceof SweepDataError) throw new CliError(`export: ${error.message}`);
        throw error;
      }
    });
}
