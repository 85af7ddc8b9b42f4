// The public API of sarlab. Everything here runs in Node and in the browser (no Node-only imports).

export * from './learning/backprop.js';
export * from './learning/feedbackAlignment.js';
export * from './learning/globalError.js';
export * from './learning/index.js';
export * from './learning/relevance.js';
export * from './learning/rule.js';
export * from './learning/sar.js';
export * from './learning/signSymmetry.js';
export * from './net/activation.js';
export * from './net/network.js';
export { ValidationError } from './util/errors.js';
export { Random } from './util/random.js';
