import { ValidationError } from '../util/errors.js';
import { wasmSimdAvailable, wasmUnavailableReason, worldWasmAvailable } from './wasm.js';

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
 * Whether a world (or a filter array) built for `kernel` runs its loops in WebAssembly (throws as
 * the network would for a `wasm` that cannot run).
 */
export function worldUsesWasm(kernel: KernelChoice): boolean {
  return resolveKernel(kernel) === 'wasm' && worldWasmAvailable();
}
