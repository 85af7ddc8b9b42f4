import { join } from 'node:path';
import type { Command } from 'commander';
import { checkOutputFolder } from '../../node/files.js';
import { writeSweepReport } from '../../report/sweepReport.js';
import { CliError } from '../errors.js';
import { numberFlag } from '../runOptions.js';

export function registerReport(program: Command): void {
  program
    .command('report')
    .description('figures (SVG and PNG) and a Markdown summary of a sweep folder')
    .argument('<dirs...>', 'sweep output folders (runs.jsonl, grid.json); several are reported together')
    .option('--out <dir>', 'folder for the report (default: report/ in the first folder)')
    .option(
      '--no-time-series',
      'skip re-running a typical run per rule (no |e|, weight and trajectory figures)',
    )
    .option('--depth <n>', 'depth of the typical runs (the nearest depth of the sweep)', '5')
    .option(
      '--rate <eta>',
      'also draw the typical runs with every rule at this learning rate (the nearest of the sweep)',
    )
    .action(
      async (dirs: string[], flags: { out?: string; timeSeries?: boolean; depth: string; rate?: string }) => {
        const out = flags.out ?? join(dirs[0], 'report');
        const preferDepth = numberFlag('depth', flags.depth, { integer: true, min: 1 });
        checkOutputFolder('--out', out);
        let report: Awaited<ReturnType<typeof writeSweepReport>>;
        try {
          report = await writeSweepReport(dirs, out, {
            timeSeries: flags.timeSeries !== false,
            preferDepth,
            rate: flags.rate === undefined ? undefined : numberFlag('rate', flags.rate, { min: 0 }),
            notice: (message) => process.stderr.write(`sarlab report: ${message}\n`),
          });
        } catch (error) {
          if (
            error instanceof Error &&
            /not a sweep folder|no finished runs|different grids|different step budgets/.test(error.message)
          )
            throw new CliError(`report: ${error.message}`);
          throw error;
        }
        process.stdout.write(
          `sarlab report: ${report.files.length} files in ${out} (summary: ${join(out, 'report.md')})\n`,
        );
      },
    );
}
