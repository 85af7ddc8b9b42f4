import { Agent } from '../loop/agent.js';
import { LineFollowerEnvironment } from '../world/lineFollower.js';
import { lapLength, type Track } from '../world/track.js';
import { baselineGainOf, type RunConfig } from './config.js';

/** Steps of one lap at the configured speed (at least 1; the criterion's window when the robot does not move). */
export function lapSteps(config: RunConfig, track: Track): number {
  const perStep = config.agent.speed * config.world.dt;
  if (!(perStep > 0)) return config.success.window;
  return Math.max(1, Math.ceil(lapLength(track) / perStep));
}

const cache = new WeakMap<Track, Map<string, number>>();

/**
 * `reflexMeanAbsError`: the mean |e| of the reflex alone (no network) on the same track, world,
 * motor settings and seed (so the same noise), over `success.baselineLaps` laps from the start
 * pose, at the reflex gain `success.baselineGain` (default: the run's own). Losing the line puts
 * the robot back at the start, as in a run, and the held extreme error counts. Computed once per
 * track and setting, then cached.
 */
export function reflexMeanAbsError(config: RunConfig, track: Track): number {
  const agentConfig = {
    speed: config.agent.speed,
    reflexGain: baselineGainOf(config),
    netGain: 0,
  };
  const steps = config.success.baselineLaps * lapSteps(config, track);
  // The predictors do not steer the reflex and draw their noise from a stream of their own, so the
  // baseline is the same whatever they are; the cheapest (blind) world computes it.
  const world = { ...config.world, predictors: 'blind' as const };
  const key = JSON.stringify([world, agentConfig, config.seed, steps]);
  let perTrack = cache.get(track);
  const cached = perTrack?.get(key);
  if (cached !== undefined) return cached;
  // The run's kernel samples the sensors here too (the same bits either way, so not in the key).
  const environment = new LineFollowerEnvironment(track, world, { kernel: config.network.kernel });
  const agent = new Agent(agentConfig);
  let observation = environment.reset(config.seed).observation;
  let sum = 0;
  for (let t = 0; t < steps; t++) {
    sum += Math.abs(observation.error);
    const result = environment.step(agent.act(observation, t));
    observation = result.terminated ? environment.reset().observation : result.observation;
  }
  const value = sum / steps;
  if (!perTrack) {
    perTrack = new Map();
    cache.set(track, perTrack);
  }
  perTrack.set(key, value);
  return value;
}
