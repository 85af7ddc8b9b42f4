import { SensorFlags, type Sensors } from './protocol.js';

/**
 * Sensor values outside this range (or not finite) are a protocol error. The nominal range is [0, 1];
 * the margin allows for noise and calibration offsets of a real robot.
 */
export const SENSOR_RANGE = { min: -1, max: 2 } as const;
/** Largest |x| or |y| of a reported pose, cm. */
export const MAX_POSE_CM = 1e6;

/** The first value a SENSORS frame must not carry, described, or null when all are fine. */
export function invalidSensorValue(s: Sensors): string | null {
  const { min, max } = SENSOR_RANGE;
  const check = (name: string, values: Float64Array): string | null => {
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (!(v >= min && v <= max))
        return `${name}[${i}] = ${v} (expected a finite value in [${min}, ${max}]; nominally [0, 1])`;
    }
    return null;
  };
  const bad = check('reflex', s.reflex) ?? check('predictors', s.predictors);
  if (bad) return bad;
  if (s.flags & SensorFlags.poseValid) {
    for (const [name, v] of [
      ['x', s.x],
      ['y', s.y],
    ] as const)
      if (!(Math.abs(v) <= MAX_POSE_CM))
        return `pose ${name} = ${v} (expected a finite value within ±${MAX_POSE_CM} cm)`;
    if (!Number.isFinite(s.theta)) return `pose theta = ${s.theta} (expected a finite angle)`;
  }
  return null;
}
