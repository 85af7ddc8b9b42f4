#!/usr/bin/env node
// Makes the committed results say explicitly what an omitted setting meant when they were run, so
// that they still re-run bit for bit (test/resultsReproduce.test.ts) after a default changed:
// - SaR's sign: a SaR configuration without `signMode` ran with `transport`, the default until SaR's
//   default became the authors' rule (`gradient`);
// - the `enki-2021` preset: it now sets settings that did not exist when those runs were made (the
//   lost-line error, the sensor model, the error gain, the first layer's initial scale, the authors'
//   success criterion). A record that started from the preset gets each one pinned at the value that gives
//   what the run did then.
// Only configurations change (a value added where none was); no result is touched. Run after
// `npm run build`: node scripts/pin-legacy-defaults.mjs [DIR] (default docs/results/data).
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync, gzipSync } from 'node:zlib';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { parseRunConfig } = await import(join(root, 'dist', 'src', 'index.js'));
const { gridId } = await import(join(root, 'dist', 'src', 'sweep', 'grid.js'));
const dir = process.argv[2] ?? join(root, 'docs', 'results', 'data');

/** What the enki-2021 preset's newer settings must be, for a run made before they existed. */
const PRESET_PINS = {
  world: { lostLineError: 'hold', sensorModel: 'grey', errorGain: 1 },
  network: { layerInitScale: [] },
  success: { authors: false },
};

function pinned(config) {
  let out = config;
  let changes = 0;
  if (out.rule === 'sar' && out.signMode === undefined) {
    out = { ...out, signMode: 'transport' };
    changes++;
  }
  if (out.preset === 'enki-2021') {
    for (const [part, pins] of Object.entries(PRESET_PINS)) {
      for (const [key, value] of Object.entries(pins)) {
        if (out[part]?.[key] === undefined) {
          out = { ...out, [part]: { ...out[part], [key]: value } };
          changes++;
        }
      }
    }
  }
  if (changes === 0) return { config, changes };
  // The parsed form puts every key where the schema has it (records hold parsed configurations).
  return { config: parseRunConfig(out), changes };
}

let files = 0;
let records = 0;
let settings = 0;
for (const name of readdirSync(dir, { recursive: true }).map(String).sort()) {
  const path = join(dir, name);
  if (name.endsWith('runs.jsonl.gz')) {
    const lines = gunzipSync(readFileSync(path)).toString('utf8').split('\n');
    let changed = 0;
    const out = lines.map((line) => {
      if (line.trim() === '') return line;
      const record = JSON.parse(line);
      const { config, changes } = pinned(record.config);
      if (changes === 0) return line;
      changed++;
      settings += changes;
      return JSON.stringify({ ...record, config });
    });
    if (changed > 0) {
      writeFileSync(path, gzipSync(out.join('\n'), { level: 9 }));
      files++;
      records += changed;
    }
  } else if (name.endsWith('grid.json')) {
    const grid = JSON.parse(readFileSync(path, 'utf8'));
    const { config, changes } = pinned(grid.grid.base);
    if (changes > 0) {
      grid.grid.base = config;
      grid.id = gridId(grid.grid);
      writeFileSync(path, `${JSON.stringify(grid, null, 2)}\n`);
      files++;
      settings += changes;
    }
  }
}
console.log(`${settings} settings pinned in ${records} records; ${files} files rewritten`);
