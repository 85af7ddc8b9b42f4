// Reproducibility of the committed results: three runs picked at random from
// docs/results/data/**/runs.jsonl.gz (one of them from a preset, the authors' setting, when the data
// have such runs) are run again with `sarlab run --config` (the built CLI, the same code path as any
// user's run) and must give their recorded summaries bit for bit, apart from the wall time, the
// provenance (where and when the run ran) and the fields added to summaries since they were
// recorded (a record that lacks `curve` is compared without the re-run's curve; one that has it,
// with it). The pick changes every time; the seed is in the test's name, and
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
/**
 * SARLAB_REPRODUCE_PER_FOLDER=<n> picks n runs from every folder instead (to find which folders still
 * reproduce after a change; it runs many more runs than the default check).
 */
const perFolderText = process.env.SARLAB_REPRODUCE_PER_FOLDER;
const perFolder = perFolderText !== undefined && perFolderText !== '' ? Number(perFolderText) : 0;
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

/**
 * The re-run's summary with only the fields the record has (at every level): records written before a
 * field was added to summaries (the learning curve, lasting success) are compared on what they hold.
 * Every field the record has must be there and equal; nothing the record holds is left out.
 */
function recordedFieldsOf(value: unknown, recorded: unknown): unknown {
  if (!isObject(value) || !isObject(recorded)) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) if (k in recorded) out[k] = recordedFieldsOf(v, recorded[k]);
  return out;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

const work = mkdtempSync(join(tmpdir(), 'sarlab-reproduce-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

it(
  `${perFolder > 0 ? `${perFolder} run(s) of every folder` : `${PICKS} runs`} picked at random from docs/results/data give their recorded summaries (seed ${seed}; SARLAB_REPRODUCE_SEED=${seed} repeats)`,
  async () => {
    expect(Number.isInteger(seed), `SARLAB_REPRODUCE_SEED must be an integer, got ${seedText}`).toBe(true);
    const files = dataFiles();
    expect(files, 'no docs/results/data/**/runs.jsonl.gz: the committed results are missing').not.toEqual([]);
    expect(
      Number.isInteger(perFolder) && perFolder >= 0,
      'SARLAB_REPRODUCE_PER_FOLDER: an integer >= 0',
    ).toBe(true);
    const groups = files.map((file) => parseRunsFile(file).records.map((record) => ({ file, record })));
    const records = groups.flat();
    expect(records.length, 'the committed runs files hold no runs').toBeGreaterThan(0);
    const random = new Random(seed);
    const pick = (from: typeof records, count: number) => {
      const picked = new Set<number>();
      while (picked.size < Math.min(count, from.length)) picked.add(random.int(from.length));
      return [...picked].map((i) => from[i]);
    };
    const preset = records.filter(({ record }) => record.config.preset !== undefined);
    const others = records.filter(({ record }) => record.config.preset === undefined);
    const chosen =
      perFolder > 0
        ? groups.flatMap((group) => pick(group, perFolder))
        : preset.length > 0 && others.length > 0
          ? [...pick(preset, 1), ...pick(others, PICKS - 1)]
          : pick(records, PICKS);
    // Two at a time: the machine's cores, and no more runs in flight than that.
    const summaries: Record<string, unknown>[] = [];
    for (let i = 0; i < chosen.length; i += 2)
      summaries.push(
        ...(await Promise.all(
          chosen
            .slice(i, i + 2)
            .map(({ record }, k) => rerun(record.config, mkdtempSync(join(work, `run-${i + k}-`)))),
        )),
      );
    const differing: string[] = [];
    chosen.forEach(({ file, record }, i) => {
      const { key: _key, wallSeconds: _recordedWall, provenance: _from, ...recorded } = record;
      // The run's provenance (commit, start time, wall time) says where and when it ran, not what it
      // computed: left out on both sides, like the wall time.
      const {
        wallSeconds: _wall,
        provenance: _ranFrom,
        ...summary
      } = recordedFieldsOf(summaries[i], record) as Record<string, unknown>;
      const where = `${relative(ROOT, file)}: ${record.key}`;
      // Bit for bit: the JSON text (shortest round-trip numbers) and the values.
      if (perFolder > 0) {
        if (JSON.stringify(summary) !== JSON.stringify(recorded)) differing.push(where);
        return;
      }
      expect(JSON.stringify(summary), where).toBe(JSON.stringify(recorded));
      expect(summary, where).toEqual(recorded);
    });
    // Every folder's runs that no longer reproduce, named at once.
    expect(differing).toEqual([]);
  },
  perFolder > 0 ? 24 * 3_600_000 : undefined,
);
