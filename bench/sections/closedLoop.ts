import { closedLoopSimulation, type InputKind } from '../lib/closedLoop.js';
import { measureSteps } from '../lib/measure.js';
import type { BenchSection, Throughput } from '../lib/types.js';

const BATCH = 500;
const BUDGET = 2_000_000;

async function measure(context: Parameters<BenchSection['run']>[0], inputs: InputKind): Promise<Throughput> {
  const sim = closedLoopSimulation(inputs, BUDGET);
  sim.advanceMany(2000); // past the first steps, where the filters and the weights start from rest
  return measureSteps(
    context,
    `closedLoop.${inputs}`,
    () => {
      if (sim.advanceMany(BATCH) !== BATCH) throw new Error(`the ${inputs} run stopped before its budget`);
    },
    BATCH,
  );
}

/** One full closed-loop step (world, sensors, filter array, network, learning, logging), default config. */
export const closedLoopSection: BenchSection = {
  name: 'closedLoop',
  async run(context) {
    const rows = await measure(context, 'rows');
    const camera = await measure(context, 'camera');
    return {
      closedLoop: {
        description:
          'default run config (SaR, default track, network 10,10,10,10,2, 5 resonators per predictor); rows: 2x12 disc sensors; camera: 32x16 pixels in 8x4 patches',
        rows,
        camera,
      },
    };
  },
};
