// Messages between the page and the simulation worker (one worker per agent).
import type { RunConfig, RunConfigInput } from '../../src/experiments/config.js';

/** Where the track comes from: a built-in or procedural name, or an image decoded in the page. */
export type TrackSource =
  | { kind: 'builtin'; spec: string }
  | {
      kind: 'image';
      name: string;
      width: number;
      height: number;
      rgba: Uint8ClampedArray;
      cmPerPixel: number;
    };

/** Simulation speed: a multiple of real time, or 0 for as fast as possible. */
export type Speed = number;

export type ToWorker =
  | { type: 'start'; run: number; config: RunConfigInput; track: TrackSource; speed: Speed; paused: boolean }
  | { type: 'speed'; speed: Speed }
  | { type: 'pause'; paused: boolean }
  | { type: 'step' }
  | { type: 'export'; request: number };

/** The static parts of a run, sent once when it starts. */
export interface RunLayout {
  run: number;
  config: RunConfig;
  track: { name: string; width: number; height: number; cmPerPixel: number; grey: Uint8Array };
  /** Reflex sensor centres in the robot frame (x, y pairs, cm). */
  reflex: Float64Array;
  /** Predictor row sensor centres (robot frame), when the inputs are rows. */
  rows: Float64Array | null;
  /** Camera footprint corners (robot frame), when the input is the camera. */
  footprint: Float64Array | null;
  camera: { width: number; height: number } | null;
  /** Names of the log columns, in the order of `Frame.rows`. */
  columns: string[];
  layers: number;
  /** The network's arithmetic kernel (wasm: WebAssembly SIMD; js: TypeScript), null without a network. */
  kernel: string | null;
}

/** What changed since the last frame. */
export interface Frame {
  run: number;
  step: number;
  ema: number;
  success: boolean;
  stepsToSuccess: number | null;
  lostLine: number;
  pose: { x: number; y: number; theta: number };
  /** Running, paused, finished (budget spent) or diverged. */
  state: 'running' | 'paused' | 'finished' | 'diverged';
  /** Measured simulation rate over the last second. */
  stepsPerSecond: number;
  /** New log rows since the last frame, one array per log column. */
  rows: Float64Array[];
  /** The camera's grey image, when the input is the camera. */
  camera: Float32Array | null;
  /** Why the run diverged, in words. */
  note: string;
}

export type FromWorker =
  | ({ type: 'ready' } & RunLayout)
  | ({ type: 'frame' } & Frame)
  | { type: 'export'; request: number; summary: string; log: string; name: string }
  | { type: 'error'; run: number; message: string };
