import { ValidationError } from '../util/errors.js';
import { wasmSimdAvailable, wasmUnavailableReason } from './kernels/wasm.js';

/**
 * Which kernel runs the network's arithmetic: `wasm` (WebAssembly SIMD), `js` (TypeScript), or
 * `auto` (wasm where the engine has WebAssembly SIMD, js elsewhere). All give the same bits.
 * `reference` (plain loops, slow) is for tests.
 */
export const KERNELS = ['auto', 'wasm', 'js'] as const;
/** One of `KERNELS`, or `reference` (the plain loops, for tests). */
export type KernelChoice = (typeof KERNELS)[number] | 'reference';

/** The kernel that `choice` means on this engine; throws a ValidationError for `wasm` where it cannot run. */
export function resolveKernel(choice: KernelChoice = 'auto'): 'wasm' | 'js' | 'reference' {
  switch (choice) {
    case 'auto':
      return wasmSimdAvailable() ? 'wasm' : 'js';
    case 'wasm':
      if (!wasmSimdAvailable()) {
        throw new ValidationError('kernel', choice, `a kernel this engine runs (${wasmUnavailableReason()})`);
      }
      return 'wasm';
    case 'js':
    case 'reference':
      return choice;
    default:
      throw new ValidationError('kernel', choice, `one of ${KERNELS.join(', ')}`);
  }
}

/**
 * Weight initialisations:
 * - `xavier-gain` (the default): Glorot uniform times the gain of the layer's activation, like
 *   PyTorch's `xavier_uniform_(w, gain=calculate_gain(...))`, so that the signal neither dies nor
 *   explodes with depth: the centred sigmoid's slope at 0 is 1/4, so its gain is 4; tanh 5/3,
 *   relu √2, linear 1 (see `activationGain`);
 * - `xavier`: uniform in ±sqrt(6 / (fanIn + fanOut)) (Glorot, gain 1): with the centred sigmoid
 *   the signal shrinks about fourfold per layer;
 * - `uniform`: uniform in ±initRange;
 * - `positive`: uniform in [0, 1), the authors' all-positive initialisation;
 * - `zero`: all zeros (only useful for tests and linear probes).
 * Biases start at zero in every case.
 */
