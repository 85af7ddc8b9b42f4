#!/usr/bin/env node
// Counts what the committed data hold, for the acceptance of the third round:
//
//   node docs/results/counts.mjs [docs/results/data]
//
// runs with the frozen evaluation, SaR with the authors' sign (gradient) at depth 20, runs of the
// global-sign control, runs of the authors' setting (preset enki-2021) and their rule/predictor
// conditions, runs with a learning curve.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

const data = process.argv[2] ?? 'docs/results/data';
const counts = { runs: 0, frozen: 0, sarGradientDepth20: 0, globalSign: 0, authorsSetting: 0, withCurve: 0 };
const authorsConditions = new Map();
for (const folder of readdirSync(data).sort()) {
  const text = gunzipSync(readFileSync(join(data, folder, 'runs.jsonl.gz'))).toString('utf8');
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const r = JSON.parse(line);
    const c = r.config;
    const depth = c.network.layers.length;
    counts.runs++;
    if (r.evaluation) counts.frozen++;
    if (c.rule === 'sar' && c.signMode === 'gradient' && depth === 20) counts.sarGradientDepth20++;
    if (c.rule === 'sar' && c.signMode === 'global') counts.globalSign++;
    if (r.curve) counts.withCurve++;
    if (c.preset === 'enki-2021') {
      counts.authorsSetting++;
      const rule = c.rule === 'reflex' ? 'reflex' : c.rule === 'sar' ? `sar/${c.signMode}` : c.rule;
      const name = `${rule} · predictors ${c.world.predictors ?? 'ahead'}`;
      authorsConditions.set(name, (authorsConditions.get(name) ?? 0) + 1);
    }
  }
}
console.log(JSON.stringify(counts));
console.log(`authors' setting: ${authorsConditions.size} rule/predictor conditions`);
for (const [name, n] of authorsConditions) console.log(`  ${name}: ${n}`);
