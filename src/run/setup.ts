import { createFilterBank, type FilterBank } from '../filters/filterBank.js';
import { createRule } from '../learning/index.js';
import { relevance } from '../learning/relevance.js';
import type { LearningRule, RuleName } from '../learning/rule.js';
import { Agent } from '../loop/agent.js';
import { Network } from '../net/network.js';
import type { AsyncEnvironment, Environment } from '../task/environment.js';
import { ValidationError } from '../util/errors.js';
import { LineFollowerEnvironment } from '../world/lineFollower.js';
import { builtinTrack, type Track } from '../world/track.js';
import { predictorGrid } from '../world/worldConfig.js';
import type { RunConfig } from './config.js';

/** Everything a run is made of, built from a configuration. */
export interface RunParts {
  track: Track;
  /** The world: the simulated line follower, or any other, synchronous or not (e.g. a real robot). */
  environment: Environment | AsyncEnvironment;
  /** The simulated line follower, when that is the world (for drawing its sensors). */
  simulator: LineFollowerEnvironment | null;
  network: Network | null;
  filters: FilterBank | null;
  rule: LearningRule | null;
  agent: Agent;
}

/** Number of network inputs the configured world and filter array produce. */
export function networkInputs(config: RunConfig, predictors: number): number {
  return predictors * config.filters.count;
}

/**
 * Builds the track (unless given, e.g. loaded from a PNG), the world (unless given, e.g. a robot
 * link), the network (unless given, e.g. a loaded model), the rule and the agent. Seeds: the network is initialised from `seed`, feedback matrices from `seed + 1`.
 */
export function buildRun(
  config: RunConfig,
  track?: Track,
  network?: Network,
  world?: Environment | AsyncEnvironment,
): RunParts {
  if (!track && /\.png$/i.test(config.track)) {
    throw new ValidationError(
      'track',
      config.track,
      'a PNG track loaded by the caller (loadPngTrack from sarlab/node) in this context',
    );
  }
  const resolvedTrack = track ?? builtinTrack(config.track, { lineWidth: config.world.lineWidth });
  const simulator = world
    ? null
    : new LineFollowerEnvironment(resolvedTrack, config.world, {
        kernel: config.network.kernel,
      });
  const environment = world ?? (simulator as LineFollowerEnvironment);
  if (config.rule === 'reflex') {
    return {
      track: resolvedTrack,
      environment,
      simulator,
      network: null,
      filters: null,
      rule: null,
      agent: new Agent(config.agent),
    };
  }
  const filters = createFilterBank({
    kind: config.filters.kind,
    predictors: environment.predictorCount,
    count: config.filters.count,
    minPeriod: config.filters.minPeriod,
    maxPeriod: config.filters.maxPeriod,
    damping: config.filters.damping,
    kernel: config.network.kernel,
  });
  const inputs = networkInputs(config, environment.predictorCount);
  let net = network;
  if (net) {
    if (net.inputs !== inputs) {
      throw new ValidationError(
        'model',
        `a network with ${net.inputs} inputs`,
        `${inputs} inputs for this task`,
      );
    }
  } else {
    net = networkFromConfig(config, inputs);
  }
  const rule = ruleFromConfig(config, config.rule);
  const agent = new Agent(config.agent, net, filters, rule);
  return { track: resolvedTrack, environment, simulator, network: net, filters, rule, agent };
}

/**
 * The network a configuration describes, for `inputs` inputs, initialised from `seed`; then each
 * layer's initial weights multiplied by `network.layerInitScale` (first layer first; layers past the
 * list keep theirs). CLDL's weightBoost, in effective form, is a first layer scaled by 1/1000.
 */
export function networkFromConfig(config: RunConfig, inputs: number): Network {
  const net = new Network({
    inputs,
    layers: config.network.layers,
    activation: config.network.activation,
    init: config.network.init,
    initRange: config.network.initRange,
    bias: config.network.bias,
    seed: config.seed,
    kernel: config.network.kernel,
  });
  const scales = config.network.layerInitScale ?? [];
  scales.forEach((scale, l) => {
    const w = net.layers[l]?.weights;
    if (w && scale !== 1) for (let k = 0; k < w.length; k++) w[k] *= scale;
  });
  return net;
}

/** The learning rule a configuration describes (feedback matrices from `seed + 1`). */
export function ruleFromConfig(config: RunConfig, rule: RuleName): LearningRule {
  return createRule(rule, {
    learningRate: config.learningRate,
    discount: config.discount,
    relevance: relevance.fromKind(config.relevance, config.relevanceLevel, predictorColumnsOf(config)),
    signMode: config.signMode,
    seed: config.seed + 1,
  });
}

/** Sensors per predictor row of a configuration's world (what the authors' relevance cue counts in). */
export function predictorColumnsOf(config: RunConfig): number {
  return predictorGrid(config.world).columns;
}
