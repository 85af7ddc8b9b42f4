import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { fsOps } from '../src/node/files.js';
import { forEachRunsLine, RUNS_FILE_LIMITS, RunsFileError } from '../src/node/runsFileReader.js';
import { loadSweeps, parseRunsFile } from '../src/report/records.js';
import { mergeSweeps } from '../src/sweep/merge.js';
import { runSweep } from '../src/sweep/runner.js';
import { LOCK_FILE, lockSweepFolder, readRuns } from '../src/sweep/store.js';
import { OutputError } from '../src/util/errors.js';
import { sarlab, tempDir } from './cliHelpers.js';
import { cliBuilt, countLines, runCli, sarSweepGrid, startCli, waitFor } from './sweepCli.js';

/**
 * Reliability of the runs files that report, export and merge read (docs/reliability.md, "Runs
 * files"): regular files only, bounded reading of plain and gzip-compressed files, merge and the
 * sweep lock, merge of .gz folders.
 */
const dir = tempDir('sarlab-runsfiles-');
const f = (name: string) => join(dir, name);

const recordLines = (path: string) =>
  (path.endsWith('.gz') ? gunzipSync(readFileSync(path)) : readFileSync(path))
    .toString('utf8')
    .split('\n')
    .filter((l) => l !== '');

/** A sweep folder of 3 real runs, copied for each test that changes it. */
const SOURCE = f('source');
function sweepCopy(name: string, form: 'plain' | 'gz' = 'plain'): string {
  const d = f(name);
  mkdirSync(d, { recursive: true });
  writeFileSync(join(d, 'grid.json'), readFileSync(join(SOURCE, 'grid.json')));
  const runs = readFileSync(join(SOURCE, 'runs.jsonl'));
  if (form === 'gz') writeFileSync(join(d, 'runs.jsonl.gz'), gzipSync(runs));
  else writeFileSync(join(d, 'runs.jsonl'), runs);
  return d;
}

/** Expect the CLI to refuse with one line naming `file`, exit 2, and no internal error. */
function expectRefused(args: string[], file: RegExp, reason: RegExp): void {
  const r = sarlab(args, { timeout: 30_000 });
  expect(r.status, r.stderr).toBe(2);
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
  expect(r.stderr).toMatch(file);
  expect(r.stderr).toMatch(reason);
  expect(r.stderr).not.toMatch(/internal error|RangeError|FATAL/);
}

beforeAll(async () => {
  await runSweep({ grid: sarSweepGrid(300, [0.01, 0.1, 0.2]), out: SOURCE, workers: 1 });
});

afterEach(() => {
  vi.restoreAllMocks();
});

describe.skipIf(!cliBuilt())('H7: runs.jsonl must be a regular file', () => {
  it('report, export and merge refuse a runs.jsonl that is a symlink to /dev/zero, at once', () => {
    const d = sweepCopy('zero');
    execFileSync('rm', [join(d, 'runs.jsonl')]);
    symlinkSync('/dev/zero', join(d, 'runs.jsonl'));
    const reason = /not a regular file \(a device, FIFO or socket\)/;
    expectRefused(['export', d], /zero\/runs\.jsonl: /, reason);
    expectRefused(['report', d, '--no-figures', '--out', f('zero-report')], /zero\/runs\.jsonl: /, reason);
    expectRefused(['merge', d, '--out', f('zero-merged')], /zero\/runs\.jsonl: /, reason);
  });

  it('export refuses a runs.jsonl.gz that is a FIFO instead of blocking on it', () => {
    const d = f('fifo');
    mkdirSync(d, { recursive: true });
    execFileSync('mkfifo', [join(d, 'runs.jsonl.gz')]);
    expectRefused(['export', d], /fifo\/runs\.jsonl\.gz: /, /not a regular file/);
  });
});

describe.skipIf(!cliBuilt())('H8, M6, M7: runs files are read with bounds', () => {
  it('a 12 KB .gz of 12 million newlines: refused by its line count (no V8 fatal error)', () => {
    const d = f('newlines');
    mkdirSync(d, { recursive: true });
    writeFileSync(join(d, 'runs.jsonl.gz'), gzipSync(Buffer.alloc(12_000_000, 0x0a), { level: 9 }));
    expect(readFileSync(join(d, 'runs.jsonl.gz')).length).toBeLessThan(40_000);
    expectRefused(['export', d], /newlines\/runs\.jsonl\.gz: /, /more than 10000000 lines: not a runs file/);
  });

  it('a gzip bomb of one endless line: refused by the line length', () => {
    const d = f('bomb-line');
    mkdirSync(d, { recursive: true });
    writeFileSync(join(d, 'runs.jsonl.gz'), gzipSync(Buffer.alloc(16 * 1024 * 1024, 0x61), { level: 9 }));
    expectRefused(['export', d], /bomb-line\/runs\.jsonl\.gz: /, /a line longer than 1048576 bytes/);
  });

  it('a truncated .gz and a file that is not gzip: refused, naming the file (exit 2)', () => {
    const truncated = sweepCopy('truncated', 'gz');
    const whole = readFileSync(join(truncated, 'runs.jsonl.gz'));
    writeFileSync(join(truncated, 'runs.jsonl.gz'), whole.subarray(0, whole.length >> 1));
    expectRefused(
      ['export', truncated],
      /truncated\/runs\.jsonl\.gz: /,
      /not a whole gzip file \(unexpected end of file\)/,
    );
    expectRefused(
      ['report', truncated, '--no-figures', '--out', f('truncated-report')],
      /truncated\/runs\.jsonl\.gz: /,
      /not a whole gzip file/,
    );
    const plain = sweepCopy('not-gzip', 'plain');
    execFileSync('mv', [join(plain, 'runs.jsonl'), join(plain, 'runs.jsonl.gz')]);
    expectRefused(
      ['merge', plain, '--out', f('not-gzip-merged')],
      /not-gzip\/runs\.jsonl\.gz: /,
      /not a whole gzip file \(incorrect header check\)/,
    );
    expect(existsSync(f('not-gzip-merged'))).toBe(false);
  });

  it('the bounds hold whatever the content (small limits, the same code path)', () => {
    const limits = { ...RUNS_FILE_LIMITS, gzExpandedBytes: 1_000_000, lines: 1000, lineBytes: 5000 };
    // A gzip bomb: 50 members of 1 MB of zeros each, 50 MB expanded from about 50 KB.
    const member = gzipSync(Buffer.alloc(1_000_000), { level: 9 });
    writeFileSync(f('bomb.gz'), Buffer.concat(Array.from({ length: 50 }, () => member)));
    expect(() => parseRunsFile(f('bomb.gz'), limits)).toThrow(RunsFileError);
    expect(() => parseRunsFile(f('bomb.gz'), limits)).toThrow(/expands to more than 1000000 bytes/);
    // Plain files: newlines and long lines, read in pieces.
    writeFileSync(f('newlines.jsonl'), Buffer.alloc(1001, 0x0a));
    expect(() => parseRunsFile(f('newlines.jsonl'), limits)).toThrow(/more than 1000 lines/);
    writeFileSync(f('long.jsonl'), `${'x'.repeat(3000)}\n${'y'.repeat(5001)}\n`);
    expect(() => parseRunsFile(f('long.jsonl'), limits)).toThrow(/a line longer than 5000 bytes/);
    // Lines split across the read pieces come back whole, with their offsets.
    const text = `${'a'.repeat(4 * 1024 * 1024 - 3)}\nbb\n\ncc`;
    writeFileSync(f('pieces.jsonl'), text);
    const seen: [number, number, boolean][] = [];
    forEachRunsLine(f('pieces.jsonl'), (line, end, complete) => seen.push([line.length, end, complete]), {
      ...RUNS_FILE_LIMITS,
      lineBytes: 8 * 1024 * 1024,
    });
    expect(seen).toEqual([
      [4 * 1024 * 1024 - 3, 4 * 1024 * 1024 - 2, true],
      [2, 4 * 1024 * 1024 + 1, true],
      [0, 4 * 1024 * 1024 + 2, true],
      [2, text.length, false],
    ]);
  });

  it('a torn or garbled last line is still cut off on resume (offsets of the pieces)', () => {
    const path = f('torn.jsonl');
    const good = readFileSync(join(SOURCE, 'runs.jsonl'), 'utf8');
    writeFileSync(path, `${good}{"garbled\n`);
    const read = readRuns(path);
    expect(read.records.size).toBe(3);
    expect(read.validBytes).toBe(Buffer.byteLength(good));
    expect(read.tornBytes).toBe('{"garbled\n'.length);
    expect(read.badLines).toEqual([]);
  });
});

describe.skipIf(!cliBuilt())('M8: merge reads runs.jsonl.gz too', () => {
  it('merging a .gz-only folder into itself keeps every run in runs.jsonl.gz and writes no runs.jsonl beside it', () => {
    const d = sweepCopy('gz-self', 'gz');
    const r = sarlab(['merge', d, '--out', d]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/3 of 3 runs/);
    expect(readdirSync(d).sort()).toEqual(['grid.json', 'runs.jsonl.gz']);
    expect(recordLines(join(d, 'runs.jsonl.gz'))).toHaveLength(3);
  });

  it('report and export read runs.jsonl and runs.jsonl.gz when both are there: neither hides the other', () => {
    const d = sweepCopy('both', 'gz');
    const [first, second, third] = recordLines(join(SOURCE, 'runs.jsonl'));
    writeFileSync(join(d, 'runs.jsonl.gz'), gzipSync(`${first}\n${second}\n`));
    writeFileSync(join(d, 'runs.jsonl'), `${second}\n${third}\n`);
    const notices: string[] = [];
    const loaded = loadSweeps([d], (m) => notices.push(m));
    // runs.jsonl first, then what only runs.jsonl.gz holds; the run in both counts once.
    const key = (line: string) => JSON.parse(line).key as string;
    expect(loaded.runs.map((r) => r.record.key)).toEqual([second, third, first].map(key));
    expect(loaded.duplicates).toBe(0);
    expect(notices).toEqual([]);
    const r = sarlab(['export', d]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trimEnd().split('\n')).toHaveLength(4);
  });

  it('a .gz folder merged with a plain one into a new folder: every run, in runs.jsonl', () => {
    const a = sweepCopy('gz-a', 'gz');
    const b = sweepCopy('plain-b', 'plain');
    // b lacks one run, a has all: the union is whole.
    writeFileSync(join(b, 'runs.jsonl'), `${recordLines(join(b, 'runs.jsonl'))[0]}\n`);
    const out = f('gz-merged');
    const result = mergeSweeps([b, a], out);
    expect(result.merged).toBe(3);
    expect(result.runsFile).toBe(join(out, 'runs.jsonl'));
    expect(recordLines(join(out, 'runs.jsonl'))).toHaveLength(3);
  });
});

describe.skipIf(!cliBuilt())('H9, M10: merge and the sweep lock', () => {
  it('merge into a folder whose sweep is running is refused (exit 2) and the sweep loses nothing', () => {
    const d = sweepCopy('busy');
    const before = readFileSync(join(d, 'runs.jsonl'), 'utf8');
    // This process stands for the sweep: it holds the lock, as runSweep does while it writes.
    const release = lockSweepFolder(d);
    try {
      const r = sarlab(['merge', d, f('source'), '--out', d]);
      expect(r.status, r.stderr).toBe(2);
      expect(r.stderr).toMatch(
        new RegExp(`busy is in use by another sweep or merge \\(pid ${process.pid}\\)`),
      );
      expect(readFileSync(join(d, 'runs.jsonl'), 'utf8')).toBe(before);
    } finally {
      release();
    }
  });

  it('merge into the folder of a sweep that is writing (two processes): refused, and the sweep records every run', async () => {
    const out = f('live-sweep');
    const sweep = startCli([
      'sweep',
      '--rules',
      'sar',
      '--learning-rates',
      '0.001,0.002,0.003,0.004,0.005,0.006',
      '--steps',
      '3000',
      '--workers',
      '1',
      '--out',
      out,
    ]);
    const runs = join(out, 'runs.jsonl');
    // Once the first run is recorded the sweep is writing there; merge now.
    let ended = false;
    void sweep.done.then(() => {
      ended = true;
    });
    await waitFor(() => ended || countLines(runs) >= 1);
    const merge = await runCli(['merge', out, '--out', out]);
    // The sweep was alive from before the merge began until after it ended: it held the lock.
    const overlapped = !ended;
    const result = await sweep.done;
    expect(result.code, result.stderr).toBe(0);
    if (overlapped || merge.code !== 0) {
      expect(merge.code, merge.stderr).toBe(2);
      expect(merge.stderr).toMatch(/live-sweep is in use by another sweep or merge \(pid \d+\)/);
    }
    // Refused while the sweep held the lock, or (on a machine so slow the sweep ended first) merged
    // after it: either way no record is lost.
    expect(countLines(runs)).toBe(6);
  });

  it('a sweep cannot start in a folder while a merge writes there', async () => {
    const d = sweepCopy('merging');
    let sweepError: unknown = null;
    // The moment merge writes grid.json it holds the lock: try a sweep into the folder right then.
    const real = fsOps.writeSync;
    let tried = false;
    vi.spyOn(fsOps, 'writeSync').mockImplementation(((...args: Parameters<typeof real>) => {
      if (!tried && existsSync(join(d, LOCK_FILE))) {
        tried = true;
        try {
          lockSweepFolder(d);
        } catch (error) {
          sweepError = error;
        }
      }
      return real(...args);
    }) as typeof real);
    mergeSweeps([d], d);
    expect(tried).toBe(true);
    expect(String(sweepError)).toMatch(/in use by another sweep or merge/);
    expect(existsSync(join(d, LOCK_FILE))).toBe(false);
    expect(recordLines(join(d, 'runs.jsonl'))).toHaveLength(3);
  });

  it('M10: a full disk while taking the lock: one OutputError, no empty sweep.lock left behind', async () => {
    const d = f('full-lock');
    mkdirSync(d, { recursive: true });
    vi.spyOn(fsOps, 'writeSync').mockImplementation(() => {
      throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
    });
    expect(() => lockSweepFolder(d)).toThrow(OutputError);
    expect(() => lockSweepFolder(d)).toThrow(/sweep\.lock.*no space left on the device \(ENOSPC\)/);
    expect(existsSync(join(d, LOCK_FILE))).toBe(false);
    const error = await runSweep({ grid: sarSweepGrid(300, [0.1]), out: d, workers: 1 }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(OutputError);
    expect(readdirSync(d)).not.toContain(LOCK_FILE);
    // A file system without hard links: the lock is created exclusively and written instead.
    vi.restoreAllMocks();
    vi.spyOn(fsOps, 'linkSync').mockImplementation(() => {
      throw Object.assign(new Error('EPERM: operation not permitted, link'), { code: 'EPERM' });
    });
    const release = lockSweepFolder(d);
    expect(readFileSync(join(d, LOCK_FILE), 'utf8')).toMatch(new RegExp(`^${process.pid} `));
    expect(() => lockSweepFolder(d)).toThrow(/in use by another sweep or merge/);
    release();
    expect(readdirSync(d)).toEqual([]);
    // A short write (part of the line) is a full disk too.
    vi.spyOn(fsOps, 'writeSync').mockImplementation(() => 2);
    expect(() => lockSweepFolder(d)).toThrow(/no space left/);
    expect(readdirSync(d)).not.toContain(LOCK_FILE);
  });
});
