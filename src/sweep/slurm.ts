import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from '../node/files.js';
import { ValidationError } from '../util/errors.js';
import { expandGrid, type GridFile, shardPoints } from './grid.js';
import { recordMatchesGrid } from './runner.js';
import type { SlurmSubmission } from './slurmQueue.js';
import { RUNS_FILE, readRuns } from './store.js';

/**
 * A sweep on a Slurm cluster: the folder layout, the array and merge job scripts, and what was
 * submitted. The sweep folder DIR holds grid.json and (after the merge) runs.jsonl as any sweep does;
 * each array task runs one shard into DIR/shards/shard-I-of-N (resumable, like any sweep folder), and
 * the merge job combines the shard folders into DIR.
 */

/** The folder of the job scripts, the logs and the submission record. */
export const SLURM_DIR = 'slurm';
/** The folder of the shard folders. */
export const SHARDS_DIR = 'shards';
/** The record of what was submitted (job ids, shards). */
export const SLURM_STATE_FILE = 'submissions.json';

/** Paths of a Slurm sweep folder (absolute). */
export interface SlurmLayout {
  dir: string;
  slurmDir: string;
  logs: string;
  arrayScript: string;
  mergeScript: string;
  stateFile: string;
  shardDir: (index: number) => string;
}

export function slurmLayout(dir: string, shards: number): SlurmLayout {
  const abs = resolve(dir);
  const slurmDir = join(abs, SLURM_DIR);
  return {
    dir: abs,
    slurmDir,
    logs: join(slurmDir, 'logs'),
    arrayScript: join(slurmDir, 'array.sh'),
    mergeScript: join(slurmDir, 'merge.sh'),
    stateFile: join(slurmDir, SLURM_STATE_FILE),
    shardDir: (index) => join(abs, SHARDS_DIR, `shard-${index}-of-${shards}`),
  };
}

/** One `sbatch` option: `--name=value`, or `--name` alone when value is null. */
export interface SlurmOption {
  name: string;
  value: string | null;
}

/** Options sarlab sets itself and a user may not: the array is the list of shards to run. */
const RESERVED_OPTIONS = new Set(['array', 'a', 'dependency', 'd', 'parsable', 'wrap']);

/** Parses `--slurm-option key=value` (or `key` alone); `partition=short` becomes `--partition=short`. */
export function parseSlurmOption(text: string): SlurmOption {
  const match = /^-{0,2}([A-Za-z][A-Za-z0-9-]*)(?:=(.*))?$/s.exec(text.trim());
  if (!match)
    throw new ValidationError(
      '--slurm-option',
      text,
      'key=value, an sbatch option without its dashes (e.g. partition=short)',
    );
  const [, name, value] = match;
  if (RESERVED_OPTIONS.has(name))
    throw new ValidationError(
      '--slurm-option',
      text,
      `an sbatch option other than ${[...RESERVED_OPTIONS].filter((o) => o.length > 1).join(', ')} (sarlab sets those)`,
    );
  if (value !== undefined && /[\n\r]/.test(value))
    throw new ValidationError('--slurm-option', text, 'a value on one line');
  return { name, value: value ?? null };
}

/** Reads a template: lines put into both job scripts (#SBATCH lines, `module load ...`). */
export function readSlurmTemplate(path: string): string {
  if (!existsSync(path)) throw new ValidationError('--slurm-template', path, 'an existing file');
  const text = readFileSync(path, 'utf8');
  if (text.length > 64 * 1024) throw new ValidationError('--slurm-template', path, 'a file under 64 KiB');
  for (const line of text.split('\n')) {
    const m = /^#SBATCH\s+--?([A-Za-z][A-Za-z0-9-]*)/.exec(line.trim());
    if (m && RESERVED_OPTIONS.has(m[1]))
      throw new ValidationError('--slurm-template', path, `no #SBATCH --${m[1]} line (sarlab sets it)`);
  }
  return text.replace(/^#!.*\n/, '').trimEnd();
}

/** Quotes a word for bash (single quotes). */
export function shellQuote(word: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word;
  return "'" + word.replaceAll("'", "'\\''") + "'";
}

function sbatchLine(option: SlurmOption): string {
  const { name } = option;
  let { value } = option;
  const flag = name.length === 1 ? `-${name}` : `--${name}`;
  if (value === null) return `#SBATCH ${flag}`;
  // sbatch splits #SBATCH lines at white space, unless the value is in double quotes.
  if (/\s/.test(value)) value = `"${value.replaceAll('"', '\\"')}"`;
  return name.length === 1 ? `#SBATCH ${flag} ${value}` : `#SBATCH ${flag}=${value}`;
}

/** What the job scripts need to know. */
export interface SlurmScriptInput {
  grid: GridFile;
  shards: number;
  layout: SlurmLayout;
  /** Absolute path of node and of the sarlab entry (bin/sarlab.js) that wrote the scripts. */
  node: string;
  sarlab: string;
  /** The folder the jobs run in (relative paths of the grid, e.g. PNG tracks, resolve from it). */
  workDir: string;
  options: SlurmOption[];
  template: string | null;
  version: string;
}

/** The header both scripts share: defaults, then the template, then the --slurm-option lines (last wins). */
function header(
  input: SlurmScriptInput,
  defaults: SlurmOption[],
  what: string,
  keep: (o: SlurmOption) => boolean,
) {
  const lines = ['#!/bin/bash', ...what.split('\n').map((l) => (l ? '# ' + l : '#'))];
  lines.push(...defaults.map(sbatchLine));
  if (input.template) lines.push('# From the template (--slurm-template):', input.template);
  const own = input.options.filter(keep);
  if (own.length > 0) lines.push('# From --slurm-option:', ...own.map(sbatchLine));
  return lines;
}

/** The array job: task I runs shard I of N into its own folder, resumably. */
export function arrayScript(input: SlurmScriptInput): string {
  const { grid, shards, layout } = input;
  const q = shellQuote;
  const what = `A sarlab sweep as a Slurm array job, written by sarlab ${input.version} (sarlab sweep --slurm ${shards}):
grid ${grid.id}, ${grid.runs} runs in ${shards} shards. Array task I runs shard I of ${shards} of the grid in
${layout.dir}/grid.json into ${layout.dir}/${SHARDS_DIR}/shard-I-of-${shards}; a shard that was cut off
resumes where it stopped when it runs again. Submit with the same sarlab sweep ... --slurm ${shards}
command (it submits only the shards that are not complete, and the merge after them), or by hand:
  sbatch --array=2 ${shellQuote(layout.arrayScript)}`;
  const lines = header(
    input,
    [
      { name: 'job-name', value: `sarlab-${grid.id.slice(0, 8)}` },
      { name: 'array', value: `1-${shards}` },
      { name: 'cpus-per-task', value: '1' },
      { name: 'output', value: join(layout.logs, 'shard-%a-of-' + shards + '-job-%A.out') },
      { name: 'chdir', value: input.workDir },
      // Slurm sends TERM 60 s before the time limit; the sweep then records the runs in flight.
      { name: 'signal', value: 'B:TERM@60' },
    ],
    what,
    () => true,
  );
  lines.push(
    '',
    'set -euo pipefail',
    `shard=\${SLURM_ARRAY_TASK_ID:?submit as an array job: sbatch --array=1-${shards} ${q(layout.arrayScript)}}`,
    '# exec: the TERM from Slurm (time limit, scancel) reaches sarlab, which finishes and records the',
    '# runs in flight, then exits; the next submission resumes the shard.',
    `exec ${q(input.node)} ${q(input.sarlab)} sweep --grid ${q(join(layout.dir, 'grid.json'))} \\`,
    `  --shard "$shard/${shards}" --workers "\${SLURM_CPUS_PER_TASK:-1}" --no-progress \\`,
    `  --out ${q(join(layout.dir, SHARDS_DIR))}/shard-"$shard"-of-${shards}`,
    '',
  );
  return lines.join('\n');
}

/** The merge job: combines the shard folders into the sweep folder (submitted after the array). */
export function mergeScript(input: SlurmScriptInput): string {
  const { grid, shards, layout } = input;
  const q = shellQuote;
  const what = `Merges the shards of sarlab sweep ${grid.id} into ${layout.dir}/${RUNS_FILE}, written by
sarlab ${input.version}; submitted after the array job (--dependency=afterany:ARRAY).`;
  const lines = header(
    input,
    [
      { name: 'job-name', value: `sarlab-${grid.id.slice(0, 8)}-merge` },
      { name: 'cpus-per-task', value: '1' },
      { name: 'output', value: join(layout.logs, 'merge-job-%j.out') },
      { name: 'chdir', value: input.workDir },
    ],
    what,
    // The merge is one short process: the cores and memory per core asked for the shards are not needed.
    (o) => o.name !== 'cpus-per-task' && o.name !== 'c' && o.name !== 'mem-per-cpu',
  );
  lines.push(
    '',
    'set -euo pipefail',
    `exec ${q(input.node)} ${q(input.sarlab)} merge ${q(join(layout.dir, SHARDS_DIR))}/shard-*-of-${shards} --out ${q(layout.dir)}`,
    '',
  );
  return lines.join('\n');
}

/** What DIR/slurm/submissions.json holds. */
export interface SlurmState {
  format: 'sarlab-slurm-sweep';
  gridId: string;
  shards: number;
  submissions: SlurmSubmission[];
}

const stateSchema = z.object({
  format: z.literal('sarlab-slurm-sweep'),
  gridId: z.string(),
  shards: z.number().int().min(1),
  submissions: z.array(
    z.object({
      submitted: z.string(),
      arrayJob: z.string().nullable(),
      shards: z.array(z.number().int()),
      mergeJob: z.string(),
    }),
  ),
});

/** The submission record of a sweep folder, or null when it was never submitted to Slurm. */
export function readSlurmState(dir: string): SlurmState | null {
  const path = join(resolve(dir), SLURM_DIR, SLURM_STATE_FILE);
  if (!existsSync(path)) return null;
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    value = undefined;
  }
  const parsed = stateSchema.safeParse(value);
  if (!parsed.success)
    throw new ValidationError(path, 'an unreadable file', 'the submission record sarlab wrote');
  return parsed.data as SlurmState;
}

export function writeSlurmState(layout: SlurmLayout, state: SlurmState): void {
  mkdirSync(layout.slurmDir, { recursive: true });
  writeFileAtomic(layout.stateFile, `${JSON.stringify(state, null, 2)}\n`);
}

/** How far one shard is: its runs, and how many of them are recorded (in its folder or merged). */
export interface ShardProgress {
  index: number;
  runs: number;
  recorded: number;
}

/** Progress of every shard, and how many runs the merged runs.jsonl of the folder holds. */
export function shardProgress(
  grid: GridFile,
  layout: SlurmLayout,
  shards: number,
): { shards: ShardProgress[]; merged: number } {
  const all = expandGrid(grid.grid);
  const byKey = new Map(all.map((p) => [p.key, p]));
  const accept = (record: Parameters<typeof recordMatchesGrid>[2]) =>
    recordMatchesGrid(grid.grid, byKey, record);
  const merged = readRuns(join(layout.dir, RUNS_FILE), accept).records;
  const progress: ShardProgress[] = [];
  for (let index = 1; index <= shards; index++) {
    const own = readRuns(join(layout.shardDir(index), RUNS_FILE), accept).records;
    const points = shardPoints(all, { index, count: shards });
    const recorded = points.filter((p) => own.has(p.key) || merged.has(p.key)).length;
    progress.push({ index, runs: points.length, recorded });
  }
  const mergedInGrid = [...merged.keys()].filter((k) => byKey.has(k)).length;
  return { shards: progress, merged: mergedInGrid };
}
