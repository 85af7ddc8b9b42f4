import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseRunConfig } from '../src/run/config.js';
import { MAX_LOG_ROWS, Simulation, StepLog } from '../src/run/simulation.js';
import { sarlab, tempDir } from './cliHelpers.js';

/**
 * Reliability of `sarlab run` (docs/reliability.md): the log of a long run, output paths checked
 * before the first step, model files, limits.
 */
const dir = tempDir('sarlab-run-rel-');
const f = (name: string) => join(dir, name);

describe('item 6: the log of a long run is streamed; memory stays bounded', () => {
  it('a run of 1e9 steps allocates a bounded log, and every row goes to the sink', () => {
    const huge = new Simulation(parseRunConfig({ rule: 'reflex', steps: 1e9, logEvery: 1 }));
    expect(huge.log.data[0].length).toBeLessThanOrEqual(MAX_LOG_ROWS);
    const steps = 20_000;
    const simulation = new Simulation(
      parseRunConfig({ rule: 'reflex', steps, logEvery: 1, afterSuccess: -1 }),
    );
    const seen: number[] = [];
    simulation.logSink = (row) => seen.push(row[0]);
    simulation.runToEnd(undefined, 10_000);
    expect(seen).toEqual(Array.from({ length: steps }, (_, i) => i));
  });

  it('a full log is thinned evenly (every second row, then every fourth, ...)', () => {
    const log = new StepLog(0, 1000, 100);
    const row = new Float64Array(log.columns.length);
    for (let t = 0; t < 1000; t++) {
      row[0] = t;
      log.push(row);
    }
    expect(log.data[0].length).toBe(100);
    expect(log.stride).toBe(16);
    const kept = log.column('step');
    for (let r = 0; r < log.rows; r++) expect(kept[r]).toBe(r * 16);
    expect(log.rows).toBe(Math.ceil(1000 / 16));
  });

  it('StepLog.csvLine formats a row as toCSV does', () => {
    const log = new StepLog(1, 4);
    const row = Float64Array.from([3, 0.125, 1 / 3, 0, -2, 1e-9, 7, 0.5, 1, 0, 2.5]);
    log.push(row);
    expect(log.csvHeader() + StepLog.csvLine(row)).toBe(log.toCSV());
  });

  it('sarlab run writes the full log (every row, not the thinned one) and no temporary file', () => {
    writeFileSync(f('every.json'), JSON.stringify({ logEvery: 1, afterSuccess: -1 }));
    const r = sarlab([
      'run',
      '--rule',
      'reflex',
      '--steps',
      '30000',
      '--config',
      f('every.json'),
      '--no-plot',
      '--out',
      f('long'),
    ]);
    expect(r.status, r.stderr).toBe(0);
    const lines = readFileSync(f('long/log.csv'), 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(30_001);
    expect(lines[0]).toMatch(/^step,error,errorEma/);
    expect(lines[30_000].split(',')[0]).toBe('29999');
    expect(readdirSync(f('long')).filter((n) => n.includes('.tmp-'))).toEqual([]);
  });
});

describe('item 7: output paths are checked before the first step', () => {
  mkdirSync(f('ro'), { recursive: true });
  writeFileSync(f('a-file'), 'x');
  const cases: [string, string[], RegExp][] = [
    ['--out an existing file', ['--out', f('a-file')], /--out: .*expected a folder/],
    ['--out under a file', ['--out', join(f('a-file'), 'sub')], /--out: .*(is not a folder|ENOTDIR)/],
    ['--out /dev/null', ['--out', '/dev/null'], /--out: got "\/dev\/null", expected a folder/],
    [
      '--out /proc/self',
      ['--out', '/proc/self/sarlab-out'],
      /--out: .*(denied|not permitted|ENOENT|EACCES|EPERM)/,
    ],
    ['--out with a 300-character name', ['--out', f('n'.repeat(300))], /--out: .*at most 255 bytes/],
    [
      '--save-model a folder',
      ['--out', f('ok-out'), '--save-model', f('ro')],
      /--save-model: .*not a regular file/,
    ],
    [
      '--save-model under a file',
      ['--out', f('ok-out2'), '--save-model', join(f('a-file'), 'm.json')],
      /--save-model: .*is not a folder/,
    ],
  ];
  for (const [name, args, message] of cases) {
    it(`refuses ${name} with exit 2 before running`, () => {
      const r = sarlab(['run', '--steps', '3000', '--no-plot', ...args]);
      expect(r.status, r.stderr).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(message);
      expect(r.stdout).toBe('');
      expect(existsSync(f('ok-out'))).toBe(false);
    });
  }
});

describe('item 10: a model is run with the configuration it was trained with', () => {
  const model = f('backprop-tanh.json');
  const setup = () => {
    if (existsSync(model)) return;
    const r = sarlab([
      'run',
      '--rule',
      'backprop',
      '--activation',
      'tanh',
      '--layers',
      '6,2',
      '--steps',
      '300',
      '--no-plot',
      '--save-model',
      model,
      '--out',
      f('trained'),
    ]);
    expect(r.status, r.stderr).toBe(0);
  };

  const refusals: [string, string[], RegExp][] = [
    [
      'other filters',
      ['--filters', 'fir'],
      /--load-model filters\.kind: got "fir", expected "bandpass" as in the model/,
    ],
    ['another filter count', ['--filter-count', '3'], /--load-model filters\.count: got 3, expected 5/],
    [
      'other layers',
      ['--layers', '10,10,2'],
      /--load-model network\.layers: got \[10,10,2\], expected \[6,2\]/,
    ],
    [
      'another activation',
      ['--activation', 'sigmoid'],
      /--load-model network\.activation: got "sigmoid", expected "tanh"/,
    ],
    [
      'another input kind',
      ['--inputs', 'camera'],
      /--load-model world\.inputs: got "camera", expected "rows"/,
    ],
  ];
  for (const [name, args, message] of refusals) {
    it(`refuses ${name} (it changes what the weights mean)`, () => {
      setup();
      const r = sarlab([
        'run',
        '--load-model',
        model,
        '--steps',
        '50',
        '--no-plot',
        '--out',
        f('x10'),
        ...args,
      ]);
      expect(r.status, r.stderr).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(message);
    });
  }

  it('restores the rule and the network from the model, and says so', () => {
    setup();
    const r = sarlab([
      'run',
      '--load-model',
      model,
      '--steps',
      '50',
      '--no-plot',
      '--json',
      '--out',
      f('restored'),
    ]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/using the model's .*network\.activation = "tanh".*rule = "backprop"/);
    const summary = JSON.parse(r.stdout);
    expect(summary.rule).toBe('backprop');
    expect(summary.config.network.activation).toBe('tanh');
    expect(summary.config.network.layers).toEqual([6, 2]);
  });

  it('an explicit --rule is kept (continuing with another rule does not change what the weights mean)', () => {
    setup();
    const r = sarlab([
      'run',
      '--load-model',
      model,
      '--rule',
      'sar',
      '--steps',
      '50',
      '--no-plot',
      '--json',
      '--out',
      f('sar'),
    ]);
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).rule).toBe('sar');
  });
});

describe('item 10: mixed activations are not reported as one', () => {
  it('a model whose layers have different activations is refused, not run as sigmoid', async () => {
    const { reconcileModelConfig } = await import('../src/run/modelConfig.js');
    const config = parseRunConfig({});
    expect(() =>
      reconcileModelConfig(config, {}, config, {
        inputs: 120,
        layers: [4, 2],
        activation: ['tanh', 'sigmoid'],
        bias: true,
      }),
    ).toThrow(/network\.activation: got "tanh,sigmoid", expected a model whose layers share one activation/);
  });
});

describe('item 22: two Ctrl-C in quick succession still end the run cleanly', () => {
  it('SIGINT twice within a few ms: exit 130, the results written, one message', async () => {
    const { spawn } = await import('node:child_process');
    const { CLI } = await import('./cliHelpers.js');
    const out = f('two-signals');
    const child = spawn(
      process.execPath,
      [CLI, 'run', '--steps', '5000000', '--after-success', '-1', '--no-plot', '--out', out],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
      child.on('close', (code, signal) => resolve({ code, signal })),
    );
    // The run is under way (its signal handlers in place) once its log has reached the disk: wait
    // for that, not for a fixed time.
    let ended = false;
    void exited.then(() => {
      ended = true;
    });
    const logging = () => {
      const name = existsSync(out) && readdirSync(out).find((n) => n.startsWith('log.csv.tmp-'));
      return !!name && statSync(join(out, name)).size > 0;
    };
    while (!ended && !logging()) await new Promise((r) => setTimeout(r, 20));
    child.kill('SIGINT');
    await new Promise((r) => setTimeout(r, 5));
    child.kill('SIGINT');
    const { code, signal } = await exited;
    expect(signal, stderr).toBeNull();
    expect(code, stderr).toBe(130);
    expect(stderr).toMatch(/interrupted at step \d+; the partial results are in/);
    expect(existsSync(join(out, 'summary.json'))).toBe(true);
    expect(existsSync(join(out, 'log.csv'))).toBe(true);
  });
});

describe('item 23: a weight distance that overflows is a divergence, not a null beside diverged: false', () => {
  it('at learning rate 1.7e308 the summary says diverged', () => {
    const simulation = new Simulation(parseRunConfig({ learningRate: 1.7e308, steps: 3000 }));
    const summary = simulation.runToEnd();
    expect(summary.diverged).toBe(true);
    expect(summary.stopReason).toBe('diverged');
    expect(summary.divergence?.what).toBe('weight distance');
    expect(JSON.stringify(summary)).not.toMatch(/"diverged":false/);
  });
});

describe('sibling: a closed stdout is not a crash', () => {
  it('sarlab run --json piped into a reader that closes at once exits without a stack trace', async () => {
    const { spawnSync } = await import('node:child_process');
    const { CLI } = await import('./cliHelpers.js');
    const r = spawnSync(
      'sh',
      [
        '-c',
        `"${process.execPath}" "${CLI}" run --steps 300 --no-plot --json --out "${f('epipe')}" | head -c 0`,
      ],
      {
        encoding: 'utf8',
      },
    );
    expect(r.stderr).not.toMatch(/EPIPE|Unhandled/);
  });
});
