import { type KernelChoice, worldUsesWasm } from '../backend/kernelChoice.js';
import { bendCue } from '../task/bendCue.js';
import {
  createStepBuffers,
  type Environment,
  type MotorCommand,
  type ObservationBuffer,
  type ResetResult,
  type StepInfo,
  type StepResult,
} from '../task/environment.js';
import { reflexError } from '../task/reflexError.js';
import { Random } from '../util/random.js';
import { driveStep } from './drive.js';
import { DiscSensors, GroundCamera } from './sensors.js';
import type { Pose, Track } from './track.js';
import { type WasmPointsSpec, wasmPointSets } from './wasmSampler.js';
import {
  DEFAULT_WORLD,
  enkiPredictor,
  enkiResponse,
  LINE_SEEN_DARKNESS,
  maxReflexError,
  predictorGrid,
  type WorldConfig,
  type WorldOptions,
  worldNoiseSeed,
} from './worldConfig.js';

export {
  type CameraConfig,
  DEFAULT_WORLD,
  LINE_SEEN_DARKNESS,
  LOST_LINE_ERRORS,
  type LostLineError,
  maxReflexError,
  PREDICTOR_MODES,
  type PredictorMode,
  type ReflexSensorConfig,
  type RowsConfig,
  SENSOR_MODELS,
  type SensorModel,
  type WorldConfig,
  type WorldOptions,
  worldNoiseSeed,
} from './worldConfig.js';

/**
 * The simulated line follower. Its error is e = g_left − g_right of the reflex sensors (plus twice
 * the wide pair's difference, if on): a line to the right darkens the right sensor, e > 0, and a
 * positive motor command u (left faster) turns right.
 */
export class LineFollowerEnvironment implements Environment {
  readonly dt: number;
  readonly predictorCount: number;
  /** Predictors are laid out in rows (nearest first) of `predictorColumns`, left to right. */
  readonly predictorRows: number;
  readonly predictorColumns: number;
  readonly pose: Pose;
  readonly reflexSensors: DiscSensors;
  readonly rowSensors: DiscSensors | null;
  readonly camera: GroundCamera | null;
  /** Whether the reflex sensors saw the line at the last reading. */
  seesLine = true;
  /**
   * With the dead zone (`lostLineError: 'zero'`) the line may lie between the reflex sensors, seen by
   * neither, while the robot follows it: these points, across the span between the two sensors
   * (at most 1 cm apart), tell whether the line is still under the robot (for line losses only).
   */
  readonly spanProbes: DiscSensors | null;
  private readonly spanGrey: Float64Array;
  private readonly observation: ObservationBuffer;
  private readonly info: StepInfo;
  private readonly resetResult: ResetResult;
  private readonly result: StepResult;
  private readonly maxError: number;
  /** The sensor response of the authors (sensorModel enki) and their dead zone (lostLineError zero). */
  private readonly enki: boolean;
  private readonly deadZone: boolean;
  private readonly errorGain: number;
  /** The responses of the reflex sensors under the enki model. */
  private readonly response: Float64Array;
  /** Sign of e when the line was last seen (held while it is not). */
  private lastSign = 1;
  private unseenDistance = 0;
  /** Noise of the wheels and the reflex sensors. */
  private random: Random;
  /**
   * Noise of the predictors, a stream of its own: the robot's motion and its reflex error see the
   * same noise whatever the predictors are (ahead, at-reflex, blind, or no network at all).
   */
  private predictorRandom: Random;
  /** Commands waiting out the latency: a ring of (left, right) pairs. */
  private readonly pending: Float64Array;
  private pendingHead = 0;
  private pendingFilled = false;
  private readonly applied: MotorCommand = { left: 0, right: 0 };
  /** Noise drawn for this step (filled in place: no numbers returned per draw). */
  private readonly noise: Float64Array;

  /** Whether the sensors are sampled in WebAssembly (`options.kernel`); the results are the same either way. */
  readonly kernel: 'wasm' | 'js';

  constructor(
    readonly track: Track,
    readonly config: WorldConfig = DEFAULT_WORLD,
    options: WorldOptions = {},
  ) {
    this.dt = config.dt;
    this.pose = { ...track.start };
    const r = config.reflex;
    const reflexCentres = [r.ahead, r.offset, r.ahead, -r.offset];
    if (r.widePair) reflexCentres.push(r.ahead, r.wideOffset, r.ahead, -r.wideOffset);
    this.reflexSensors = new DiscSensors(reflexCentres, r.radius);
    this.maxError = maxReflexError(r, config);
    this.enki = config.sensorModel === 'enki';
    this.deadZone = config.lostLineError === 'zero';
    this.errorGain = config.errorGain ?? 1;
    this.response = new Float64Array(this.reflexSensors.count);
    const span = r.widePair ? r.wideOffset : r.offset;
    const gaps = Math.max(1, Math.ceil((2 * span) / 1));
    const probes: number[] = [];
    for (let k = 0; k <= gaps; k++) probes.push(r.ahead, span - (2 * span * k) / gaps);
    this.spanProbes = this.deadZone ? new DiscSensors(probes, 0) : null;
    this.spanGrey = new Float64Array(this.spanProbes?.count ?? 0);
    const rowsAt = (distances: number[], count: number) => {
      const { spread, radius } = config.rows;
      const centres: number[] = [];
      for (const d of distances) {
        for (let c = 0; c < count; c++)
          centres.push(d, count === 1 ? 0 : spread / 2 - (spread * c) / (count - 1));
      }
      return new DiscSensors(centres, radius);
    };
    ({ rows: this.predictorRows, columns: this.predictorColumns } = predictorGrid(config));
    this.rowSensors = null;
    this.camera = null;
    if (config.predictors === 'at-reflex') {
      this.rowSensors = rowsAt(new Array(this.predictorRows).fill(r.ahead), this.predictorColumns);
    } else if (config.predictors === 'ahead' && config.inputs === 'rows') {
      this.rowSensors = rowsAt(config.rows.distances, config.rows.count);
    } else if (config.predictors === 'ahead') {
      const c = config.camera;
      this.camera = new GroundCamera({
        height: c.height,
        ahead: c.ahead,
        tilt: c.tilt,
        fieldOfView: c.fieldOfView,
        width: c.resolution[0],
        height_px: c.resolution[1],
      });
    }
    this.predictorCount = this.predictorRows * this.predictorColumns;
    this.kernel = this.useWasm(options.kernel ?? 'auto') ? 'wasm' : 'js';
    ({
      observation: this.observation,
      info: this.info,
      result: this.result,
      reset: this.resetResult,
    } = createStepBuffers(this.predictorCount, this.reflexSensors.count));
    this.pending = new Float64Array(2 * (Math.max(0, Math.floor(config.latency)) + 1));
    this.noise = new Float64Array(Math.max(2, this.reflexSensors.count, this.predictorCount));
    this.random = new Random(worldNoiseSeed(0));
    this.predictorRandom = new Random(worldNoiseSeed(0) + 1);
  }

  /**
   * Places the sensors' points and a copy of the texture in a WebAssembly memory, when `kernel`
   * resolves to the WebAssembly kernel and the engine gives the memory; true when it did.
   */
  private useWasm(kernel: KernelChoice): boolean {
    if (!worldUsesWasm(kernel)) return false;
    const specs: WasmPointsSpec[] = [
      { points: this.reflexSensors.points, perSensor: this.reflexSensors.perSensor },
    ];
    const rows = this.rowSensors;
    const camera = this.camera;
    if (rows) specs.push({ points: rows.points, perSensor: rows.perSensor });
    if (camera) {
      specs.push({
        points: camera.points,
        perSensor: 0,
        camera: {
          width: camera.width,
          height: camera.height,
          columns: this.predictorColumns,
          rows: this.predictorRows,
        },
      });
    }
    const placed = wasmPointSets(this.track.texture, specs);
    if (!placed) return false;
    let next = 0;
    this.reflexSensors.wasm = placed[next++];
    if (rows) rows.wasm = placed[next++];
    if (camera) camera.points.wasm = placed[next++];
    return true;
  }

  /**
   * Puts the robot at the start pose. With a seed, the noise generator restarts from it (a new
   * run); without one it goes on (the robot put back after losing the line).
   */
  reset(seed?: number): ResetResult {
    if (seed !== undefined) {
      this.random = new Random(worldNoiseSeed(seed));
      this.predictorRandom = new Random(worldNoiseSeed(seed) + 1);
    }
    this.pose.x = this.track.start.x;
    this.pose.y = this.track.start.y;
    this.pose.theta = this.track.start.theta;
    this.unseenDistance = 0;
    this.lastSign = 1;
    this.pendingFilled = false;
    this.info.reason = '';
    this.sense();
    return this.resetResult;
  }

  step(action: MotorCommand): StepResult {
    const applied = this.delay(action);
    const motorNoise = this.config.motorNoise;
    if (motorNoise > 0) {
      this.random.fillSigned(this.noise, 2);
      applied.left *= 1 + motorNoise * this.noise[0];
      applied.right *= 1 + motorNoise * this.noise[1];
    }
    driveStep(this.pose, applied, this.config);
    this.sense();
    const info = this.info;
    info.reason = '';
    if (!this.track.texture.contains(this.pose.x, this.pose.y)) info.reason = 'left-arena';
    else {
      if (this.seesLine || this.lineUnderSpan()) this.unseenDistance = 0;
      else this.unseenDistance += (Math.abs(applied.left + applied.right) / 2) * this.dt;
      if (this.unseenDistance >= this.config.lostDistance) info.reason = 'line-lost';
    }
    this.result.terminated = info.reason !== '';
    this.result.error = this.observation.error;
    return this.result;
  }

  /** With the dead zone: whether any point between the reflex sensors sees the line. */
  private lineUnderSpan(): boolean {
    const probes = this.spanProbes;
    if (probes === null) return false;
    probes.read(this.track.texture, this.pose, this.spanGrey);
    for (let i = 0; i < this.spanGrey.length; i++) if (1 - this.spanGrey[i] > LINE_SEEN_DARKNESS) return true;
    return false;
  }

  /** The command that takes effect now: `action` itself, or the one from `latency` steps ago. */
  private delay(action: MotorCommand): MotorCommand {
    const q = this.pending;
    const slots = q.length / 2;
    const applied = this.applied;
    if (slots === 1) {
      applied.left = action.left;
      applied.right = action.right;
      return applied;
    }
    if (!this.pendingFilled) {
      // At the start the robot has been driving like this all along.
      for (let k = 0; k < slots; k++) {
        q[2 * k] = action.left;
        q[2 * k + 1] = action.right;
      }
      this.pendingFilled = true;
    }
    q[2 * this.pendingHead] = action.left;
    q[2 * this.pendingHead + 1] = action.right;
    this.pendingHead = this.pendingHead + 1 === slots ? 0 : this.pendingHead + 1;
    // The oldest entry is the one just after the newest.
    applied.left = q[2 * this.pendingHead];
    applied.right = q[2 * this.pendingHead + 1];
    return applied;
  }

  /**
   * Reads every sensor at the current pose (with noise) and computes e. While neither reflex
   * sensor sees the line, e holds its extreme value with the sign it had when the line was last
   * seen (a robot beside the line must never look like one on it), or is 0 with
   * `lostLineError: 'zero'` (the dead zone of the authors).
   */
  private sense(): void {
    const obs = this.observation;
    const texture = this.track.texture;
    const sensorNoise = this.config.sensorNoise;
    const g = obs.reflex;
    this.reflexSensors.read(texture, this.pose, g);
    if (sensorNoise > 0) {
      this.random.fillNormal(this.noise, g.length);
      for (let i = 0; i < g.length; i++) g[i] += sensorNoise * this.noise[i];
    }
    let error: number;
    if (this.enki) {
      const response = this.response;
      for (let i = 0; i < g.length; i++) response[i] = enkiResponse(g[i]);
      error = reflexError(response);
    } else {
      error = reflexError(g);
    }
    if (this.errorGain !== 1) error *= this.errorGain;
    let dark = 0;
    for (let i = 0; i < g.length; i++) dark = Math.max(dark, 1 - g[i]);
    this.seesLine = dark > LINE_SEEN_DARKNESS;
    if (this.seesLine) {
      if (error > 0) this.lastSign = 1;
      else if (error < 0) this.lastSign = -1;
    } else {
      error = this.deadZone ? 0 : this.lastSign * this.maxError;
    }
    obs.error = error;
    const p = obs.predictors;
    if (this.rowSensors) {
      this.rowSensors.read(texture, this.pose, p);
      if (this.enki) for (let i = 0; i < p.length; i++) p[i] = enkiPredictor(p[i]);
      else for (let i = 0; i < p.length; i++) p[i] = 1 - p[i];
    } else if (this.camera) {
      this.camera.capture(texture, this.pose);
      this.camera.patchDarkness(this.predictorColumns, this.predictorRows, p);
      if (this.enki) for (let i = 0; i < p.length; i++) p[i] = enkiPredictor(1 - p[i]);
    } else {
      p.fill(0);
    }
    if (sensorNoise > 0 && (this.rowSensors || this.camera)) {
      this.predictorRandom.fillNormal(this.noise, p.length);
      for (let i = 0; i < p.length; i++) p[i] += sensorNoise * this.noise[i];
    }
    obs.cue = bendCue(obs.predictors, this.predictorRows, this.predictorColumns);
    const info = this.info;
    info.x = this.pose.x;
    info.y = this.pose.y;
    info.theta = this.pose.theta;
  }
}
