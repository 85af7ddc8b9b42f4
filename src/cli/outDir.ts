import { existsSync, readdirSync } from 'node:fs';

/** Files that mark a folder as holding a run's results. */
const RUN_FILES = ['summary.json', 'log.csv', 'plot.svg', 'plot.png'];

/** True when `dir` holds an earlier run's results. */
export function holdsRun(dir: string): boolean {
  if (!existsSync(dir)) return false;
  try {
    const names = readdirSync(dir);
    return RUN_FILES.some((f) => names.includes(f));
  } catch {
    return false;
  }
}

/**
 * The folder a run writes to: `wanted` unless it holds an earlier run, then the first free
 * `wanted-2`, `wanted-3`, ...; with `force`, `wanted` as it is (its run files are replaced).
 * `notice` hears which folder was picked instead.
 */
export function freshRunDir(wanted: string, force: boolean, notice: (message: string) => void): string {
  if (force || !holdsRun(wanted)) return wanted;
  const base = wanted.replace(/[\\/]+$/, '');
  for (let n = 2; ; n++) {
    const candidate = `${base}-${n}`;
    if (!holdsRun(candidate)) {
      notice(`${wanted} holds an earlier run: writing to ${candidate} (--force overwrites)`);
      return candidate;
    }
  }
}
