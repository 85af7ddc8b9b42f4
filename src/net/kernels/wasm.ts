import { base64ToBytes } from '../../util/base64.js';
import type { Kernel, KernelName } from './js.js';
import { wasmKernelBase64 } from './wasmModule.generated.js';

/**
 * The WebAssembly SIMD kernel (wasm/kernel.ts). The module is compiled once per thread, synchronously
 * (it is a few kilobytes, under the limit browsers put on synchronous compilation on the main
 * thread), and instantiated once per network on that network's own memory.
 */

interface KernelExports {
  forward(): void;
  derivatives(): void;
  transport(signOnly: number, useMatrices: number): void;
  update(): void;
}

/** Whether this engine runs WebAssembly with 128-bit SIMD (f64x2). */
let simd: boolean | undefined;
let compiled: WebAssembly.Module | null = null;
let failure: string | null = null;

// The smallest module using SIMD: (func (result v128) (v128.const i64x2 0 0)).
const SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 22, 1, 20, 0, 253, 12, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 11,
]);

export function wasmSimdAvailable(): boolean {
  if (simd === undefined) {
    simd = false;
    try {
      simd = typeof WebAssembly === 'object' && WebAssembly.validate(SIMD_PROBE) && kernelModule() !== null;
    } catch {
      simd = false;
    }
  }
  return simd;
}

/** Why the WebAssembly kernel cannot run here (null when it can). */
export function wasmUnavailableReason(): string | null {
  if (wasmSimdAvailable()) return null;
  return failure ?? 'this engine has no WebAssembly SIMD';
}

function kernelModule(): WebAssembly.Module | null {
  if (compiled || failure) return compiled;
  try {
    compiled = new WebAssembly.Module(base64ToBytes(wasmKernelBase64));
  } catch (error) {
    failure = `the WebAssembly kernel does not compile here: ${(error as Error).message}`;
  }
  return compiled;
}

/** A fixed-size memory for one network: it never grows, so views of it never detach. */
export function wasmMemory(pages: number): WebAssembly.Memory {
  return new WebAssembly.Memory({ initial: pages, maximum: pages });
}

export class WasmKernel implements Kernel {
  readonly name: KernelName = 'wasm';
  private readonly exports: KernelExports;

  constructor(memory: WebAssembly.Memory) {
    const module = kernelModule();
    if (!module) throw new Error(wasmUnavailableReason() ?? 'no WebAssembly kernel');
    const instance = new WebAssembly.Instance(module, {
      env: { memory, exp: Math.exp, tanh: Math.tanh },
    });
    this.exports = instance.exports as unknown as KernelExports;
  }

  forward(): void {
    this.exports.forward();
  }

  derivatives(): void {
    this.exports.derivatives();
  }

  transport(signOnly: boolean, useMatrices: boolean): void {
    this.exports.transport(signOnly ? 1 : 0, useMatrices ? 1 : 0);
  }

  update(): void {
    this.exports.update();
  }
}
