#!/usr/bin/env node
// Run before `npm start` and `npm test`: on a fresh clone (no node_modules) or when node_modules no
// longer matches package-lock.json, run `npm ci` (which also builds, through the prepare script);
// when the build output is missing, build. Plain Node only: nothing here may need a dependency.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/** Why node_modules must be installed again, or null when it matches the lock file. */
export function staleReason(dir) {
  const lockFile = join(dir, 'package-lock.json');
  const installedFile = join(dir, 'node_modules', '.package-lock.json');
  if (!existsSync(join(dir, 'node_modules'))) return 'node_modules is missing';
  if (!existsSync(installedFile)) return 'node_modules was not installed by npm from the lock file';
  const lock = JSON.parse(readFileSync(lockFile, 'utf8')).packages ?? {};
  const installed = JSON.parse(readFileSync(installedFile, 'utf8')).packages ?? {};
  for (const [path, entry] of Object.entries(lock)) {
    // The root, and optional packages for other platforms, which npm rightly leaves out.
    if (path === '' || entry.optional || entry.devOptional) continue;
    const have = installed[path];
    if (!have) return `${path} is not installed`;
    if (entry.version && have.version !== entry.version) {
      return `${path} is ${have.version}, the lock file wants ${entry.version}`;
    }
  }
  return null;
}

function run(args) {
  const result = spawnSync(npm, args, { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) {
    console.error(`sarlab: \`npm ${args.join(' ')}\` failed (exit ${result.status ?? result.signal})`);
    process.exit(result.status || 1);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const reason = staleReason(root);
  if (reason) {
    console.error(`sarlab: ${reason}; installing with \`npm ci\` first (once)...`);
    run(['ci', '--no-audit', '--no-fund']);
  } else if (!existsSync(join(root, 'dist', 'src', 'cli', 'main.js'))) {
    console.error('sarlab: the build output (dist/) is missing; building first...');
    run(['run', 'build']);
  }
}
