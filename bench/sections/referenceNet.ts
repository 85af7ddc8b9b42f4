import { measureSteps } from '../lib/measure.js';
import { referenceStepper } from '../lib/reference.js';
import type { BenchSection } from '../lib/types.js';

const BATCH = 200;

/** One SaR step and one backprop step (learn + forward) on the reference net, plain TypeScript. */
export const referenceNetSection: BenchSection = {
  name: 'referenceNet',
  async run(context) {
    const sarStepper = referenceStepper('sar');
    const sarResult = await measureSteps(context, 'referenceNet.sar', () => sarStepper.run(BATCH), BATCH);
    const bpStepper = referenceStepper('backprop');
    const bpResult = await measureSteps(context, 'referenceNet.backprop', () => bpStepper.run(BATCH), BATCH);
    return {
      referenceNet: {
        description: '720 inputs; layers 10x10 then 2; centred sigmoid; one step = learn + forward',
        sar: sarResult,
        backprop: bpResult,
      },
    };
  },
};
