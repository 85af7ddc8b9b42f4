import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { conditionId, groupByCondition } from '../src/report/conditions.js';
import { loadSweeps, type ReportRun } from '../src/report/records.js';
import { expandGrid, gridId } from '../src/sweep/grid.js';
import { recordMatchesGrid } from '../src/sweep/runner.js';
import { canonicalJson } from '../src/util/canonicalJson.js';

/**
 * The two implementations there used to be, kept here as references: the one grid ids and sweep
 * resumption used (it wrote `[1,]`, not JSON, and a Date as `{}`), and the one condition
 * ids used (JSON.stringify with sorted keys), which is the one kept.
 */
function formerSweepCanonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(formerSweepCanonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${formerSweepCanonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

describe('canonicalJson (one, in util)', () => {
  it('is JSON.stringify with sorted keys: valid JSON whatever the value', () => {
    expect(canonicalJson({ b: 1, a: [1, undefined, Number.NaN], c: undefined })).toBe(
      '{"a":[1,null,null],"b":1}',
    );
    expect(canonicalJson([1, undefined])).toBe('[1,null]');
    expect(canonicalJson({ at: new Date(Date.UTC(2021, 9, 14)) })).toBe('{"at":"2021-10-14T00:00:00.000Z"}');
    expect(canonicalJson({ z: { y: 1, x: 2 }, a: 0 })).toBe('{"a":0,"z":{"x":2,"y":1}}');
    const value = { k: [{ b: 2, a: 1 }, 'x', null, true], j: -0 };
    expect(JSON.parse(canonicalJson(value))).toEqual(JSON.parse(JSON.stringify(value)));
    // The former sweep implementation disagreed exactly there.
    expect(formerSweepCanonicalJson([1, undefined])).toBe('[1,]');
    expect(formerSweepCanonicalJson({ at: new Date(0) })).toBe('{"at":{}}');
  });

  it('gives the committed results the same grid ids, sweep keys and conditions as before', () => {
    const data = resolve(import.meta.dirname, '..', 'docs', 'results', 'data');
    const dirs = readdirSync(data).map((name) => join(data, name));
    const loaded = loadSweeps(dirs);
    expect(loaded.folders.length).toBe(dirs.length);
    const differ: string[] = [];
    let records = 0;
    const bySweep = new Map<string, ReportRun[]>();
    for (const run of loaded.runs) {
      const list = bySweep.get(run.sweep) ?? [];
      list.push(run);
      bySweep.set(run.sweep, list);
    }
    for (const folder of loaded.folders) {
      if (!folder.grid) continue;
      const { grid, id } = folder.grid;
      if (gridId(grid) !== id || canonicalJson(grid) !== formerSweepCanonicalJson(grid))
        differ.push(`${folder.name}: grid id`);
      const byKey = new Map(expandGrid(grid).map((p) => [p.key, p]));
      for (const run of bySweep.get(folder.name) ?? []) {
        records++;
        const config = run.record.config;
        if (canonicalJson(config) !== formerSweepCanonicalJson(config))
          differ.push(`${run.record.key}: config`);
        if (!recordMatchesGrid(grid, byKey, run.record)) differ.push(`${run.record.key}: not its grid's`);
      }
    }
    // The conditions the report groups the runs into: the same identity with either implementation.
    for (const run of loaded.runs) {
      const conditionText = conditionId(run.record.config);
      if (formerSweepCanonicalJson(JSON.parse(conditionText)) !== conditionText)
        differ.push(`${run.record.key}: condition`);
    }
    expect(differ).toEqual([]);
    expect(records).toBeGreaterThan(1000);
    // As many conditions as the former implementation's condition texts tell apart.
    const formerConditions = new Set(
      loaded.runs.map((run) => formerSweepCanonicalJson(JSON.parse(conditionId(run.record.config)))),
    );
    expect(groupByCondition(loaded.runs).length).toBe(formerConditions.size);
  });
});
