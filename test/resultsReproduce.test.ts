// Reproducibility of the committed results: three runs picked at random from
// docs/results/data/**/runs.jsonl.gz are run again with `sarlab run --config` (the built CLI, the
// same code path as any user's run) and must give their recorded summaries bit for bit, apart from
// the wall time. The pick changes every time; the seed is in the test's name, and
// SARLAB_REPRODUCE_SEED=<seed> repeats a pick.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { parseRunsFile } from '../src/report/records.js';
import type { RunRecord } from '../src/sweep/store.js';
import { Random } from '../src/util/random.js';
import { CLI, ROOT } from './sweepCli.js';

const DATA = join(ROOT, 'docs', 'results', 'data');
const PICKS = 3;
const seedText = process.env.SARLAB_REPRODUCE_SEED;
const seed = seedText !== undefined && seedText !== '' ? Number(seedText) : Date.now() % 2 ** 31;

function dataFiles(): string[] {
  if (!existsSync(DATA)) return [];
  return readdirSync(DATA, { recursive: true })
    .map(String)
    .filter((f) => f.endsWith('runs.jsonl.gz'))
    .sort()
    .map((f) => join(DATA, f));
}

/** `sarlab run --config FILE --json` in a child process: the summary it prints. */
function rerun(config: RunRecord['config'], dir: string): Promise<Record<string, unknown>> {
  const file = join(dir, 'config.json');
  writeFileSync(file, JSON.stringify(config));
  const args = [
    CLI,
    'run',
    '--config',
    file,
    '--json',
    '--no-plot',
    '--no-progress',
    '--force',
    '--out',
    join(dir, 'run'),
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0 && code !== 1) reject(new Error(`sarlab run exited with ${code}: ${stderr}`));
      else resolve(JSON.parse(stdout) as Record<string, unknown>);
    });
  });
}

const work = mkdtempSync(join(tmpdir(), 'sarlab-reproduce-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

it(`${PICKS} runs picked at random from docs/results/data give their recorded summaries (seed ${seed}; SARLAB_REPRODUCE_SEED=${seed} repeats)`, async () => {
  expect(Number.isInteger(seed), `SARLAB_REPRODUCE_SEED must be an integer, got ${seedText}`).toBe(true);
  const files = dataFiles();
  expect(files, 'no docs/results/data/**/runs.jsonl.gz: the committed results are missing').not.toEqual([]);
  const records = files.flatMap((file) => parseRunsFile(file).records.map((record) => ({ file, record })));
  expect(records.length, 'the committed runs files hold no runs').toBeGreaterThan(0);
  const random = new Random(seed);
  const picked = new Set<number>();
  while (picked.size < Math.min(PICKS, records.length)) picked.add(random.int(records.length));
  const chosen = [...picked].map((i) => records[i]);
  const summaries = await Promise.all(
    chosen.map(({ record }, i) => rerun(record.config, mkdtempSync(join(work, `run-${i}-`)))),
  );
  chosen.forEach(({ file, record }, i) => {
    const { key: _key, wallSeconds: _recordedWall, provenance: _from, ...recorded } = record;
    const where = `${relative(ROOT, file)}: ${record.key}`;
    // Every recorded field, in its recorded order; fields added to the summary since it was
    // recorded (and the wall time and provenance, which differ run to run) are not compared.
    for (const key of Object.keys(recorded)) expect(summaries[i], where).toHaveProperty(key);
    const summary = Object.fromEntries(Object.keys(recorded).map((key) => [key, summaries[i][key]]));
    // Bit for bit: the JSON text (shortest round-trip numbers) and the values.
    expect(JSON.stringify(summary), where).toBe(JSON.stringify(recorded));
    expect(summary, where).toEqual(recorded);
  });
});
