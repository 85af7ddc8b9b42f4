import { base64ToBytes } from '../util/base64.js';
import type { Kernel, KernelName } from './js.js';
import { wasmKernelBase64, wasmWorldBase64 } from './wasmModule.generated.js';

/*
 * The WebAssembly of sarlab, owned here: the two modules (wasm/kernel.ts, the network's arithmetic;
 * wasm/world.ts, the world's sensing loops and the filters' bandpass), each compiled once per thread,
 * synchronously (a few kilobytes, under the limit browsers put on synchronous compilation on the main
 * thread), and the fixed-size memories they run on. The network, the world and the filters ask here.
 */

interface KernelExports {
  forward(): void;
  derivatives(): void;
  transport(signOnly: number, useMatrices: number): void;
  update(): void;
}

const PAGE = 65536;

/** A module compiled on first use (once per thread), or null with the reason where it does not compile. */
class LazyModule {
  private compiled: WebAssembly.Module | null = null;
  /** Why the module does not compile here (null until a failed attempt). */
  failure: string | null = null;

  constructor(
    private readonly base64: string,
    private readonly what: string,
  ) {}

  get(): WebAssembly.Module | null {
    if (this.compiled || this.failure) return this.compiled;
    try {
      this.compiled = new WebAssembly.Module(base64ToBytes(this.base64));
    } catch (error) {
      this.failure = `${this.what} does not compile here: ${(error as Error).message}`;
    }
    return this.compiled;
  }
}

const kernelModule = new LazyModule(wasmKernelBase64, 'the WebAssembly kernel');
const worldModule = new LazyModule(wasmWorldBase64, "the world's WebAssembly");

/** Whether this engine runs WebAssembly with 128-bit SIMD (f64x2). */
let simd: boolean | undefined;

// The smallest module using SIMD: (func (result v128) (v128.const i64x2 0 0)).
const SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 22, 1, 20, 0, 253, 12, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 11,
]);

/** Whether this engine runs the WebAssembly kernel: WebAssembly with 128-bit SIMD, and the module compiles. */
export function wasmSimdAvailable(): boolean {
  if (simd === undefined) {
    simd = false;
    try {
      simd =
        typeof WebAssembly === 'object' && WebAssembly.validate(SIMD_PROBE) && kernelModule.get() !== null;
    } catch {
      simd = false;
    }
  }
  return simd;
}

/** Why the WebAssembly kernel cannot run here (null when it can). */
export function wasmUnavailableReason(): string | null {
  if (wasmSimdAvailable()) return null;
  return kernelModule.failure ?? 'this engine has no WebAssembly SIMD';
}

/** A fixed-size memory (`pages` of 64 KiB): it never grows, so views of it never detach. */
export function wasmMemory(pages: number): WebAssembly.Memory {
  return new WebAssembly.Memory({ initial: pages, maximum: pages });
}

/** Whether this engine runs the world's WebAssembly loops (it runs the kernel and the module compiles). */
export function worldWasmAvailable(): boolean {
  return wasmSimdAvailable() && worldModule.get() !== null;
}

/** An instance of the world's module (wasm/world.ts) and the memory of its own it runs on. */
export interface WorldInstance {
  readonly memory: WebAssembly.Memory;
  readonly exports: WebAssembly.Exports;
}

/**
 * An instance of the world's module on a fixed memory of its own of at least `bytes` bytes (one
 * page at least), or null where this engine will not give one (the caller then stays in TypeScript,
 * with the same results).
 */
export function worldInstance(bytes: number): WorldInstance | null {
  const module = worldModule.get();
  if (!module) return null;
  try {
    const memory = wasmMemory(Math.max(1, Math.ceil(bytes / PAGE)));
    const instance = new WebAssembly.Instance(module, { env: { memory } });
    return { memory, exports: instance.exports };
  } catch {
    return null;
  }
}

/**
 * The WebAssembly SIMD kernel (wasm/kernel.ts), instantiated once per network on that network's
 * own memory (laid out by memory.ts).
 */
export class WasmKernel implements Kernel {
  readonly name: KernelName = 'wasm';
  private readonly exports: KernelExports;

  constructor(memory: WebAssembly.Memory) {
    const module = kernelModule.get();
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
