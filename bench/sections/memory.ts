import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { BenchSection } from '../lib/types.js';

const PROBE = fileURLToPath(new URL('../heapProbe.js', import.meta.url));

/** Runs the heap probe (a child with --expose-gc) and returns its report. */
export function runHeapProbe(inputs: 'rows' | 'camera' | 'network', steps: number): Record<string, unknown> {
  const child = spawnSync(
    process.execPath,
    ['--expose-gc', '--min-semi-space-size=64', '--max-semi-space-size=64', PROBE, inputs, String(steps)],
    { encoding: 'utf8', timeout: 120_000 },
  );
  if (child.status !== 0) throw new Error(`heap probe failed: ${child.stderr || child.error?.message}`);
  return JSON.parse(child.stdout) as Record<string, unknown>;
}

/**
 * The memory figure: heap growth over 100,000 closed-loop steps, with no collection in between
 * (flat when the step allocates nothing) and retained after a full collection; and the same for the
 * learning step alone (SaR learn + forward on the default network).
 */
export const memorySection: BenchSection = {
  name: 'memory',
  async run(context) {
    const steps = context.quick ? 20_000 : 100_000;
    const rows = runHeapProbe('rows', steps);
    const camera = runHeapProbe('camera', steps);
    const learningStep = runHeapProbe('network', steps);
    for (const [name, probe] of [
      ['rows', rows],
      ['camera', camera],
      ['learningStep', learningStep],
    ] as const) {
      context.log(
        `  memory.${name}: ${probe.allocatedBytesPerStep ?? 'n/a'} bytes/step allocated, retained growth ${probe.retainedGrowthBytes} bytes over ${probe.steps} steps`,
      );
    }
    return { closedLoop: { memory: { rows, camera, learningStep } } };
  },
};
