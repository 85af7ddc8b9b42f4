import {
  createStepBuffers,
  type Environment,
  type MotorCommand,
  type Observation,
  type ObservationBuffer,
  type StepInfo,
  type StepResult,
} from '../loop/environment.js';
import { bendCue } from './bendCue.js';
import { driveStep } from './robot.js';
import { DiscSensors, GroundCamera } from './sensors.js';
import type { Pose, Track } from './track.js';

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

/** Settings of the simulated line follower. */
export interface WorldConfig {
  /** Control period, s. */
  dt: number;
  /** Distance between the wheels, cm. */
  wheelBase: number;
  reflex: ReflexSensorConfig;
  inputs: 'rows' | 'camera';
  rows: RowsConfig;
  camera: CameraConfig;
  /** Seconds with no line under any sensor before the robot is put back at the start. */
  lostAfter: number;
}

/** The default world (docs/configuration.md says why each value). */
export const DEFAULT_WORLD: WorldConfig = {
  dt: 0.05,
  wheelBase: 10,
  reflex: { ahead: 8, offset: 2, radius: 1.5, widePair: false, wideOffset: 5 },
  inputs: 'rows',
  rows: { distances: [16, 26], count: 12, spread: 36, radius: 0.8 },
  camera: { height: 12, ahead: 5, tilt: 35, fieldOfView: 70, resolution: [32, 16], grid: [8, 4] },
  lostAfter: 1.5,
};

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
  private readonly observation: ObservationBuffer;
  private readonly info: StepInfo;
  private readonly result: StepResult;
  private stepsWithoutLine = 0;
  private readonly lostSteps: number;

  constructor(
    readonly track: Track,
    readonly config: WorldConfig = DEFAULT_WORLD,
  ) {
    this.dt = config.dt;
    this.pose = { ...track.start };
    const r = config.reflex;
    const reflexCentres = [r.ahead, r.offset, r.ahead, -r.offset];
    if (r.widePair) reflexCentres.push(r.ahead, r.wideOffset, r.ahead, -r.wideOffset);
    this.reflexSensors = new DiscSensors(reflexCentres, r.radius);
    if (config.inputs === 'rows') {
      const { distances, count, spread, radius } = config.rows;
      const centres: number[] = [];
      for (const d of distances) {
        for (let c = 0; c < count; c++)
          centres.push(d, count === 1 ? 0 : spread / 2 - (spread * c) / (count - 1));
      }
      this.rowSensors = new DiscSensors(centres, radius);
      this.camera = null;
      this.predictorRows = distances.length;
      this.predictorColumns = count;
    } else {
      const c = config.camera;
      this.camera = new GroundCamera({
        height: c.height,
        ahead: c.ahead,
        tilt: c.tilt,
        fieldOfView: c.fieldOfView,
        width: c.resolution[0],
        height_px: c.resolution[1],
      });
      this.rowSensors = null;
      this.predictorRows = c.grid[1];
      this.predictorColumns = c.grid[0];
    }
    this.predictorCount = this.predictorRows * this.predictorColumns;
    ({
      observation: this.observation,
      info: this.info,
      result: this.result,
    } = createStepBuffers(this.predictorCount, this.reflexSensors.count));
    this.lostSteps = Math.max(1, Math.round(config.lostAfter / config.dt));
  }

  reset(_seed?: number): Observation {
    this.pose.x = this.track.start.x;
    this.pose.y = this.track.start.y;
    this.pose.theta = this.track.start.theta;
    this.stepsWithoutLine = 0;
    this.sense();
    return this.observation;
  }

  step(action: MotorCommand): StepResult {
    driveStep(this.pose, action, this.config);
    const seesLine = this.sense();
    const info = this.info;
    info.reason = '';
    if (!this.track.texture.contains(this.pose.x, this.pose.y)) info.reason = 'left-arena';
    else {
      this.stepsWithoutLine = seesLine ? 0 : this.stepsWithoutLine + 1;
      if (this.stepsWithoutLine >= this.lostSteps) info.reason = 'line-lost';
    }
    this.result.terminated = info.reason !== '';
    this.result.error = this.observation.error;
    return this.result;
  }

  /** Reads every sensor at the current pose; returns whether any sensor sees some line. */
  private sense(): boolean {
    const obs = this.observation;
    const texture = this.track.texture;
    this.reflexSensors.read(texture, this.pose, obs.reflex);
    const g = obs.reflex;
    let error = g[0] - g[1];
    if (g.length === 4) error += 2 * (g[2] - g[3]);
    obs.error = error;
    const p = obs.predictors;
    if (this.rowSensors) {
      this.rowSensors.read(texture, this.pose, p);
      for (let i = 0; i < p.length; i++) p[i] = 1 - p[i];
    } else if (this.camera) {
      this.camera.capture(texture, this.pose);
      this.camera.patchDarkness(this.predictorColumns, this.predictorRows, p);
    }
    obs.cue = bendCue(obs.predictors, this.predictorRows, this.predictorColumns);
    const info = this.info;
    info.x = this.pose.x;
    info.y = this.pose.y;
    info.theta = this.pose.theta;
    let dark = 0;
    for (let i = 0; i < g.length; i++) dark = Math.max(dark, 1 - g[i]);
    for (let i = 0; i < p.length; i++) dark = Math.max(dark, p[i]);
    return dark > 0.2;
  }
}
