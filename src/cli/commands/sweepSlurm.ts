import { existsSync, mkdirSync, realpathSync, writeFileSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { type GridFile, gridFile, type SweepGrid } from '../../sweep/grid.js';
import {
  arrayScript,
  mergeScript,
  parseSlurmOption,
  readSlurmState,
  readSlurmTemplate,
  type SlurmOption,
  type SlurmScriptInput,
  type SlurmState,
  shardProgress,
  shellQuote,
  slurmLayout,
  writeSlurmState,
} from '../../sweep/slurm.js';
import {
  isActiveState,
  jobStates,
  SlurmCommandError,
  sbatch,
  shardStates,
  submissionJobIds,
} from '../../sweep/slurmQueue.js';
import { lockSweepFolder, readGridFile, SweepLockedError, writeGridFile } from '../../sweep/store.js';
import { ValidationError } from '../../util/errors.js';
import { CliError, EXIT_FAILURE } from '../errors.js';
import { numberFlag } from '../runOptions.js';
import { packageVersion } from '../version.js';

/** The flags of `sarlab sweep` that concern Slurm. */
export interface SlurmFlags {
  slurm?: string;
  slurmOption?: string[];
  slurmTemplate?: string;
  out?: string;
  dryRun?: boolean;
}

/** The sarlab entry (bin/sarlab.js) of this installation, for the job scripts. */
function sarlabEntry(): string {
  const own = fileURLToPath(new URL('../../../../bin/sarlab.js', import.meta.url));
  if (existsSync(own)) return own;
  return realpathSync(process.argv[1]);
}

const say = (message: string) => process.stderr.write(`sarlab sweep: ${message}\n`);

/** Shards listed compactly: 1-3,5. */
function listShards(shards: number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < shards.length; i++) {
    let j = i;
    while (j + 1 < shards.length && shards[j + 1] === shards[j] + 1) j++;
    parts.push(j > i ? `${shards[i]}-${shards[j]}` : String(shards[i]));
    i = j;
  }
  return parts.join(',');
}

/**
 * `sarlab sweep ... --out DIR --slurm N`: writes the array and merge job scripts into DIR/slurm and
 * submits the shards that are not complete (and not queued or running), then the merge after them.
 */
export function slurmSweep(grid: SweepGrid, flags: SlurmFlags): number {
  const file = gridFile(grid);
  const shards = numberFlag('slurm', flags.slurm as string, { integer: true, min: 1 });
  if (shards > file.runs)
    throw new ValidationError(
      '--slurm',
      flags.slurm,
      `at most the number of runs of the grid (${file.runs})`,
    );
  const options: SlurmOption[] = (flags.slurmOption ?? []).map(parseSlurmOption);
  const template = flags.slurmTemplate ? readSlurmTemplate(flags.slurmTemplate) : null;
  if (!flags.out) throw new ValidationError('--out', undefined, 'an output folder (--out DIR)');
  const layout = slurmLayout(flags.out, shards);
  const shownOut = shellQuote(flags.out);
  const existing = existsSync(layout.dir) ? readGridFile(layout.dir) : null;
  if (existing && existing.id !== file.id)
    throw new CliError(
      `${shownOut} holds another sweep (grid ${existing.id}, this one is ${file.id}): use another --out, or the same grid settings as before`,
    );
  const state = existsSync(layout.dir) ? readSlurmState(layout.dir) : null;
  if (state && state.shards !== shards)
    throw new ValidationError(
      '--slurm',
      flags.slurm,
      `${state.shards}, the number of shards ${shownOut} was submitted with (its shard folders hold the runs so far)`,
    );
  const input: SlurmScriptInput = {
    grid: file,
    shards,
    layout,
    node: process.execPath,
    sarlab: sarlabEntry(),
    workDir: process.cwd(),
    options,
    template,
    version: packageVersion(),
  };
  const scripts = { array: arrayScript(input), merge: mergeScript(input) };
  if (flags.dryRun) {
    process.stdout.write(
      `# ${layout.arrayScript}\n${scripts.array}\n# ${layout.mergeScript}\n${scripts.merge}`,
    );
    say(
      `dry run: ${file.runs} runs in ${shards} shards; nothing written or submitted (sbatch --array=1-${shards} ${layout.arrayScript}, then the merge)`,
    );
    return 0;
  }

  mkdirSync(layout.dir, { recursive: true });
  let release: () => void;
  try {
    release = lockSweepFolder(layout.dir);
  } catch (error) {
    if (error instanceof SweepLockedError) throw new CliError(error.message);
    throw error;
  }
  try {
    if (!existing) writeGridFile(layout.dir, grid);
    const saved = readGridFile(layout.dir) as GridFile;
    const submissions = state?.submissions ?? [];
    const progress = shardProgress(saved, layout, shards);
    const known = jobStates(submissionJobIds(submissions));
    const latest = shardStates(submissions, known);
    const active = [...latest.shards.entries()]
      .filter(([, s]) => s.state && isActiveState(s.state.state))
      .map(([index]) => index);
    const incomplete = progress.shards.filter((s) => s.recorded < s.runs).map((s) => s.index);
    const toRun = incomplete.filter((index) => !active.includes(index));
    if (active.length > 0)
      say(`shard(s) ${listShards(active)} still queued or running in Slurm: not submitted again`);
    const mergeActive =
      latest.merge?.state && isActiveState(latest.merge.state.state) ? latest.merge.job : null;
    if (toRun.length === 0 && (active.length > 0 || mergeActive)) {
      say(`nothing new to submit; follow with: sarlab sweep status ${shownOut}`);
      return 0;
    }
    if (toRun.length === 0 && progress.merged === file.runs) {
      process.stdout.write(
        `sarlab sweep: nothing to do: all ${file.runs} runs of grid ${file.id} are recorded in ${relative(process.cwd(), layout.dir) || '.'}/runs.jsonl; sarlab report ${shownOut}\n`,
      );
      return 0;
    }

    mkdirSync(layout.logs, { recursive: true });
    writeFileSync(layout.arrayScript, scripts.array, { mode: 0o755 });
    writeFileSync(layout.mergeScript, scripts.merge, { mode: 0o755 });
    // Every shard folder exists (with grid.json) before any job starts, so the merge finds them all.
    for (let index = 1; index <= shards; index++) {
      const dir = layout.shardDir(index);
      mkdirSync(dir, { recursive: true });
      if (!readGridFile(dir)) writeGridFile(dir, grid);
    }
    const base = { format: 'sarlab-slurm-sweep' as const, gridId: file.id, shards };
    const save = (submission: SlurmState['submissions'][number]) =>
      writeSlurmState(layout, { ...base, submissions: [...submissions, submission] });
    const submitted = new Date().toISOString();
    let arrayJob: string | null = null;
    if (toRun.length > 0) {
      arrayJob = sbatch(layout.arrayScript, [`--array=${listShards(toRun)}`]);
      // Recorded at once, so that status and the next submission know it even if the merge fails.
      save({ submitted, arrayJob, shards: toRun, mergeJob: '' });
    }
    // The merge waits for this array, and for earlier jobs still queued or running (their shards and
    // any earlier merge), so that it runs last and sees every shard.
    const stillActive = submissionJobIds(submissions).filter((id) =>
      [...known.entries()].some(([k, v]) => (k === id || k.startsWith(`${id}_`)) && isActiveState(v.state)),
    );
    const after = [...new Set([...(arrayJob ? [arrayJob] : []), ...stillActive])];
    const mergeJob = sbatch(
      layout.mergeScript,
      after.length > 0 ? [`--dependency=afterany:${after.join(':')}`] : [],
    );
    save({ submitted, arrayJob, shards: toRun, mergeJob });
    const runs = progress.shards.filter((s) => toRun.includes(s.index));
    const left = runs.reduce((n, s) => n + s.runs - s.recorded, 0);
    process.stdout.write(
      arrayJob
        ? `sarlab sweep: submitted shard(s) ${listShards(toRun)} of ${shards} (${left} run(s) to do) as array job ${arrayJob}, and the merge as job ${mergeJob} after it\n`
        : `sarlab sweep: every shard is complete; submitted the merge as job ${mergeJob}\n`,
    );
    process.stdout.write(
      [
        `  follow:   sarlab sweep status ${shownOut}    (or: squeue --jobs=${[arrayJob, mergeJob].filter(Boolean).join(',')})`,
        `  logs:     ${shellQuote(layout.logs)}`,
        `  results:  ${shellQuote(`${layout.dir}/runs.jsonl`)} when job ${mergeJob} has run; then sarlab report ${shownOut}`,
        '  resubmit: the same command again submits only the shards that are not complete',
        '',
      ].join('\n'),
    );
    return 0;
  } catch (error) {
    if (error instanceof SlurmCommandError) throw new CliError(error.message, EXIT_FAILURE);
    throw error;
  } finally {
    release();
  }
}

/** `sarlab sweep status DIR`: runs recorded per shard and what Slurm says of each task. */
export function registerSweepStatus(sweep: Command): void {
  sweep
    .command('status')
    .description(
      'runs recorded per shard of a sweep submitted with --slurm, and what Slurm says of each task',
    )
    .argument('<dir>', 'the sweep folder (--out of sarlab sweep --slurm)')
    .option('--json', 'print the status as JSON')
    .action((dir: string, flags: { json?: boolean }) => {
      process.exitCode = sweepStatus(dir, flags.json === true);
    });
}

function sweepStatus(dir: string, json: boolean): number {
  if (!existsSync(dir)) throw new ValidationError('status', dir, 'a sweep folder');
  const grid = readGridFile(dir);
  if (!grid) throw new ValidationError('status', dir, 'a sweep folder (with grid.json)');
  const state = readSlurmState(dir);
  const shards = state?.shards ?? 1;
  const layout = slurmLayout(dir, shards);
  const progress = shardProgress(grid, layout, shards);
  const submissions = state?.submissions ?? [];
  const latest = shardStates(submissions, jobStates(submissionJobIds(submissions)));
  const rows = progress.shards.map((s) => {
    const slurm = latest.shards.get(s.index) ?? null;
    return {
      shard: s.index,
      runs: s.runs,
      recorded: s.recorded,
      complete: s.recorded === s.runs,
      job: slurm?.job ?? null,
      slurm: slurm ? (slurm.state?.state ?? 'UNKNOWN') : null,
      detail: slurm?.state?.detail ?? '',
    };
  });
  const recorded = rows.reduce((n, r) => n + r.recorded, 0);
  const status = {
    dir,
    gridId: grid.id,
    runs: grid.runs,
    shards,
    recorded,
    merged: progress.merged,
    complete: progress.merged === grid.runs,
    shardStatus: rows,
    merge: latest.merge
      ? {
          job: latest.merge.job,
          slurm: latest.merge.state?.state ?? 'UNKNOWN',
          detail: latest.merge.state?.detail ?? '',
        }
      : null,
  };
  if (json) {
    process.stdout.write(`${JSON.stringify(status, null, 2)}\n`);
    return 0;
  }
  const lines = [
    `sweep ${dir}: grid ${grid.id}, ${grid.runs} runs${state ? ` in ${shards} shards` : ''}; ${recorded} recorded, ${progress.merged} merged into runs.jsonl`,
  ];
  if (state) {
    lines.push('shard      runs  recorded  slurm');
    for (const r of rows) {
      const slurm = r.job ? `${r.slurm}${r.detail ? ` (${r.detail})` : ''}, job ${r.job}` : 'not submitted';
      lines.push(
        `${`${r.shard}/${shards}`.padEnd(9)} ${String(r.runs).padStart(5)} ${String(r.recorded).padStart(9)}  ${slurm}`,
      );
    }
    if (status.merge)
      lines.push(
        `merge: job ${status.merge.job}, ${status.merge.slurm}${status.merge.detail ? ` (${status.merge.detail})` : ''}`,
      );
  } else {
    lines.push('not submitted to Slurm (no slurm/submissions.json)');
  }
  const incomplete = rows.filter((r) => !r.complete);
  const waiting = incomplete.filter((r) => r.slurm && isActiveState(r.slurm));
  if (status.complete) lines.push(`complete: sarlab report ${shellQuote(dir)}`);
  else if (incomplete.length > waiting.length)
    lines.push(
      `${incomplete.length - waiting.length} shard(s) incomplete and not queued: run the same sarlab sweep --slurm command again to resubmit them`,
    );
  else if (incomplete.length === 0) lines.push('every shard is complete; the merge has not run yet');
  else lines.push('waiting for Slurm');
  process.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}
