#!/usr/bin/env node
// Checks a re-recorded sweep against the committed one: every record of each folder in
// docs/results/data (as on disk now, e.g. after pack.sh) must equal the record with the same key in
// a git revision (default HEAD), except for the fields named in --ignore (top-level summary fields,
// default: the ones added since the third round was first recorded, and the wall time).
//
//   node docs/results/compare.mjs [--rev HEAD] [--ignore a,b,c] FOLDER...
//
// FOLDER is a folder name under docs/results/data (or a path to one). Prints one line per folder
// and exits 1 if any record differs, is missing or is new; grid.json differences are printed too.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { gunzipSync } from 'node:zlib';

const args = process.argv.slice(2);
let rev = 'HEAD';
let ignore = ['longestStreakBelowThreshold', 'longestStreakEnd', 'provenance', 'wallSeconds'];
const folders = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--rev') rev = args[++i];
  else if (args[i] === '--ignore') ignore = args[++i].split(',').filter(Boolean);
  else if (args[i] === '--help' || args[i] === '-h') {
    console.log('usage: node docs/results/compare.mjs [--rev HEAD] [--ignore a,b,c] FOLDER...');
    process.exit(0);
  } else folders.push(basename(args[i].replace(/\/+$/, '')));
}
if (folders.length === 0) {
  console.error('compare.mjs: no folder given (names under docs/results/data)');
  process.exit(2);
}

const DATA = 'docs/results/data';
const atRev = (path) => execFileSync('git', ['show', `${rev}:${path}`], { maxBuffer: 1 << 30 });
const records = (gz) =>
  gunzipSync(gz)
    .toString('utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line));
const strip = (record) => {
  const copy = { ...record };
  for (const field of ignore) delete copy[field];
  return copy;
};

let bad = 0;
for (const folder of folders) {
  const now = records(readFileSync(`${DATA}/${folder}/runs.jsonl.gz`));
  const before = records(atRev(`${DATA}/${folder}/runs.jsonl.gz`));
  const byKey = new Map(before.map((r) => [r.key, r]));
  const problems = [];
  if (now.length !== before.length) problems.push(`${now.length} records now, ${before.length} at ${rev}`);
  const seen = new Set();
  let sameOrder = now.length === before.length;
  now.forEach((record, i) => {
    seen.add(record.key);
    if (sameOrder && before[i].key !== record.key) sameOrder = false;
    const old = byKey.get(record.key);
    if (!old) {
      problems.push(`new record ${record.key}`);
      return;
    }
    const a = strip(record);
    const b = strip(old);
    if (!isDeepStrictEqual(a, b)) {
      const fields = [...new Set([...Object.keys(a), ...Object.keys(b)])].filter(
        (k) => !isDeepStrictEqual(a[k], b[k]),
      );
      problems.push(`${record.key}: differs in ${fields.join(', ')}`);
    }
  });
  for (const key of byKey.keys()) if (!seen.has(key)) problems.push(`missing record ${key}`);
  const added = new Set();
  for (const record of now) {
    const old = byKey.get(record.key);
    if (old) for (const k of Object.keys(record)) if (!(k in old)) added.add(k);
  }
  const gridNow = readFileSync(`${DATA}/${folder}/grid.json`, 'utf8');
  const gridBefore = atRev(`${DATA}/${folder}/grid.json`).toString('utf8');
  const gridSame = isDeepStrictEqual(JSON.parse(gridNow), JSON.parse(gridBefore));
  if (problems.length > 0) bad++;
  console.log(
    `${folder}: ${now.length} records, ${problems.length === 0 ? 'identical' : `${problems.length} problem(s)`}` +
      ` except ${ignore.join(', ')}; added fields: ${[...added].join(', ') || 'none'};` +
      ` order ${sameOrder ? 'same' : 'differs'}; grid.json ${gridSame ? 'same' : 'differs'}`,
  );
  for (const p of problems.slice(0, 10)) console.log(`  ${p}`);
  if (problems.length > 10) console.log(`  ... and ${problems.length - 10} more`);
}
process.exit(bad > 0 ? 1 : 0);
