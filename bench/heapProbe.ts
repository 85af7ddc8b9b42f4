/**
 * Child process of the memory section and of the steady-state allocation test. Run with
 *
 *   node --expose-gc --min-semi-space-size=64 --max-semi-space-size=64 heapProbe.js KIND STEPS [KERNEL]
 *
 * KIND is `rows` or `camera` (a full closed-loop step with that input), or `network` (only the SaR
 * learning step and forward pass of the default network, with a cue and a step counter passed to
 * `learn` as the closed loop does). It warms the run up, then runs STEPS more steps in ten chunks and prints one JSON object:
 * the heap in use after each chunk with no collection in between (so it rises with any per-step
 * allocation), the young-generation collections that happened meanwhile (none means the rise is the
 * whole allocation), and the heap after a full collection before and after (the retained growth).
 * The allocation per step is the median of the per-chunk increments after the first chunk (see
 * below); a large young generation keeps the collector out of the measurement.
 */
import { PerformanceObserver } from 'node:perf_hooks';
import { Network, sar } from '../src/index.js';
import { closedLoopSimulation } from './lib/closedLoop.js';

/** The learning step alone: SaR learn + forward on the default network (120 inputs, 10,10,10,10,2). */
function networkStepper(kernel: 'auto' | 'wasm' | 'js') {
  const net = new Network({ inputs: 120, layers: [10, 10, 10, 10, 2], seed: 1, kernel });
  for (let i = 0; i < net.inputs; i++) net.input[i] = (i % 7) / 8;
  net.forwardInputBuffer();
  const rule = sar({ learningRate: 0.001 });
  const errors = new Float64Array(net.outputs);
  const options = { cue: 0, step: 0 };
  let t = 0;
  return {
    advanceMany(n: number): number {
      for (let k = 0; k < n; k++, t++) {
        // A loop, not errors.fill(e): a number passed to a built-in is boxed.
        for (let j = 0; j < errors.length; j++) errors[j] = ((t % 200) - 100) / 400;
        options.cue = (t % 13) / 17;
        options.step = t;
        rule.learn(net, errors, options);
        net.forwardInputBuffer();
      }
      return n;
    },
  };
}

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) {
  process.stderr.write('heapProbe needs node --expose-gc\n');
  process.exit(2);
}
const inputs = process.argv[2] ?? 'rows';
const steps = Number(process.argv[3] ?? 100_000);
const kernel = (process.argv[4] ?? 'auto') as 'auto' | 'wasm' | 'js';
// Long enough that the JIT has compiled the whole step (its code objects land on the heap in jumps).
const warmup = 100_000;
const chunks = 10;

let collections = 0;
const observer = new PerformanceObserver((list) => {
  collections += list.getEntries().length;
});
observer.observe({ entryTypes: ['gc'] });

const sim =
  inputs === 'network'
    ? networkStepper(kernel)
    : closedLoopSimulation(inputs === 'camera' ? 'camera' : 'rows', warmup + steps + 1, 1, kernel);
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
// What the steps allocate is a steady rate; what the JIT allocates when it (re)compiles code arrives
// as one-off jumps of ~100 kB between two chunks, at moments that depend on the machine's load. The
// median of the per-chunk increments measures the first and ignores the second; the plain slope
// (which includes any jump) is reported too.
const increments = heapAfterChunk.slice(1).map((h, c) => h - heapAfterChunk[c]);
const medianIncrement = [...increments].sort((a, b) => a - b)[Math.floor(increments.length / 2)];
process.stdout.write(
  `${JSON.stringify({
    inputs,
    steps: chunk * chunks,
    heapUsedBefore: before,
    heapUsedAfter: after,
    retainedGrowthBytes: after - before,
    heapGrowthAfterChunk: heapAfterChunk,
    collectionsDuringRun,
    allocatedBytesPerStep:
      collectionsDuringRun === 0 ? Math.round((medianIncrement / chunk) * 100) / 100 : null,
    allocatedBytesPerStepWithJit: collectionsDuringRun === 0 ? Math.round(slope * 100) / 100 : null,
  })}\n`,
);
