import { spawnSync } from 'node:child_process';

/** Talks to Slurm through its commands (`sbatch`, `squeue`, `sacct`, found on PATH). */

/** One submission: the array job (its task I is shard I) and the merge job after it. */
export interface SlurmSubmission {
  submitted: string;
  /** The array job, or null when only a merge was submitted. */
  arrayJob: string | null;
  shards: number[];
  /** The merge job ('' while it is being submitted). */
  mergeJob: string;
}

/** A Slurm command failed or is missing. */
export class SlurmCommandError extends Error {
  override readonly name = 'SlurmCommandError';
}

function call(
  command: string,
  args: string[],
): { ok: boolean; stdout: string; stderr: string; missing: boolean } {
  const result = spawnSync(command, args, { encoding: 'utf8', timeout: 60_000 });
  const missing = (result.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
  return {
    ok: !result.error && result.status === 0,
    stdout: result.stdout ?? '',
    stderr: (result.stderr ?? '').trim() || (result.error ? result.error.message : ''),
    missing,
  };
}

/** True when `sbatch` is on PATH. */
export function sbatchAvailable(): boolean {
  return !call('sbatch', ['--version']).missing;
}

/** Submits a job script; returns its job id. */
export function sbatch(script: string, args: string[]): string {
  const result = call('sbatch', ['--parsable', ...args, script]);
  if (result.missing)
    throw new SlurmCommandError(
      'sbatch not found on PATH: submit from a Slurm login node (or use --dry-run)',
    );
  if (!result.ok)
    throw new SlurmCommandError(`sbatch ${[...args, script].join(' ')} failed: ${result.stderr}`);
  // --parsable prints "id" or "id;cluster".
  const id = result.stdout.trim().split(';')[0];
  if (!/^\d+$/.test(id)) throw new SlurmCommandError(`sbatch printed no job id: ${result.stdout.trim()}`);
  return id;
}

/** States in which a job or array task still holds (or waits for) resources. */
const ACTIVE = new Set([
  'PENDING',
  'RUNNING',
  'CONFIGURING',
  'COMPLETING',
  'SUSPENDED',
  'REQUEUED',
  'REQUEUE_HOLD',
  'REQUEUE_FED',
  'RESIZING',
  'SIGNALING',
  'STAGE_OUT',
  'STOPPED',
]);

export function isActiveState(state: string): boolean {
  return ACTIVE.has(state.split(' ')[0]);
}

/** What Slurm says of one job or array task. */
export interface TaskState {
  /** e.g. PENDING, RUNNING, COMPLETED, FAILED, TIMEOUT, CANCELLED. */
  state: string;
  /** Why it is pending, or the exit code when it ended (when known). */
  detail: string;
  /** Where it came from: squeue (jobs the controller still holds) or sacct (accounting). */
  source: 'squeue' | 'sacct';
}

/**
 * States of jobs and array tasks by id ("123" for a job, "123_4" for task 4 of array 123): from
 * `squeue` for the jobs the controller still knows (queued, running, or recently ended), then from
 * `sacct` for the others when accounting is there. Ids that neither knows are missing from the map.
 */
export function jobStates(jobIds: string[]): Map<string, TaskState> {
  const states = new Map<string, TaskState>();
  if (jobIds.length === 0) return states;
  for (const id of jobIds) {
    // One id per call: squeue refuses the whole list when one id has been forgotten.
    const result = call('squeue', [
      '--noheader',
      '--array',
      '--states=all',
      `--jobs=${id}`,
      '--format=%i|%T|%r',
    ]);
    if (!result.ok) continue;
    for (const line of result.stdout.split('\n')) {
      const [task, state, reason] = line.trim().split('|');
      if (!task || !state) continue;
      states.set(task, { state, detail: reason && reason !== 'None' ? reason : '', source: 'squeue' });
    }
  }
  const unknown = jobIds.filter((id) => ![...states.keys()].some((k) => k === id || k.startsWith(`${id}_`)));
  if (unknown.length > 0) {
    const result = call('sacct', [
      '--noheader',
      '--parsable2',
      '--allocations',
      `--jobs=${unknown.join(',')}`,
      '--format=JobID,State,ExitCode',
    ]);
    if (result.ok) {
      for (const line of result.stdout.split('\n')) {
        const [task, state, exit] = line.trim().split('|');
        if (!task || !state) continue;
        states.set(task, { state: state.split(' ')[0], detail: exit ? `exit ${exit}` : '', source: 'sacct' });
      }
    }
  }
  return states;
}

/** The latest Slurm state of each shard's task (its last submission), and of the last merge job. */
export function shardStates(
  submissions: SlurmSubmission[],
  states: Map<string, TaskState>,
): {
  shards: Map<number, { job: string; state: TaskState | null }>;
  merge: { job: string; state: TaskState | null } | null;
} {
  const shards = new Map<number, { job: string; state: TaskState | null }>();
  for (const submission of submissions) {
    if (!submission.arrayJob) continue;
    for (const shard of submission.shards) {
      const job = `${submission.arrayJob}_${shard}`;
      shards.set(shard, { job, state: states.get(job) ?? null });
    }
  }
  const last = submissions.at(-1);
  const merge = last?.mergeJob ? { job: last.mergeJob, state: states.get(last.mergeJob) ?? null } : null;
  return { shards, merge };
}

/** Every job id of the submissions (array jobs and merge jobs). */
export function submissionJobIds(submissions: SlurmSubmission[]): string[] {
  const ids = new Set<string>();
  for (const s of submissions) {
    if (s.arrayJob) ids.add(s.arrayJob);
    if (s.mergeJob) ids.add(s.mergeJob);
  }
  return [...ids];
}

/** The Slurm job (or array task, "123_4") this process runs in, or null outside Slurm. */
export function ownSlurmJob(env: NodeJS.ProcessEnv = process.env): string | null {
  const valid = (id: string | undefined) => (id && /^\d+$/.test(id) ? id : null);
  const array = valid(env.SLURM_ARRAY_JOB_ID);
  const task = valid(env.SLURM_ARRAY_TASK_ID);
  if (array && task) return `${array}_${task}`;
  return valid(env.SLURM_JOB_ID);
}

/**
 * True when Slurm says that a job has ended (or no longer knows it); false when it is still active,
 * or when Slurm cannot be asked (no squeue here): then the job may still be running.
 */
export function slurmJobEnded(job: string): boolean {
  if (!/^\d+(_\d+)?$/.test(job)) return false;
  const result = call('squeue', ['--noheader', '--array', '--states=all', `--jobs=${job}`, '--format=%T']);
  if (result.missing) return false;
  if (!result.ok) return /invalid job id/i.test(result.stderr);
  const states = result.stdout
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  return states.every((state) => !isActiveState(state));
}
