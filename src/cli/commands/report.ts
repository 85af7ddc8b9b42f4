import { join } from 'node:path';
import type { Command } from 'commander';
import { checkOutputFolder } from '../../node/files.js';
import { SweepDataError } from '../../report/records.js';
import { writeSweepReport } from '../../report/sweepReport.js';
import { CliError } from '../errors.js';

export function registerReport(program: Command): void {
  program
    .command('report')
    .description(
      'tables (report.md, learning-rates.md), numbers (stats.json), every run (runs.csv) and figures (SVG and PNG) of one or more sweep folders',
    )
    .argument(
      '<dirs...>',
      'sweep folders (runs.jsonl or runs.jsonl.gz, grid.json if there); their runs are reported together',
    )
    .option('--out <dir>', 'folder for the report (default: report/ in the first folder)')
    .option('--no-figures', 'write the tables, stats.json and runs.csv only (no plot packages needed)')
    .action(async (dirs: string[], flags: { out?: string; figures?: boolean }) => {
      const out = flags.out ?? join(dirs[0], 'report');
      checkOutputFolder('--out', out);
      let report: Awaited<ReturnType<typeof writeSweepReport>>;
      try {
        report = await writeSweepReport(dirs, out, {
          figures: flags.figures !== false,
          notice: (message) => process.stderr.write(`sarlab report: ${message}\n`),
        });
      } catch (error) {
        if (error instanceof SweepDataError) throw new CliError(`report: ${error.message}`);
        throw error;
      }
      process.stdout.write(
        `sarlab report: ${report.analysis.conditions.length} conditions, ${report.files.length} files in ${out} (summary: ${join(out, 'report.md')})\n`,
      );
    });
}
