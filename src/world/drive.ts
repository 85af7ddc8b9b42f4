import type { Pose } from './track.js';

/** Wheel speeds, cm/s. */
export interface WheelSpeeds {
  left: number;
  right: number;
}

/** Distance between the wheels (cm) and the time step (s). */
export interface DriveGeometry {
  wheelBase: number;
  dt: number;
}

/**
 * Differential-drive kinematics (units cm, s): v = (vL + vR)/2, ω = (vR − vL)/b, integrated exactly
 * along the arc for one time step (so a constant command drives a true circle of radius v/ω).
 * Speeds and geometry come in objects, not as numbers: no boxed numbers (docs/performance.md, "The hot path").
 */
export function driveStep(pose: Pose, wheels: WheelSpeeds, body: DriveGeometry): void {
  const left = wheels.left;
  const right = wheels.right;
  const dt = body.dt;
  const v = (left + right) / 2;
  const omega = (right - left) / body.wheelBase;
  const theta = pose.theta;
  if (Math.abs(omega) < 1e-12) {
    pose.x += v * dt * Math.cos(theta);
    pose.y += v * dt * Math.sin(theta);
  } else {
    const radius = v / omega;
    const next = theta + omega * dt;
    pose.x += radius * (Math.sin(next) - Math.sin(theta));
    pose.y -= radius * (Math.cos(next) - Math.cos(theta));
    pose.theta = next;
  }
  // Keep the heading in (-π, π] so that it never loses precision on long runs.
  if (pose.theta > Math.PI) pose.theta -= 2 * Math.PI;
  else if (pose.theta <= -Math.PI) pose.theta += 2 * Math.PI;
}
