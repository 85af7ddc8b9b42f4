// Messages between the page and the simulation worker (one worker per agent).
import type { RunConfig, RunConfigInput } from '../../src/run/config.js';

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
  /** Freeze the weights now and drive one evaluation lap from the start. */
  | { type: 'evaluate' }
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
  /** The reflex alone on the same track, world and seed: mean |e| (null when unknown). */
  baseline: number | null;
  /** The success threshold on the |e| average (threshold × baseline). */
  threshold: number;
  /** Steps the average must stay below the threshold (at least one lap). */
  window: number;
  lapSteps: number;
  /** The network's shape (null in reflex mode). */
  network: { inputs: number; widths: number[]; activations: string[] } | null;
}

/**
 * A look inside the network, sent a few times a second: per layer, the weight change since the
 * start (binned to at most `NET_MAX_ROWS` × `NET_MAX_COLUMNS` cells), the activations and the
 * teaching signals of the last update (binned to at most `NET_MAX_ROWS` neurons).
 */
export interface NetworkSample {
  layers: {
    /** Rows (neurons) and columns (inputs) of `change` after binning. */
    rows: number;
    columns: number;
    /** W − W₀, row-major, binned by averaging. */
    change: Float32Array;
    /** Activations of the last forward pass, binned. */
    activation: Float32Array;
    /** Teaching signal of the last update (σ for SaR, δ for backprop), binned; null when frozen or before the first update. */
    signal: Float32Array | null;
  }[];
  /** The network's input vector of the last forward pass (the filtered predictors), binned. */
  input: Float32Array;
}

export const NET_MAX_ROWS = 32;
export const NET_MAX_COLUMNS = 64;

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
  /** 'learning', then 'evaluation' (weights frozen, one lap from the start), then 'done'. */
  phase: 'learning' | 'evaluation' | 'done';
  /** Steps the average has been below the threshold with no line loss (the current streak). */
  stepsBelow: number;
  /** Mean |e| of the last 2,000 steps over the baseline. */
  relativeError: number | null;
  /** Evaluation steps driven, and how many it takes. */
  evaluationProgress: { steps: number; of: number };
  /** The frozen evaluation, once done. */
  evaluation: { steps: number; meanAbsError: number; relativeError: number | null; lostLine: number } | null;
  /** Present a few times a second. */
  network: NetworkSample | null;
}

export type FromWorker =
  | ({ type: 'ready' } & RunLayout)
  | ({ type: 'frame' } & Frame)
  | { type: 'export'; request: number; summary: string; log: string; name: string }
  | { type: 'error'; run: number; message: string };
