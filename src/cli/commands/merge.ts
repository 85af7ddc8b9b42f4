import type { Command } from 'commander';
import { checkOutputFolder } from '../../node/files.js';
import { mergeSweeps, SweepMergeError } from '../../sweep/merge.js';
import { SweepLockedError } from '../../sweep/store.js';
import { ValidationError } from '../../util/errors.js';
import { CliError } from '../errors.js';

export function registerMerge(program: Command): void {
  program
    .command('merge')
    .description('combine the output folders of sweep shards (same grid) into one folder')
    .argument('<dirs...>', 'sweep output folders (each with grid.json and runs.jsonl or runs.jsonl.gz)')
    .option(
      '--out <dir>',
      'folder for the merged runs and grid.json (runs.jsonl.gz if it holds only that, else runs.jsonl); its sweep.lock is held while merging',
    )
    .action((dirs: string[], flags: { out?: string }) => {
      if (!flags.out) throw new ValidationError('--out', undefined, 'an output folder (--out DIR)');
      checkOutputFolder('--out', flags.out);
      const notice = (message: string) => process.stderr.write(`sarlab merge: ${message}\n`);
      try {
        const result = mergeSweeps(dirs, flags.out, notice);
        if (result.conflicts.length > 0) {
          notice(
            `${result.conflicts.length} run(s) were recorded twice with different results (kept the first): ${result.conflicts.slice(0, 3).join('; ')}`,
          );
        }
        process.stdout.write(
          `sarlab merge: ${result.merged} of ${result.gridRuns} runs of grid ${result.gridId} in ${result.runsFile}${result.missing ? `; ${result.missing} not run yet (run the missing shards, or the sweep without --shard, to fill them in)` : ''}\n`,
        );
      } catch (error) {
        if (error instanceof SweepMergeError || error instanceof SweepLockedError)
          throw new CliError(`merge: ${error.message}`);
        throw error;
      }
    });
}
