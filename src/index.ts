/**
 * The core of sarlab: networks, learning rules, filter arrays, the simulated line follower, the closed loop and `Simulation`. Everything here runs in Node and in the browser (no Node-only imports).
 *
 * @module sarlab
 */

export * from './filters/filterBank.js';
export * from './learning/backprop.js';
export * from './learning/feedbackAlignment.js';
export * from './learning/globalError.js';
export * from './learning/index.js';
export * from './learning/relevance.js';
export * from './learning/rule.js';
export * from './learning/sar.js';
export * from './learning/signSymmetry.js';
export * from './loop/agent.js';
export * from './loop/environment.js';
export * from './loop/learner.js';
export * from './loop/metrics.js';
export * from './net/activation.js';
export type { Kernel, KernelName } from './net/kernels/js.js';
export type { LayerArrays, LearningWork } from './net/kernels/memory.js';
export * from './net/network.js';
export * from './run/config.js';
export * from './run/setup.js';
export * from './run/simulation.js';
export { ValidationError } from './util/errors.js';
export { Random } from './util/random.js';
export * from './world/drive.js';
export * from './world/lineFollower.js';
export * from './world/sensors.js';
export * from './world/texture.js';
export * from './world/track.js';
