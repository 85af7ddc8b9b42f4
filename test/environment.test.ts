import { describe, expect, it } from 'vitest';
import {
  type AsyncEnvironment,
  checkEnvironment,
  createStepBuffers,
  type Environment,
  EnvironmentCheckError,
  LineFollowerEnvironment,
  type MotorCommand,
  parseRunConfig,
  type ResetResult,
  Simulation,
  type StepResult,
} from '../src/index.js';
import { RobotEmulator, serveTcp } from '../src/robot/emulator.js';
import { RobotEnvironment } from '../src/robot/robotEnvironment.js';
import { builtinTrack } from '../src/world/track.js';

/**
 * A world of one's own: a cart on a line, e = its offset, steered by the wheel difference; it ends
 * an episode when the offset passes 1. Its buffers are allocated once and filled in place.
 */
class CartWorld implements Environment {
  readonly name = 'cart';
  readonly predictorCount: number = 3;
  readonly dt = 0.05;
  private readonly buffers = createStepBuffers(3, 2);
  private offset = 0;
  private drift = 0;

  reset(seed?: number): ResetResult {
    if (seed !== undefined) this.drift = 0.01 * (seed % 7);
    this.offset = 0.1;
    this.sense();
    this.buffers.info.reason = '';
    return this.buffers.reset;
  }

  step(action: MotorCommand): StepResult {
    this.offset += this.drift + 0.002 * (action.left - action.right);
    this.sense();
    const { result, info } = this.buffers;
    info.reason = Math.abs(this.offset) > 1 ? 'line-lost' : '';
    result.terminated = info.reason !== '';
    result.error = this.buffers.observation.error;
    return result;
  }

  private sense(): void {
    const o = this.buffers.observation;
    o.reflex[0] = 0.5 + this.offset / 4;
    o.reflex[1] = 0.5 - this.offset / 4;
    o.error = o.reflex[0] - o.reflex[1];
    o.predictors.fill(Math.max(0, Math.min(1, 0.5 + this.offset)));
    o.cue = 0;
    this.buffers.info.x = this.offset;
  }
}

describe('checkEnvironment: every Environment keeps the contract', () => {
  it('reset gives the first observation and the start pose as info, as Gymnasium does', () => {
    const track = builtinTrack('default');
    const { observation, info } = new LineFollowerEnvironment(track).reset(1);
    expect(observation.predictors).toHaveLength(24);
    expect([info.x, info.y, info.theta, info.reason]).toEqual([
      track.start.x,
      track.start.y,
      track.start.theta,
      '',
    ]);
  });

  it('the simulated line follower, rows and camera, with and without noise', async () => {
    for (const inputs of ['rows', 'camera'] as const) {
      const config = parseRunConfig({ world: { inputs } });
      await checkEnvironment(new LineFollowerEnvironment(builtinTrack('default'), config.world));
      const quiet = parseRunConfig({ world: { inputs, sensorNoise: 0, motorNoise: 0 } });
      await checkEnvironment(new LineFollowerEnvironment(builtinTrack('hard'), quiet.world), { steps: 300 });
    }
  });

  it('the robot environment over the emulator (a real robot cannot replay, the emulator can)', async () => {
    const emulator = new RobotEmulator({ track: builtinTrack('default'), realtime: false });
    const server = await serveTcp(emulator, 0);
    try {
      const robot = await RobotEnvironment.connect({
        address: { kind: 'tcp', host: '127.0.0.1', port: (server.address() as { port: number }).port },
      });
      await checkEnvironment(robot, { steps: 40, deterministic: false });
      await robot.close();
    } finally {
      emulator.close();
      server.close();
    }
  });

  it('a small world of its own, which a Simulation runs and names in its summary', async () => {
    await checkEnvironment(new CartWorld(), { steps: 400 });
    const simulation = new Simulation(
      parseRunConfig({ steps: 500, evaluation: { laps: 0 } }),
      undefined,
      undefined,
      new CartWorld(),
    );
    const summary = simulation.runToEnd();
    expect(summary.steps).toBe(500);
    expect(summary.track).toBe('cart');
    expect(summary.reflexMeanAbsError).toBeNull();
  });

  it('finds what breaks the contract: a kept command, wrong shapes, non-determinism', async () => {
    class KeepsCommand extends CartWorld {
      private last: MotorCommand | null = null;
      override step(action: MotorCommand): StepResult {
        // Uses the previous step's command object: fine only if nobody reuses it.
        const applied = this.last ?? action;
        this.last = action;
        return super.step(applied);
      }
    }
    await expect(checkEnvironment(new KeepsCommand())).rejects.toThrow(/not a finite number/);

    // reset returns { observation, info } (Gymnasium's obs, info), not a bare observation.
    class BareReset extends CartWorld {
      override reset(seed?: number): ResetResult {
        return super.reset(seed).observation as unknown as ResetResult;
      }
    }
    await expect(checkEnvironment(new BareReset())).rejects.toThrow(
      /reset\(1\), observation: no observation/,
    );

    class WrongCount extends CartWorld {
      override readonly predictorCount = 4;
    }
    await expect(checkEnvironment(new WrongCount())).rejects.toThrow(/3 predictors, but predictorCount is 4/);

    let calls = 0;
    class Drifting extends CartWorld {
      override reset(seed?: number): ResetResult {
        return super.reset(seed === undefined ? undefined : seed + calls++);
      }
    }
    const error = await checkEnvironment(new Drifting()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EnvironmentCheckError);
    expect((error as EnvironmentCheckError).problems.join('\n')).toMatch(/not deterministic/);
    await checkEnvironment(new Drifting(), { deterministic: false });
  });
});

describe('one step for every driver: beginStep (command out), endStep (result in)', () => {
  /** The simulated line follower behind promises, as a robot link would be. */
  function asyncWorld(inner: LineFollowerEnvironment): AsyncEnvironment {
    return {
      predictorCount: inner.predictorCount,
      dt: inner.dt,
      resetAsync: async (seed) => inner.reset(seed),
      stepAsync: async (action) => inner.step(action),
    };
  }

  it('a synchronous world, the same world asynchronous, and a hand-written loop give the same run', async () => {
    const config = parseRunConfig({ seed: 3, steps: 1500, logEvery: 1 });
    const world = () => new LineFollowerEnvironment(builtinTrack(config.track), config.world);
    const rows = (sim: Simulation) =>
      Array.from(sim.log.data, (column) => Array.from(column.subarray(0, sim.log.rows)));
    const strip = (sim: Simulation) => ({ ...sim.summary(), wallSeconds: 0 });

    const sync = new Simulation(config, undefined, undefined, world());
    sync.runToEnd();

    const viaPromises = new Simulation(config, undefined, undefined, asyncWorld(world()));
    expect(() => viaPromises.advance()).toThrow(/asynchronous world/);
    while (!viaPromises.done) await viaPromises.advanceAsync();

    const inner = world();
    const byHand = new Simulation(config, undefined, undefined, asyncWorld(inner));
    byHand.observe(inner.reset(config.seed).observation);
    for (let command = byHand.beginStep(); command; command = byHand.beginStep()) {
      const result = inner.step(command);
      for (let resets = byHand.endStep(result); resets > 0; resets--)
        byHand.observe(inner.reset().observation);
    }

    expect(strip(viaPromises)).toEqual(strip(sync));
    expect(strip(byHand)).toEqual(strip(sync));
    expect(rows(viaPromises)).toEqual(rows(sync));
    expect(rows(byHand)).toEqual(rows(sync));
    expect(sync.summary().evaluation?.steps).toBe(sync.lapSteps);
  });
});
