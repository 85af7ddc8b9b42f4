/**
 * The core of sarlab: networks, learning rules, filter arrays, the simulated line follower, the
 * closed loop and `Simulation`. Everything here runs in Node and in the browser (no Node-only
 * imports). The kernels under the network and the rules are in `sarlab/kernels`.
 *
 * @module sarlab
 */

// The network.
export { ACTIVATIONS, type ActivationName } from './backend/activation.js';
export type { Kernel, KernelName } from './backend/js.js';
// Filter arrays.
export {
  BandpassBank,
  createFilterBank,
  DelayLineBank,
  FILTER_KINDS,
  type FilterBank,
  type FilterBankOptions,
  type FilterKind,
  ResonatorBank,
} from './filters/filterBank.js';
// Learning rules and relevance.
export { BackpropRule, backprop } from './learning/backprop.js';
export {
  type FeedbackAlignmentOptions,
  FeedbackAlignmentRule,
  feedbackAlignment,
} from './learning/feedbackAlignment.js';
export { GlobalErrorRule, globalError } from './learning/globalError.js';
export { type CreateRuleOptions, createRule } from './learning/index.js';
export {
  authorsCue,
  RELEVANCE_KINDS,
  type RelevanceContext,
  type RelevanceKind,
  type RelevanceSource,
  relevance,
} from './learning/relevance.js';
export {
  type LearningRule,
  type LearnOptions,
  OnlineRule,
  RULE_NAMES,
  type RuleName,
  type RuleOptions,
} from './learning/rule.js';
export {
  DEFAULT_SIGN_MODE,
  LEGACY_SIGN_MODE,
  type SarOptions,
  SarRule,
  SIGN_MODES,
  type SignMode,
  sar,
} from './learning/sar.js';
export { SignSymmetryRule, signSymmetry } from './learning/signSymmetry.js';
// The closed loop.
export { Agent, type MotorConfig } from './loop/agent.js';
export { AuthorsCriterion } from './loop/authorsCriterion.js';
export { ClosedLoopLearner } from './loop/learner.js';
export { RunMetrics, type SuccessCriterion } from './loop/metrics.js';
export {
  DenseLayer,
  INITIALISATIONS,
  type Initialisation,
  KERNELS,
  type KernelChoice,
  Network,
  type NetworkJSON,
  type NetworkOptions,
  type NetworkShape,
  networkJsonSchema,
} from './net/network.js';
// One run: its configuration, its parts, the run step by step, its log.
export {
  type DeepPartial,
  defaultRunConfig,
  estimatedParameters,
  LIMITS,
  mergeConfig,
  parseRunConfig,
  RUN_RULES,
  type RunConfig,
  type RunConfigInput,
  type RunRule,
  runConfigSchema,
} from './run/config.js';
export { KEEP_EVERY, LastGoodWeights } from './run/lastGood.js';
export { CurveRecorder, type LearningCurve } from './run/learningCurve.js';
export { buildRun, networkFromConfig, networkInputs, type RunParts, ruleFromConfig } from './run/setup.js';
export { type Divergence, type Evaluation, type RunSummary, Simulation } from './run/simulation.js';
export { LOG_COLUMN, LOG_COLUMNS, MAX_LOG_ROWS, StepLog } from './run/stepLog.js';
export type { Provenance } from './run/summary.js';
export {
  checkEnvironment,
  EnvironmentCheckError,
  type EnvironmentCheckOptions,
} from './task/checkEnvironment.js';
export {
  type AsyncEnvironment,
  createStepBuffers,
  type Environment,
  isAsyncEnvironment,
  type MotorCommand,
  type Observation,
  type ObservationBuffer,
  type ResetResult,
  type StepBuffers,
  type StepInfo,
  type StepResult,
} from './task/environment.js';
export { reflexError } from './task/reflexError.js';
export { ValidationError } from './util/errors.js';
export { Random } from './util/random.js';
// The simulated line follower.
export { type DriveGeometry, driveStep, type WheelSpeeds } from './world/drive.js';
export {
  type CameraConfig,
  DEFAULT_WORLD,
  LineFollowerEnvironment,
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
} from './world/lineFollower.js';
export { type CameraOptions, DiscSensors, GroundCamera, PointSet } from './world/sensors.js';
export { GroundTexture } from './world/texture.js';
export {
  BUILTIN_TRACK_NAMES,
  BUILTIN_TRACKS,
  builtinTrack,
  type CurveSpec,
  curvePoints,
  enkiTrack,
  lapLength,
  type Pose,
  proceduralCurve,
  type RenderOptions,
  renderCurveTrack,
  type Track,
  trackFromTexture,
} from './world/track.js';
export { enkiPredictor, enkiResponse } from './world/worldConfig.js';
