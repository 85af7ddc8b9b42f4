import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultRunConfig, parseRunConfig } from '../src/run/config.js';
import { Simulation } from '../src/run/simulation.js';
import {
  expandGrid,
  gridId,
  parseNumberList,
  parseShard,
  pointConfig,
  type SweepGrid,
  shardPoints,
} from '../src/sweep/grid.js';
import { readRuns } from '../src/sweep/store.js';
import { ValidationError } from '../src/util/errors.js';
import { cliBuilt, countLines, recordsByKey, runCli, startCli, waitFor } from './sweepCli.js';

function smallGrid(overrides: Partial<SweepGrid> = {}): SweepGrid {
  return {
    rules: ['sar', 'backprop'],
    learningRates: [0.01, 0.1, 1],
    depths: null,
    width: 10,
    relevance: ['abs-error'],
    inputs: ['rows'],
    tracks: ['default'],
    seeds: [1, 2],
    base: defaultRunConfig(),
    ...overrides,
  };
}

describe('grid syntax', () => {
  it('expands log ranges, integer ranges and lists', () => {
    expect(parseNumberList('x', 'log:0.001:1:4')).toEqual([0.001, 0.01, 0.1, 1]);
    expect(parseNumberList('x', 'lin:0:1:3')).toEqual([0, 0.5, 1]);
    expect(parseNumberList('x', '1..4,7', { integer: true })).toEqual([1, 2, 3, 4, 7]);
    expect(parseNumberList('x', '0.5,0.5,2')).toEqual([0.5, 2]);
    expect(parseNumberList('x', 'log:0.0003:1:12')).toHaveLength(12);
  });

  it('rejects malformed lists with a ValidationError naming the flag', () => {
    for (const bad of ['log:0:1:3', 'log:0.1:1:x', '3..1', '1,,2', 'abc', '1.5']) {
      expect(() => parseNumberList('seeds', bad, { integer: true })).toThrow(ValidationError);
    }
    expect(() => parseShard('0/3')).toThrow(/--shard/);
    expect(() => parseShard('4/3')).toThrow(/--shard/);
    expect(parseShard('2/3')).toEqual({ index: 2, count: 3 });
  });

  it('gives every point a distinct, stable key; depth d means d-1 hidden layers plus the output layer', () => {
    const grid = smallGrid({ depths: [2, 5], learningRates: [0.1] });
    const points = expandGrid(grid);
    expect(points).toHaveLength(2 * 2 * 2);
    expect(new Set(points.map((p) => p.key)).size).toBe(points.length);
    expect(points[0].key).toBe('sar lr=0.1 depth=2 relevance=abs-error inputs=rows track=default seed=1');
    expect(pointConfig(grid, points[0]).network.layers).toEqual([10, 2]);
    expect(pointConfig(grid, points[2]).network.layers).toEqual([10, 10, 10, 10, 2]);
    expect(gridId(grid)).toBe(gridId(smallGrid({ depths: [2, 5], learningRates: [0.1] })));
    expect(gridId(grid)).not.toBe(gridId(smallGrid({ depths: [2, 5], learningRates: [0.2] })));
  });

  it('splits the grid into disjoint shards that cover it', () => {
    const points = expandGrid(smallGrid());
    const shards = [1, 2, 3].map((index) => shardPoints(points, { index, count: 3 }));
    expect(
      shards
        .flat()
        .map((p) => p.index)
        .sort((a, b) => a - b),
    ).toEqual(points.map((p) => p.index));
    expect(shards.map((s) => s.length)).toEqual([4, 4, 4]);
  });
});

describe('runs.jsonl', () => {
  it('detects a torn last line and ignores it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sarlab-store-'));
    try {
      const path = join(dir, 'runs.jsonl');
      const summary = new Simulation(parseRunConfig({ steps: 10 })).runToEnd();
      const good = JSON.stringify({ key: 'a', ...summary });
      writeFileSync(path, `${good}\n${good.replace('"a"', '"b"')}\n{"key":"c","succ`);
      const result = readRuns(path);
      expect([...result.records.keys()]).toEqual(['a', 'b']);
      expect(result.tornBytes).toBe('{"key":"c","succ'.length);
      expect(result.validBytes).toBe(2 * (good.length + 1));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

const SWEEP = [
  'sweep',
  '--rules',
  'sar,backprop',
  '--learning-rates',
  '0.01,0.1,1',
  '--seeds',
  '1..2',
  // Every run uses its whole (small) budget, so that a run lasts long enough to be killed mid-sweep.
  '--steps',
  '8000',
  '--after-success',
  '-1',
];

describe.skipIf(!cliBuilt())('sarlab sweep (the built CLI)', () => {
  let dir: string;
  let reference: Map<string, Record<string, unknown>>;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sarlab-sweep-'));
    const result = await runCli([...SWEEP, '--workers', '2', '--out', join(dir, 'full')]);
    expect(result.code, result.stderr).toBe(0);
    reference = recordsByKey(join(dir, 'full', 'runs.jsonl'));
  });

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('writes exactly one line per run (2 rules × 3 learning rates × 2 seeds = 12) and skips them on a re-run', async () => {
    const path = join(dir, 'full', 'runs.jsonl');
    expect(countLines(path)).toBe(12);
    expect(reference.size).toBe(12);
    const again = await runCli([...SWEEP, '--workers', '2', '--out', join(dir, 'full')]);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/12 skipped/);
    expect(countLines(path)).toBe(12);
  });

  it('resumes after SIGKILL (and a torn last line) to the same 12 summaries', async () => {
    const out = join(dir, 'killed');
    const path = join(out, 'runs.jsonl');
    const { child, done } = startCli([...SWEEP, '--workers', '1', '--out', out]);
    await waitFor(() => countLines(path) >= 4);
    child.kill('SIGKILL');
    const killed = await done;
    expect(killed.signal).toBe('SIGKILL');
    const before = countLines(path);
    expect(before).toBeGreaterThanOrEqual(4);
    expect(before).toBeLessThan(12);
    // A crash in the middle of an append leaves a partial line.
    appendFileSync(path, '{"key":"sar lr=1 depth=5 relevance=abs-error","success":tr');
    const resumed = await runCli([...SWEEP, '--workers', '2', '--out', out]);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toMatch(/partial line/);
    expect(resumed.stdout).toMatch(new RegExp(`${before} skipped`));
    expect(countLines(path)).toBe(12);
    expect(readRuns(path).tornBytes).toBe(0);
    expect(recordsByKey(path)).toEqual(reference);
  });

  it('stops cleanly on SIGINT with exit code 130 and says how to resume', async () => {
    const out = join(dir, 'interrupted');
    const path = join(out, 'runs.jsonl');
    const { child, done } = startCli([...SWEEP, '--workers', '1', '--out', out]);
    await waitFor(() => countLines(path) >= 1);
    child.kill('SIGINT');
    const result = await done;
    expect(result.code).toBe(130);
    expect(result.stderr).toMatch(/resume with the same command/);
    expect(readRuns(path).tornBytes).toBe(0);
    const lines = countLines(path);
    expect(lines).toBeLessThan(12);
    for (const [key, record] of recordsByKey(path)) expect(record).toEqual(reference.get(key));
  });

  it('stops on SIGTERM and resumes with nothing lost or duplicated', async () => {
    const out = join(dir, 'terminated');
    const path = join(out, 'runs.jsonl');
    const { child, done } = startCli([...SWEEP, '--workers', '2', '--out', out]);
    await waitFor(() => countLines(path) >= 2);
    child.kill('SIGTERM');
    const stopped = await done;
    expect(stopped.code).toBe(130);
    expect(stopped.stderr).toMatch(/resume with the same command/);
    const before = countLines(path);
    expect(before).toBeLessThan(12);
    const resumed = await runCli([...SWEEP, '--workers', '2', '--out', out]);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toMatch(new RegExp(`${before} skipped`));
    const keys = readFileSync(path, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line).key);
    expect(keys.length).toBe(12);
    expect(new Set(keys).size).toBe(12);
    expect(recordsByKey(path)).toEqual(reference);
  });

  it('shards 1/3, 2/3 and 3/3 in separate processes merge into the unsharded sweep', async () => {
    const shards = await Promise.all(
      [1, 2, 3].map((i) =>
        runCli([...SWEEP, '--workers', '1', '--shard', `${i}/3`, '--out', join(dir, `shard${i}`)]),
      ),
    );
    for (const s of shards) expect(s.code, s.stderr).toBe(0);
    for (const i of [1, 2, 3]) expect(countLines(join(dir, `shard${i}`, 'runs.jsonl'))).toBe(4);
    const merged = await runCli([
      'merge',
      ...[1, 2, 3].map((i) => join(dir, `shard${i}`)),
      '--out',
      join(dir, 'merged'),
    ]);
    expect(merged.code, merged.stderr).toBe(0);
    expect(merged.stdout).toMatch(/12 of 12 runs/);
    expect(recordsByKey(join(dir, 'merged', 'runs.jsonl'))).toEqual(reference);
    // grid.json travels with the merge, so the merged folder resumes like a sweep.
    expect(JSON.parse(readFileSync(join(dir, 'merged', 'grid.json'), 'utf8')).id).toBe(
      JSON.parse(readFileSync(join(dir, 'full', 'grid.json'), 'utf8')).id,
    );
  });

  it('refuses to merge shards of different grids, and to resume into a folder of another grid', async () => {
    const other = join(dir, 'other');
    const small = await runCli([
      'sweep',
      '--rules',
      'sar',
      '--steps',
      '500',
      '--shard',
      '1/3',
      '--out',
      other,
    ]);
    expect(small.code, small.stderr).toBe(0);
    const merged = await runCli(['merge', join(dir, 'shard1'), other, '--out', join(dir, 'bad-merge')]);
    expect(merged.code).toBe(2);
    expect(merged.stderr).toMatch(/different grid/);
    const resumed = await runCli(['sweep', '--rules', 'sar', '--steps', '600', '--out', other]);
    expect(resumed.code).toBe(2);
    expect(resumed.stderr).toMatch(/holds another sweep/);
  });

  it('gives, on a worker thread, the summary of `sarlab run` bit for bit (apart from the wall time)', async () => {
    for (const [rule, learningRate, seed] of [
      ['backprop', '0.1', '2'],
      ['sar', '0.01', '1'],
    ]) {
      const result = await runCli([
        'run',
        '--json',
        '--no-plot',
        '--no-progress',
        '--rule',
        rule,
        '--learning-rate',
        learningRate,
        '--seed',
        seed,
        '--steps',
        '8000',
        '--after-success',
        '-1',
        '--out',
        join(dir, `single-${rule}`),
      ]);
      expect(result.code, result.stderr).toBe(0);
      const {
        wallSeconds: _w,
        provenance: _p,
        ...single
      } = JSON.parse(result.stdout) as Record<string, unknown>;
      const key = `${rule} lr=${learningRate} depth=5 relevance=abs-error inputs=rows track=default seed=${seed}`;
      const { key: _k, provenance: _q, ...fromSweep } = reference.get(key) as Record<string, unknown>;
      expect(JSON.stringify(fromSweep)).toBe(JSON.stringify(single));
    }
  });
});
