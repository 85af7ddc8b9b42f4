import { join } from 'node:path';
import type { Command } from 'commander';
import { writeSweepReport } from '../../report/sweepReport.js';
import { CliError } from '../errors.js';
import { numberFlag } from '../runOptions.js';

export function registerReport(program: Command): void {
  program
    .command('report')
    .description('figures (SVG and PNG) and a Markdown summary of a sweep folder')
    .argument('<dir>', 'sweep output folder (runs.jsonl, grid.json)')
    .option('--out <dir>', 'folder for the report (default: DIR/report)')
    .option(
      '--no-time-series',
      'skip re-running a typical run per rule (no |e|, weight and trajectory figures)',
    )
    .option('--depth <n>', 'depth of the typical runs (the nearest depth of the sweep)', '5')
    .action(async (dir: string, flags: { out?: string; timeSeries?: boolean; depth: string }) => {
      const out = flags.out ?? join(dir, 'report');
      const preferDepth = numberFlag('depth', flags.depth, { integer: true, min: 1 });
      let report: Awaited<ReturnType<typeof writeSweepReport>>;
      try {
        report = await writeSweepReport(dir, out, {
          timeSeries: flags.timeSeries !== false,
          preferDepth,
          notice: (message) => process.stderr.write(`sarlab report: ${message}\n`),
        });
      } catch (error) {
        if (error instanceof Error && /not a sweep folder|no finished runs/.test(error.message))
          throw new CliError(`report: ${error.message}`);
        throw error;
      }
      process.stdout.write(
        `sarlab report: ${report.files.length} files in ${out} (summary: ${join(out, 'report.md')})\n`,
      );
    });
}
