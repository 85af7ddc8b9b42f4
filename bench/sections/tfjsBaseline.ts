import { measureSteps } from '../lib/measure.js';
import {
  REFERENCE_RATE,
  referenceError,
  referenceInput,
  referenceNetwork,
  referenceStepper,
} from '../lib/reference.js';
import type { BenchSection } from '../lib/types.js';

const VERIFY_STEPS = 50;

/** Runs `body` with console output sent to stderr (tfjs greets Node users on stdout). */
async function quietly<T>(body: () => Promise<T>): Promise<T> {
  const { log, info, warn } = console;
  const toStderr = (...args: unknown[]) => process.stderr.write(`${args.map(String).join(' ')}\n`);
  console.log = toStderr;
  console.info = toStderr;
  console.warn = toStderr;
  try {
    return await body();
  } finally {
    console.log = log;
    console.info = info;
    console.warn = warn;
  }
}

/**
 * The same online backprop step (learn + forward) on the reference net, written the way a
 * TypeScript user would with @tensorflow/tfjs on its CPU backend: variables for the weights, an SGD
 * optimiser minimising −Σ e_j·y_j (whose gradient step is ΔW = η·δ·x, the closed-loop update).
 */
export const tfjsBaselineSection: BenchSection = {
  name: 'tfjsBaseline',
  run: (context) =>
    quietly(async () => {
      const tf = await import('@tensorflow/tfjs');
      await tf.setBackend('cpu');
      await tf.ready();
      const net = referenceNetwork();
      // tfjs multiplies a row vector by [inputs, outputs] matrices: transpose the row-major weights.
      const weights = net.layers.map((l) =>
        tf.variable(tf.tensor2d(Float32Array.from(l.weights), [l.outputs, l.inputs], 'float32').transpose()),
      );
      const biases = net.layers.map((l) => tf.variable(tf.tensor1d(Float32Array.from(l.bias), 'float32')));
      const x = tf.tensor2d(Float32Array.from(referenceInput()), [1, net.inputs], 'float32');
      const optimizer = tf.train.sgd(REFERENCE_RATE);
      const errorBuffer = new Float32Array(net.outputs);
      let t = 0;
      const step = () => {
        errorBuffer.fill(referenceError(t++));
        tf.tidy(() => {
          const e = tf.tensor2d(errorBuffer, [1, net.outputs]);
          optimizer.minimize(() => {
            let a: import('@tensorflow/tfjs').Tensor2D = x;
            for (let l = 0; l < weights.length; l++) {
              a = tf.sub(tf.sigmoid(tf.add(tf.matMul(a, weights[l]), biases[l])), 0.5);
            }
            return tf.neg(tf.sum(tf.mul(a, e)));
          });
        });
      };
      // Check: after a few steps the weights agree with the TypeScript backprop within float32 precision.
      for (let k = 0; k < VERIFY_STEPS; k++) step();
      const ts = referenceStepper('backprop');
      ts.run(VERIFY_STEPS);
      let maxAbsDiff = 0;
      for (let l = 0; l < weights.length; l++) {
        const w = weights[l].transpose().dataSync();
        const b = biases[l].dataSync();
        const layer = ts.net.layers[l];
        for (let i = 0; i < w.length; i++)
          maxAbsDiff = Math.max(maxAbsDiff, Math.abs(w[i] - layer.weights[i]));
        for (let j = 0; j < b.length; j++) maxAbsDiff = Math.max(maxAbsDiff, Math.abs(b[j] - layer.bias[j]));
      }
      const batch = 10;
      const result = await measureSteps(
        context,
        'baselines.tfjs',
        () => {
          for (let k = 0; k < batch; k++) step();
        },
        batch,
      );
      const version = tf.version.tfjs;
      for (const v of [...weights, ...biases]) v.dispose();
      x.dispose();
      optimizer.dispose();
      return {
        baselines: {
          tfjs: {
            library: `@tensorflow/tfjs ${version}, cpu backend, float32`,
            rule: 'backprop (online SGD)',
            ...result,
            checkAgainstTypeScript: { steps: VERIFY_STEPS, maxAbsDiff },
          },
        },
      };
    }),
};
