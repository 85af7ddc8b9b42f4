import type { KernelChoice } from '../backend/kernelChoice.js';

/** Where the reflex sensor pair sits and how large it is. */
export interface ReflexSensorConfig {
  /** Distance of the sensor pair ahead of the axle, cm. */
  ahead: number;
  /** Each sensor sits this far left/right of the centre line of the robot, cm. */
  offset: number;
  /** Radius of the disc each sensor averages over, cm. */
  radius: number;
  /** A second, wider pair whose difference counts twice (widens the reflex's catch range). */
  widePair: boolean;
  wideOffset: number;
}

/** Rows of ground sensors ahead of the robot (one kind of predictive input). */
export interface RowsConfig {
  /** Distance of each row ahead of the axle, cm (nearest first). */
  distances: number[];
  /** Sensors per row. */
  count: number;
  /** Width covered by a row, cm. */
  spread: number;
  /** Radius of the disc each sensor averages over, cm. */
  radius: number;
}

/** A forward camera whose image patches are the predictors (the other kind). */
export interface CameraConfig {
  height: number;
  ahead: number;
  tilt: number;
  fieldOfView: number;
  /** Image width and height in pixels. */
  resolution: [number, number];
  /** Patch grid: columns and rows. */
  grid: [number, number];
}

/**
 * What the predictive inputs see (docs/closed-loop.md, "The task and its controls"):
 * - `ahead`: the configured rows or camera, looking at the road ahead (the task);
 * - `at-reflex`: the same number of sensors, in rows × columns across `rows.spread`, but every row
 *   at the reflex sensors' distance: as much lateral information as `ahead`, and no look-ahead;
 * - `blind`: every predictor 0.
 */
export const PREDICTOR_MODES = ['ahead', 'at-reflex', 'blind'] as const;
/** One of `PREDICTOR_MODES`. */
export type PredictorMode = (typeof PREDICTOR_MODES)[number];

/** Settings of the simulated line follower. */
export interface WorldConfig {
  /** Control period, s. */
  dt: number;
  /** Distance between the wheels, cm. */
  wheelBase: number;
  reflex: ReflexSensorConfig;
  inputs: 'rows' | 'camera';
  predictors: PredictorMode;
  rows: RowsConfig;
  camera: CameraConfig;
  /**
   * Actuator latency in control steps: a motor command takes effect this many steps after it was
   * computed (sensing, computing and the motor driver all take time on a real robot).
   */
  latency: number;
  /** Standard deviation of the Gaussian noise added to every light-sensor reading (grey, 0..1). */
  sensorNoise: number;
  /** Each wheel's speed is multiplied by 1 + this × U(−1, 1) every step (the authors' ±5 %). */
  motorNoise: number;
  /**
   * Distance (cm) driven while neither reflex sensor sees the line before the robot is put back
   * at the start pose.
   */
  lostDistance: number;
  /** Width of the line drawn for built-in and procedural tracks, cm (the `enki` track has its own). */
  lineWidth: number;
  /**
   * e while neither reflex sensor sees the line: `hold` (absent: the default) keeps the extreme value
   * with the sign e had when the line was last seen; `zero` gives 0 (the authors' simulator, whose
   * two sensors then read the same white floor: a dead zone).
   */
  lostLineError?: LostLineError;
  /**
   * How a sensor's reading becomes e and the predictors: `grey` (absent: the default) gives
   * e = g_left − g_right and predictors 1 − g (darkness), g the mean grey; `enki` gives the authors'
   * Enki ground sensors, e = σ(g_left) − σ(g_right) and predictors max(0, 0.731059 − σ(g)), σ the
   * logistic function (docs/authors-setting.md).
   */
  sensorModel?: SensorModel;
  /** e is multiplied by this (absent: 1); the authors' ERRORGAIN is 50. */
  errorGain?: number;
}

/** What e is while neither reflex sensor sees the line. */
export const LOST_LINE_ERRORS = ['hold', 'zero'] as const;
/** One of `LOST_LINE_ERRORS`. */
export type LostLineError = (typeof LOST_LINE_ERRORS)[number];
/** How sensor readings become e and the predictors. */
export const SENSOR_MODELS = ['grey', 'enki'] as const;
/** One of `SENSOR_MODELS`. */
export type SensorModel = (typeof SENSOR_MODELS)[number];

/** The logistic function of a grey value: the response of the authors' Enki ground sensor. */
export function enkiResponse(grey: number): number {
  return 1 / (1 + Math.exp(-grey));
}

/** Their predictor's offset (Racer.cpp line 71, the sensor's additive factor −0.731059). */
export const ENKI_PREDICTOR_OFFSET = 0.731059;

/** The authors' predictor of a grey value: −(σ(g) − 0.731059), clipped at 0 (run.cpp lines 220–221). */
export function enkiPredictor(grey: number): number {
  const p = ENKI_PREDICTOR_OFFSET - enkiResponse(grey);
  return Math.max(p, 0);
}

/** The default world (docs/configuration.md says why each value). */
export const DEFAULT_WORLD: WorldConfig = {
  dt: 0.05,
  wheelBase: 10,
  reflex: { ahead: 8, offset: 2, radius: 1.5, widePair: false, wideOffset: 5 },
  inputs: 'rows',
  predictors: 'ahead',
  rows: { distances: [16, 26], count: 12, spread: 36, radius: 0.8 },
  camera: { height: 12, ahead: 5, tilt: 35, fieldOfView: 70, resolution: [32, 16], grid: [8, 4] },
  latency: 1,
  sensorNoise: 0.01,
  motorNoise: 0.05,
  lostDistance: 30,
  lineWidth: 2.5,
};

/** Options of a simulated world that are not part of its configuration. */
export interface WorldOptions {
  /**
   * The kernel of the run (`network.kernel`): with `wasm` (or `auto` where the engine has
   * WebAssembly SIMD, the default) the sensors' fast sampling loops and the camera's patch means
   * run in WebAssembly; with `js` in TypeScript. Both give the same bits.
   */
  kernel?: KernelChoice;
}

/** The layout of the predictors: `rows` (nearest first) of `columns` values, left to right. */
export interface PredictorGrid {
  readonly rows: number;
  readonly columns: number;
}

/**
 * The predictors' layout a world configuration implies: the rows of sensors (one per distance,
 * `count` across), or the camera's patch grid (`grid` is columns × rows). The one place it is worked
 * out: the world, the robot link's expectations and the run's estimates ask here.
 */
export function predictorGrid(world: Pick<WorldConfig, 'inputs' | 'rows' | 'camera'>): PredictorGrid {
  return world.inputs === 'rows'
    ? { rows: world.rows.distances.length, columns: world.rows.count }
    : { rows: world.camera.grid[1], columns: world.camera.grid[0] };
}

/** A reflex sensor sees the line when its darkness (1 − grey) exceeds this. */
export const LINE_SEEN_DARKNESS = 0.1;

/**
 * The largest |e| the reflex sensors can give: 1 per pair, 2 for the wide pair (with the `enki`
 * sensor model σ(1) − σ(0) per pair), times `errorGain`.
 */
export function maxReflexError(reflex: ReflexSensorConfig, world?: Partial<WorldConfig>): number {
  const pairs = reflex.widePair ? 3 : 1;
  const span = world?.sensorModel === 'enki' ? enkiResponse(1) - enkiResponse(0) : 1;
  const gain = world?.errorGain ?? 1;
  return span === 1 && gain === 1 ? pairs : pairs * span * gain;
}

/** The seed of a world's noise generator, derived from the run's seed (apart from the network's). */
export function worldNoiseSeed(seed: number): number {
  return seed + 1_000_003;
}
