import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fsOps } from '../src/node/files.js';
import { mergeSweeps } from '../src/sweep/merge.js';
import { runSweep } from '../src/sweep/runner.js';
import { LOCK_FILE, lockSweepFolder, readGridFile } from '../src/sweep/store.js';
import { OutputError } from '../src/util/errors.js';
import { sarlab, tempDir } from './cliHelpers.js';
import { cliBuilt, sarSweepGrid } from './sweepCli.js';

/**
 * Reliability of sweeps, merge and report (docs/reliability.md), and the documented size limits.
 */
const dir = tempDir('sarlab-sweep-rel-');
const f = (name: string) => join(dir, name);

const lines = (path: string) =>
  existsSync(path)
    ? readFileSync(path, 'utf8')
        .split('\n')
        .filter((l) => l !== '')
    : [];

afterEach(() => {
  vi.restoreAllMocks();
});

describe.skipIf(!cliBuilt())('item 8: a sweep on a full disk stops cleanly and resumes', () => {
  it('ENOSPC while recording: an OutputError (no crash), nothing partial, the rest done on resume', async () => {
    const out = f('full-disk');
    const real = fsOps.writeSync;
    let calls = 0;
    // The lock and grid.json are written (one call each), then the disk is full.
    vi.spyOn(fsOps, 'writeSync').mockImplementation(((...args: Parameters<typeof real>) => {
      if (calls++ < 2) return real(...args);
      throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
    }) as typeof real);
    const error = await runSweep({ grid: sarSweepGrid(300), out, workers: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OutputError);
    expect((error as Error).message).toMatch(/runs\.jsonl.*no space left/);
    expect(lines(join(out, 'runs.jsonl'))).toEqual([]);
    expect(existsSync(join(out, LOCK_FILE))).toBe(false);
    vi.restoreAllMocks();
    const resumed = await runSweep({ grid: sarSweepGrid(300), out, workers: 1 });
    expect(resumed.completed).toBe(2);
    expect(lines(join(out, 'runs.jsonl'))).toHaveLength(2);
  });
});

describe.skipIf(!cliBuilt())(
  'item 14: records are checked against the grid, not trusted by their key',
  () => {
    it('resume runs again a record copied from a grid with another budget; merge leaves it out, with a notice', async () => {
      const a = f('budget-300');
      const b = f('budget-400');
      await runSweep({ grid: sarSweepGrid(300), out: a, workers: 1 });
      // Same keys, another budget: the records of b do not belong to a.
      mkdirSync(b, { recursive: true });
      writeFileSync(join(b, 'grid.json'), readFileSync(join(a, 'grid.json')));
      const foreignGrid = sarSweepGrid(400);
      await runSweep({ grid: foreignGrid, out: f('budget-400-real'), workers: 1 });
      writeFileSync(join(b, 'runs.jsonl'), readFileSync(join(f('budget-400-real'), 'runs.jsonl')));
      const notices: string[] = [];
      const merged = mergeSweeps([a, b], f('merged'), (m) => notices.push(m));
      expect(merged.foreign).toHaveLength(2);
      expect(notices.join('\n')).toMatch(/another configuration/);
      for (const line of lines(join(f('merged'), 'runs.jsonl')))
        expect(JSON.parse(line).config.steps).toBe(300);
      // Resume into b: the foreign records are not counted as done.
      const notes: string[] = [];
      const resumed = await runSweep({
        grid: sarSweepGrid(300),
        out: b,
        workers: 1,
        notice: (m) => notes.push(m),
      });
      expect(resumed.skipped).toBe(0);
      expect(resumed.completed).toBe(2);
      expect(notes.join('\n')).toMatch(/2 record\(s\) were made with another configuration/);
    });

    it('merge --out a folder with runs.jsonl but no grid.json is refused, and the file kept', () => {
      const out = f('not-a-sweep');
      mkdirSync(out, { recursive: true });
      writeFileSync(join(out, 'runs.jsonl'), 'precious\n');
      expect(() => mergeSweeps([f('budget-300')], out)).toThrow(/refusing to overwrite/);
      expect(readFileSync(join(out, 'runs.jsonl'), 'utf8')).toBe('precious\n');
    });

    it('a grid.json whose id is not the hash of its content is refused', () => {
      const edited = f('edited');
      mkdirSync(edited, { recursive: true });
      const file = JSON.parse(readFileSync(join(f('budget-300'), 'grid.json'), 'utf8'));
      file.grid.base.steps = 999;
      writeFileSync(join(edited, 'grid.json'), JSON.stringify(file));
      expect(() => readGridFile(edited)).toThrow(/the file was edited or damaged/);
    });
  },
);

describe.skipIf(!cliBuilt())(
  'item 17: hostile grid.json and records end in one line, not an internal error',
  () => {
    const hostile: [string, string][] = [
      [
        'a grid of the wrong types',
        JSON.stringify({ format: 'sarlab-sweep-grid', version: 1, id: 'x', runs: 1, grid: { rules: 5 } }),
      ],
      [
        'a grid with a bad base',
        JSON.stringify({
          format: 'sarlab-sweep-grid',
          version: 1,
          id: 'x',
          runs: 1,
          grid: {
            rules: ['sar'],
            learningRates: [0.1],
            depths: null,
            width: 10,
            relevance: ['abs-error'],
            inputs: ['rows'],
            tracks: ['default'],
            seeds: [1],
            base: { steps: 'many' },
          },
        }),
      ],
      ['a JSON array', '[1,2,3]'],
    ];
    for (const [name, text] of hostile) {
      it(`merge and report refuse ${name} (exit 2)`, () => {
        const d = f(`hostile-${name.replace(/\W+/g, '-')}`);
        mkdirSync(d, { recursive: true });
        writeFileSync(join(d, 'grid.json'), text);
        writeFileSync(join(d, 'runs.jsonl'), '');
        for (const args of [
          ['merge', d, '--out', f('m17')],
          ['report', d, '--out', f('r17')],
        ]) {
          const r = sarlab(args);
          expect(r.status, r.stderr).toBe(2);
          expect(r.stderr.trim().split('\n')).toHaveLength(1);
          expect(r.stderr).not.toMatch(/internal error/);
        }
      });
    }

    it('wrongly typed records are skipped as unreadable lines, not a crash', () => {
      const d = f('typed');
      mkdirSync(d, { recursive: true });
      writeFileSync(join(d, 'grid.json'), readFileSync(join(f('budget-300'), 'grid.json')));
      const good = lines(join(f('budget-300'), 'runs.jsonl'))[0];
      const bad = JSON.stringify({ key: JSON.parse(good).key, success: true, rule: 'sar', config: 7 });
      writeFileSync(join(d, 'runs.jsonl'), `${bad}\n${good}\n`);
      const r = sarlab(['report', d, '--no-figures', '--out', f('typed-report')]);
      expect(r.status, r.stderr).toBe(0);
      expect(existsSync(join(f('typed-report'), 'report.md'))).toBe(true);
    });

    it('merge and report with --out pointing at a file are refused (exit 2)', () => {
      writeFileSync(f('a-file'), 'x');
      for (const args of [
        ['merge', f('budget-300'), '--out', f('a-file')],
        ['report', f('budget-300'), '--no-figures', '--out', f('a-file')],
      ]) {
        const r = sarlab(args);
        expect(r.status, r.stderr).toBe(2);
        expect(r.stderr).toMatch(/--out: .*expected a folder/);
      }
    });
  },
);

describe.skipIf(!cliBuilt())('item 24: report never pools runs of different budgets', () => {
  it('reports two folders of different grids (another budget) together, each budget its own condition', () => {
    const r = sarlab(['report', f('budget-300'), f('budget-400-real'), '--no-figures', '--out', f('r24')]);
    expect(r.status, r.stderr).toBe(0);
    const markdown = readFileSync(join(f('r24'), 'report.md'), 'utf8');
    expect(markdown).toContain('the step budget is 300 or 400');
    expect(markdown).toContain('| sar · depth 5 · default · budget 300 |');
    expect(markdown).toContain('| sar · depth 5 · default · budget 400 |');
  });
});

describe('item 19: one sweep per folder at a time', () => {
  it('a second sweep is refused while the first holds the lock; a stale lock is taken over', () => {
    const d = f('locked');
    mkdirSync(d, { recursive: true });
    const release = lockSweepFolder(d);
    expect(readFileSync(join(d, LOCK_FILE), 'utf8').trim()).toBe(`${process.pid} ${hostname()}`);
    expect(() => lockSweepFolder(d)).toThrow(
      new RegExp(`in use by another sweep or merge \\(pid ${process.pid}\\)`),
    );
    const r = sarlab(['sweep', '--learning-rates', '0.1', '--steps', '200', '--workers', '1', '--out', d]);
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/in use by another sweep/);
    release();
    expect(existsSync(join(d, LOCK_FILE))).toBe(false);
    // A lock left by a killed process (no such pid) is stale.
    writeFileSync(join(d, LOCK_FILE), '999999999\n');
    const again = lockSweepFolder(d);
    again();
    expect(readdirSync(d)).not.toContain(LOCK_FILE);
    // A lock taken on another machine (a shared file system) cannot be checked: refused, with the way out.
    writeFileSync(join(d, LOCK_FILE), '123 another-host\n');
    expect(() => lockSweepFolder(d)).toThrow(/pid 123 on another-host\); if it is gone, remove/);
  });
});

describe('items 12, 13 and 18: limits and flags refused up front with exit 2', () => {
  writeFileSync(f('rows.json'), JSON.stringify({ world: { rows: { count: 1e8 } } }));
  writeFileSync(
    f('grid.json'),
    JSON.stringify({ world: { inputs: 'camera', camera: { grid: [1e5, 1e5] } } }),
  );
  const cases: [string, string[], RegExp][] = [
    [
      '--steps 1e12',
      ['run', '--steps', '1e12'],
      /--steps: got 1000000000000, expected a number <= 1000000000/,
    ],
    [
      '--layers 100000000,2',
      ['run', '--layers', '100000000,2'],
      /--layers: got 100000000, expected a number <= 10000/,
    ],
    ['a network of too many weights', ['run', '--layers', '10000,10000,10000,2'], /at most 20000000 weights/],
    ['rows.count 1e8', ['run', '--config', f('rows.json')], /rows\.count: got 100000000/],
    ['camera.grid [1e5,1e5]', ['run', '--config', f('grid.json')], /camera\.grid\.0: got 100000/],
    [
      'sweep --width 1e6',
      ['sweep', '--width', '1e6', '--dry-run'],
      /width: got 1000000, expected a whole number from 1 to 10000/,
    ],
    ['lin:0:1:1e9', ['sweep', '--learning-rates', 'lin:0:1:1e9', '--dry-run'], /at most 10000 values/],
    [
      'a grid of 5e6 runs',
      ['sweep', '--learning-rates', 'lin:0:1:5000', '--seeds', '1..1000', '--dry-run'],
      /grid: got "5000000 runs", expected at most 1000000 runs/,
    ],
    [
      'an unknown track in a sweep',
      ['sweep', '--tracks', 'default,nope', '--dry-run'],
      /--tracks: got "nope"/,
    ],
    [
      'a missing PNG track in a sweep',
      ['sweep', '--tracks', `default,${f('nope.png')}`, '--dry-run'],
      /--tracks: .*ENOENT/,
    ],
    ['--learning-rate 0x10', ['run', '--learning-rate', '0x10'], /--learning-rate: got "0x10"/],
    [
      '--learning-rates 0x10',
      ['sweep', '--learning-rates', '0x10', '--dry-run'],
      /--learning-rates: got "0x10"/,
    ],
    [
      '--robot-timeout 70000',
      ['run', '--robot', 'tcp:127.0.0.1:9', '--robot-timeout', '70000'],
      /--robot-timeout: got "70000", expected an integer from 1 to 65535/,
    ],
    ['--robot serial:/nonexistent', ['run', '--robot', 'serial:/nonexistent'], /--robot: .*does not exist/],
    ['robot-emulator --port 70000', ['robot-emulator', '--port', '70000'], /--port: got "70000"/],
    [
      'robot-emulator --host 999.1.1.1',
      ['robot-emulator', '--port', '0', '--host', '999.1.1.1'],
      /--host: got "999\.1\.1\.1"/,
    ],
    [
      'robot-emulator --serial /nonexistent',
      ['robot-emulator', '--serial', '/nonexistent'],
      /--serial: got "\/nonexistent"/,
    ],
  ];
  for (const [name, args, message] of cases) {
    it(`refuses ${name}`, () => {
      const r = sarlab([...args, ...(args[0] === 'run' ? ['--out', f('o12')] : [])], { timeout: 30_000 });
      expect(r.status, r.stderr).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toMatch(/internal error|RangeError/);
    });
  }
});

describe('sibling of item 5: runs.jsonl must be a regular file', () => {
  it('merge refuses a runs.jsonl that is a FIFO instead of blocking on it', async () => {
    const { execFileSync } = await import('node:child_process');
    const d = f('fifo-runs');
    mkdirSync(d, { recursive: true });
    writeFileSync(join(d, 'grid.json'), readFileSync(join(f('budget-300'), 'grid.json')));
    execFileSync('mkfifo', [join(d, 'runs.jsonl')]);
    const r = sarlab(['merge', d, '--out', f('m-fifo')], { timeout: 20_000 });
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/runs\.jsonl: .*device, FIFO or socket/);
  });
});
