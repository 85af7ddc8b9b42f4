import { measureSteps } from '../lib/measure.js';
import { referenceNetwork, referenceStepper } from '../lib/reference.js';
import type { BenchSection } from '../lib/types.js';

const BATCH = 200;

/**
 * One SaR step and one backprop step (learn + forward) on the reference net, with the WebAssembly
 * SIMD kernel (`sar`, `backprop`: what `auto` picks in Node) and with the TypeScript kernel (`js`).
 */
export const referenceNetSection: BenchSection = {
  name: 'referenceNet',
  async run(context) {
    const measure = async (rule: 'sar' | 'backprop', kernel: 'wasm' | 'js') => {
      const stepper = referenceStepper(rule, referenceNetwork(1, kernel));
      const label = `referenceNet.${kernel === 'js' ? 'js.' : ''}${rule}`;
      return measureSteps(context, label, () => stepper.run(BATCH), BATCH);
    };
    const sar = await measure('sar', 'wasm');
    const backprop = await measure('backprop', 'wasm');
    const sarJs = await measure('sar', 'js');
    const backpropJs = await measure('backprop', 'js');
    return {
      referenceNet: {
        description: '720 inputs; layers 10x10 then 2; centred sigmoid; one step = learn + forward',
        kernel: 'wasm',
        sar,
        backprop,
        js: { sar: sarJs, backprop: backpropJs },
      },
    };
  },
};
