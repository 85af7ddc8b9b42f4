/**
 * Child process of the memory section and of the steady-state allocation test. Run with
 *
 *   node --expose-gc --min-semi-space-size=64 --max-semi-space-size=64 heapProbe.js INPUTS STEPS
 *
 * It warms a closed-loop run up, then runs STEPS more steps in ten chunks and prints one JSON object:
 * the heap in use after each chunk with no collection in between (so it rises with any per-step
 * allocation), the young-generation collections that happened meanwhile (none means the rise is the
 * whole allocation), and the heap after a full collection before and after (the retained growth).
 * The allocation per step is the slope after the first chunk (which also holds the JIT's last
 * compilations); a large young generation keeps the collector out of the measurement.
 */
import { PerformanceObserver } from 'node:perf_hooks';
import { closedLoopSimulation, type InputKind } from './lib/closedLoop.js';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) {
  process.stderr.write('heapProbe needs node --expose-gc\n');
  process.exit(2);
}
const inputs = (process.argv[2] ?? 'rows') as InputKind;
const steps = Number(process.argv[3] ?? 100_000);
const warmup = 20_000;
const chunks = 10;

let collections = 0;
const observer = new PerformanceObserver((list) => {
  collections += list.getEntries().length;
});
observer.observe({ entryTypes: ['gc'] });

const sim = closedLoopSimulation(inputs, warmup + steps + 1);
sim.advanceMany(warmup);
gc();
gc();
const before = process.memoryUsage().heapUsed;
// Entries are delivered asynchronously: let the collections above be counted before resetting.
await new Promise((resolve) => setTimeout(resolve, 10));
collections = 0;
const chunk = Math.floor(steps / chunks);
const heapAfterChunk: number[] = [];
for (let c = 0; c < chunks; c++) {
  if (sim.advanceMany(chunk) !== chunk) throw new Error('the run stopped early');
  heapAfterChunk.push(process.memoryUsage().heapUsed - before);
}
await new Promise((resolve) => setTimeout(resolve, 10));
const collectionsDuringRun = collections;
gc();
gc();
const after = process.memoryUsage().heapUsed;
observer.disconnect();
const slope = (heapAfterChunk[chunks - 1] - heapAfterChunk[0]) / (chunk * (chunks - 1));
process.stdout.write(
  `${JSON.stringify({
    inputs,
    steps: chunk * chunks,
    heapUsedBefore: before,
    heapUsedAfter: after,
    retainedGrowthBytes: after - before,
    heapGrowthAfterChunk: heapAfterChunk,
    collectionsDuringRun,
    allocatedBytesPerStep: collectionsDuringRun === 0 ? Math.round(slope * 100) / 100 : null,
  })}\n`,
);
