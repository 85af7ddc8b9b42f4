import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCK_FILE, lockSweepFolder } from '../src/sweep/store.js';
import { sarlab, tempDir } from './cliHelpers.js';
import { cliBuilt, countLines, ROOT } from './sweepCli.js';

// `sarlab sweep --slurm` on a real Slurm cluster (scripts/slurm-one-node.sh starts one on this
// machine; .ci/run does). In CI these tests must run; elsewhere they skip without a cluster.
function slurmMissing(): string | null {
  const sinfo = spawnSync('sinfo', ['--noheader', '--format=%T'], { encoding: 'utf8', timeout: 20_000 });
  const code = (sinfo.error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT') return 'sinfo not found on PATH';
  if (sinfo.error) return `sinfo did not answer (${code ?? sinfo.error.message})`;
  if (sinfo.status !== 0) return `sinfo failed (${sinfo.stderr.trim().split('\n')[0]})`;
  if (!/\b(idle|mixed|allocated|completing)\b/.test(sinfo.stdout))
    return `no node takes jobs (${sinfo.stdout.trim()})`;
  return null;
}
const missing = slurmMissing();
const skip = missing !== null && !process.env.CI;
if (skip)
  console.warn(
    `skipping the Slurm cluster tests: ${missing} (scripts/slurm-one-node.sh starts a one-node cluster)`,
  );

// A tiny grid: 12 short runs (some succeed early, some spend the whole 20,000 steps), 4 per shard.
const GRID = ['--seeds', '1..6', '--learning-rates', '0.001,0.1', '--steps', '20000'];
const GRID_RUNS = 12;

interface Line {
  key: string;
  success: boolean;
  stepsToSuccess: number | null;
  evaluation: unknown;
}

function lines(path: string): Line[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Line);
}

/** What a local sweep and a Slurm sweep must agree on, by key. */
function essentials(path: string): Map<string, string> {
  return new Map(
    lines(path).map((r) => [r.key, JSON.stringify([r.success, r.stepsToSuccess, r.evaluation])]),
  );
}

function slurm(command: string, args: string[]): string {
  const result = spawnSync(command, args, { encoding: 'utf8', timeout: 30_000 });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
}

/** Polls `check` (bounded): the event waited for is a state of the queue or of a file. */
async function until(what: string, check: () => boolean, timeoutMs = 150_000, everyMs = 100): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Waits until none of the jobs is queued or running any more. */
function jobsGone(ids: string[]): () => boolean {
  return () =>
    slurm('squeue', ['--noheader', '--array', `--jobs=${ids.join(',')}`, '--format=%i']).trim() === '';
}

function jobIds(stdout: string): { array: string; merge: string } {
  const match = /as array job (\d+), and the merge as job (\d+)/.exec(stdout);
  if (!match) throw new Error(`no job ids in: ${stdout}`);
  return { array: match[1], merge: match[2] };
}

interface Status {
  complete: boolean;
  merged: number;
  shardStatus: { shard: number; runs: number; recorded: number; complete: boolean; slurm: string | null }[];
}

function status(dir: string): Status {
  const result = sarlab(['sweep', 'status', dir, '--json']);
  expect(result.status, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as Status;
}

describe.skipIf(!cliBuilt())('sarlab sweep --slurm without a cluster', () => {
  it('--dry-run prints both job scripts (absolute node and sarlab, the options, the template) and writes nothing', () => {
    const dir = tempDir('sarlab-slurm-dry-');
    const template = join(dir, 'site.sh');
    writeFileSync(template, '#SBATCH --account=proj42\nmodule load nodejs\n');
    const out = join(dir, 'sweep');
    const result = sarlab([
      'sweep',
      ...GRID,
      '--out',
      out,
      '--slurm',
      '3',
      '--slurm-option',
      'partition=short',
      '--slurm-option',
      'time=00:20:00',
      '--slurm-template',
      template,
      '--dry-run',
    ]);
    expect(result.status, result.stderr).toBe(0);
    const [array, merge] = result.stdout.split(`# ${join(out, 'slurm', 'merge.sh')}\n`);
    expect(array).toContain('#SBATCH --array=1-3');
    expect(array).toContain('#SBATCH --signal=B:TERM@60');
    expect(array).toContain('#SBATCH --partition=short');
    expect(array).toContain('#SBATCH --time=00:20:00');
    expect(array).toContain('#SBATCH --account=proj42\nmodule load nodejs');
    expect(array).toContain(
      `exec ${process.execPath} ${join(ROOT, 'bin', 'sarlab.js')} sweep --grid ${join(out, 'grid.json')}`,
    );
    expect(array).toContain('--shard "$shard/3"');
    expect(merge).toContain('#SBATCH --partition=short');
    expect(merge).toContain(`merge ${join(out, 'shards')}/shard-*-of-3 --out ${out}`);
    expect(existsSync(out)).toBe(false);
  });

  it('refuses reserved options, --shard with --slurm and a missing sbatch, each in one line', () => {
    const dir = tempDir('sarlab-slurm-bad-');
    const reserved = sarlab(['sweep', ...GRID, '--out', dir, '--slurm', '2', '--slurm-option', 'array=1-4']);
    expect(reserved.status).toBe(2);
    expect(reserved.stderr.trim().split('\n')).toHaveLength(1);
    expect(reserved.stderr).toContain('--slurm-option');
    const shard = sarlab(['sweep', ...GRID, '--out', dir, '--slurm', '2', '--shard', '1/2']);
    expect(shard.status).toBe(2);
    const tooMany = sarlab(['sweep', ...GRID, '--out', dir, '--slurm', String(GRID_RUNS + 1)]);
    expect(tooMany.status).toBe(2);
    // Without sbatch on PATH (an empty folder there).
    const noSbatch = spawnSync(
      process.execPath,
      [join(ROOT, 'bin', 'sarlab.js'), 'sweep', ...GRID, '--out', join(dir, 'x'), '--slurm', '2'],
      { encoding: 'utf8', env: { ...process.env, PATH: tempDir('sarlab-empty-path-') } },
    );
    expect(noSbatch.status).toBe(1);
    expect(noSbatch.stderr).toMatch(/sbatch not found on PATH/);
  });

  it('--grid DIR/grid.json repeats a recorded grid exactly, and refuses grid flags beside it', () => {
    const dir = tempDir('sarlab-slurm-grid-');
    const first = sarlab([
      'sweep',
      '--seeds',
      '1..2',
      '--steps',
      '300',
      '--workers',
      '1',
      '--out',
      join(dir, 'a'),
    ]);
    expect(first.status, first.stderr).toBe(0);
    const again = sarlab([
      'sweep',
      '--grid',
      join(dir, 'a', 'grid.json'),
      '--workers',
      '1',
      '--out',
      join(dir, 'b'),
    ]);
    expect(again.status, again.stderr).toBe(0);
    expect(readFileSync(join(dir, 'b', 'grid.json'), 'utf8')).toBe(
      readFileSync(join(dir, 'a', 'grid.json'), 'utf8'),
    );
    const mixed = sarlab([
      'sweep',
      '--grid',
      join(dir, 'a', 'grid.json'),
      '--steps',
      '500',
      '--out',
      join(dir, 'c'),
    ]);
    expect(mixed.status).toBe(2);
    expect(mixed.stderr).toMatch(/^sarlab: --steps: .*none with --grid/);
    // A folder never submitted to Slurm: status says so.
    const plain = sarlab(['sweep', 'status', join(dir, 'a')]);
    expect(plain.status, plain.stderr).toBe(0);
    expect(plain.stdout).toMatch(/2 runs; 2 recorded, 2 merged into runs.jsonl\nnot submitted to Slurm/);
  });
});

describe.skipIf(skip || !cliBuilt())('sarlab sweep --slurm on a one-node Slurm cluster', () => {
  let work = '';
  let local = '';
  beforeAll(() => {
    // In CI a missing cluster is a failure, not a skip.
    expect(missing, 'a Slurm cluster (scripts/slurm-one-node.sh)').toBeNull();
    work = tempDir('sarlab-slurm-');
    local = join(work, 'local');
    const result = sarlab(['sweep', ...GRID, '--out', local, '--workers', '1', '--no-progress']);
    expect(result.status, result.stderr).toBe(0);
    expect(countLines(join(local, 'runs.jsonl'))).toBe(GRID_RUNS);
  }, 300_000);
  afterAll(() => {
    // Leave nothing of ours in the queue if a test failed half-way.
    const mine = slurm('squeue', ['--noheader', '--format=%i|%o']).split('\n');
    for (const line of mine) {
      const [id, command] = line.split('|');
      if (id && work && command?.startsWith(work)) spawnSync('scancel', [id.split('_')[0]]);
    }
  });

  it('--slurm 3 leaves the records of a local sweep of the same grid (key, success, steps to success, evaluation)', async () => {
    const out = join(work, 'cluster');
    const submitted = sarlab(['sweep', ...GRID, '--out', out, '--slurm', '3']);
    expect(submitted.status, submitted.stderr).toBe(0);
    const ids = jobIds(submitted.stdout);
    expect(submitted.stdout).toContain(`sarlab sweep status ${out}`);
    await until('the array and the merge to finish', jobsGone([ids.array, ids.merge]));
    const merged = join(out, 'runs.jsonl');
    expect(countLines(merged)).toBe(GRID_RUNS);
    expect(essentials(merged)).toEqual(essentials(join(local, 'runs.jsonl')));
    const done = status(out);
    expect(done.complete).toBe(true);
    expect(done.shardStatus.map((s) => [s.recorded, s.slurm])).toEqual([
      [4, 'COMPLETED'],
      [4, 'COMPLETED'],
      [4, 'COMPLETED'],
    ]);
    // The same command again has nothing to submit; the folder reports like any sweep.
    const again = sarlab(['sweep', ...GRID, '--out', out, '--slurm', '3']);
    expect(again.status, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/nothing to do/);
    const report = sarlab(['report', out, '--no-figures', '--out', join(work, 'report')]);
    expect(report.status, report.stderr).toBe(0);
    expect(
      readFileSync(join(work, 'report', 'runs.csv'), 'utf8')
        .trim()
        .split('\n'),
    ).toHaveLength(GRID_RUNS + 1);
  }, 300_000);

  it('a task cancelled mid-run (scancel) is resubmitted alone, and every run is recorded exactly once', async () => {
    const out = join(work, 'cancelled');
    const submitted = sarlab(['sweep', ...GRID, '--out', out, '--slurm', '3']);
    expect(submitted.status, submitted.stderr).toBe(0);
    const first = jobIds(submitted.stdout);
    // Cancel shard 2 once it has recorded its first run (4 runs of up to 20,000 steps each).
    const shard2 = join(out, 'shards', 'shard-2-of-3', 'runs.jsonl');
    await until('shard 2 to record a run', () => countLines(shard2) >= 1, 150_000, 20);
    slurm('scancel', [`${first.array}_2`]);
    await until('the first submission to end', jobsGone([first.array, first.merge]));
    const cut = status(out);
    const two = cut.shardStatus[1];
    expect(two.slurm).toBe('CANCELLED');
    expect(two.complete).toBe(false);
    expect(cut.complete).toBe(false);
    const before = readFileSync(shard2, 'utf8');

    const resubmitted = sarlab(['sweep', ...GRID, '--out', out, '--slurm', '3']);
    expect(resubmitted.status, resubmitted.stderr).toBe(0);
    expect(resubmitted.stdout).toMatch(/submitted shard\(s\) 2 of 3/);
    const second = jobIds(resubmitted.stdout);
    await until('the resubmission to finish', jobsGone([second.array, second.merge]));

    // What shard 2 had recorded is still there, first; the rest was added once.
    expect(readFileSync(shard2, 'utf8').startsWith(before)).toBe(true);
    const merged = lines(join(out, 'runs.jsonl'));
    expect(merged).toHaveLength(GRID_RUNS);
    expect(new Set(merged.map((r) => r.key)).size).toBe(GRID_RUNS);
    const perShard = readdirSync(join(out, 'shards')).flatMap((d) =>
      lines(join(out, 'shards', d, 'runs.jsonl')),
    );
    expect(perShard).toHaveLength(GRID_RUNS);
    expect(new Set(perShard.map((r) => r.key)).size).toBe(GRID_RUNS);
    expect(essentials(join(out, 'runs.jsonl'))).toEqual(essentials(join(local, 'runs.jsonl')));
    const done = status(out);
    expect(done.complete).toBe(true);
    expect(done.shardStatus[1].slurm).toBe('COMPLETED');
  }, 300_000);

  it('a lock left on another node by a Slurm task that has ended is taken over; one of a live task is not', () => {
    const dir = join(work, 'lock');
    mkdirSync(dir, { recursive: true });
    const lock = join(dir, LOCK_FILE);
    // A task Slurm has forgotten (or that ended): its lock is stale, whatever host took it.
    writeFileSync(lock, '123 another-node slurm:999999999_2\n');
    lockSweepFolder(dir)();
    expect(existsSync(lock)).toBe(false);
    // A task still in the queue (held, so it never starts): its lock stands.
    const held = slurm('sbatch', [
      '--parsable',
      '--hold',
      `--output=${join(dir, 'held.out')}`,
      '--wrap',
      'true',
    ])
      .trim()
      .split(';')[0];
    try {
      writeFileSync(lock, `123 another-node slurm:${held}\n`);
      expect(() => lockSweepFolder(dir)).toThrow(
        /in use by another sweep or merge \(pid 123 on another-node\)/,
      );
    } finally {
      slurm('scancel', [held]);
    }
    // Cancelled: it has ended, so the lock goes.
    lockSweepFolder(dir)();
    expect(existsSync(lock)).toBe(false);
  });
});
