import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/robot/clock.js';
import { type EmulatorOptions, RobotEmulator } from '../src/robot/emulator.js';
import type { RobotLinkOptions } from '../src/robot/linkOptions.js';
import {
  type Frame,
  FrameDecoder,
  MessageType,
  robotExpectedLength,
  StopReason,
} from '../src/robot/protocol.js';
import { RobotEnvironment } from '../src/robot/robotEnvironment.js';
import { RobotRun, type RobotRunSummary, withSimulatedBaseline } from '../src/robot/runOnRobot.js';
import { parseRunConfig, type RunConfig } from '../src/run/config.js';
import { Simulation } from '../src/run/simulation.js';
import { builtinTrack } from '../src/world/track.js';
import { type MemoryTransport, memoryLink, recordHostFrames } from './support/memoryLink.js';
import { until } from './support/until.js';

const root = new URL('..', import.meta.url).pathname;
const cli = join(root, 'bin', 'sarlab.js');
const children: ChildProcess[] = [];
let dir: string;

beforeAll(() => {
  // The CLI runs from dist/ (npm test builds it first); build it when it is missing.
  if (!existsSync(join(root, 'dist', 'src', 'cli', 'commands', 'robot.js'))) {
    execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'ignore' });
  }
  dir = mkdtempSync(join(tmpdir(), 'sarlab-robot-'));
});

afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

/** Starts `sarlab robot-emulator --port 0 ...` and resolves to its port. */
function startEmulator(args: string[] = []): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, [cli, 'robot-emulator', '--port', '0', '--quiet', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /listening on tcp:127\.0\.0\.1:(\d+)/.exec(out);
      if (m) resolve({ child, port: Number(m[1]) });
    });
    child.once('exit', (code) => reject(new Error(`the emulator exited with ${code}`)));
  });
}

function runCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => {
    stdout += d;
  });
  child.stderr!.on('data', (d) => {
    stderr += d;
  });
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
}

/**
 * A TCP relay between the bridge and the robot that records every frame the bridge sends. When the
 * robot side dies it keeps the bridge's connection open: to the bridge the robot just went silent.
 */
async function recordingProxy(upstream: { port: number }) {
  const fromHost: { frame: Frame; at: number }[] = [];
  const state = { lastFromRobotAt: 0, robotGoneAt: 0, connections: 0 };
  const server: Server = createServer((client) => {
    state.connections++;
    const up = connect(upstream.port, '127.0.0.1');
    let connected = false;
    const decoder = new FrameDecoder(robotExpectedLength, (frame) =>
      fromHost.push({ frame, at: performance.now() }),
    );
    client.on('data', (d) => {
      decoder.push(d);
      if (connected && !up.destroyed) up.write(d);
    });
    up.on('connect', () => {
      connected = true;
    });
    up.on('data', (d) => {
      state.lastFromRobotAt = performance.now();
      client.write(d);
    });
    up.on('close', () => {
      if (connected) state.robotGoneAt = performance.now();
      else client.destroy(); // nobody there: refuse the bridge
    });
    up.on('error', () => {});
    client.on('error', () => {});
    client.on('close', () => up.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as { port: number }).port, fromHost, state };
}

const stops = (frames: { frame: Frame; at: number }[]) =>
  frames.filter((f) => f.frame.type === MessageType.stop);

describe('sarlab run --robot against the emulator (TCP, 127.0.0.1)', () => {
  it('reaches success through the protocol as the simulation does (same track, same seed)', async () => {
    // Seed 2: with the defaults, seed 1 is one of the seeds on which SaR does not succeed.
    const config = parseRunConfig({ seed: 2 });
    const reference = new Simulation(config).runToEnd();
    // The emulator's noise from the same seed as the run's, as in the simulation.
    const { child, port } = await startEmulator(['--seed', '2']);
    const out = join(dir, 'clean');
    const r = await runCli([
      'run',
      '--robot',
      `tcp:127.0.0.1:${port}`,
      '--seed',
      '2',
      '--json',
      '--no-plot',
      '--out',
      out,
    ]);
    child.kill('SIGINT');
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout) as RobotRunSummary;
    expect(summary.success).toBe(true);
    expect(reference.success).toBe(true);
    // Float32 on the wire: the same run up to rounding.
    expect(Math.abs(summary.stepsToSuccess! - reference.stepsToSuccess!)).toBeLessThanOrEqual(50);
    expect(summary.meanAbsErrorLast).toBeCloseTo(reference.meanAbsErrorLast, 3);
    expect(summary.robot.refusedTotal).toBe(0);
    expect(summary.robot.framesReceived).toBeGreaterThanOrEqual(summary.steps);
    expect(summary.robot.stopsSent.endOfRun).toBe(1);
    expect(readFileSync(join(out, 'log.csv'), 'utf8').split('\n')[0]).toMatch(/^step,error,errorEma/);
    console.log(
      `clean link: success at ${summary.stepsToSuccess} (simulation ${reference.stepsToSuccess}), ` +
        `${summary.steps} steps in ${summary.wallSeconds.toFixed(2)} s, round trip ${summary.robot.roundTripMs.toFixed(3)} ms`,
    );
  });
});

/**
 * The emulator and the link in this process over an in-memory link, both on one simulated clock:
 * every timeout (retransmission, watchdog, reconnection pause, jitter) takes exactly its length in
 * simulated time and no wall-clock time.
 */
function emulatedRobot(emulatorOptions: Omit<EmulatorOptions, 'track' | 'clock'> = {}) {
  const clock = new ManualClock();
  const track = builtinTrack('default');
  const fromHost: { frame: Frame; at: number }[] = [];
  const state = { lastFromRobotAt: 0, connections: 0 };
  let emulator = new RobotEmulator({ track, clock, ...emulatorOptions });
  let host: MemoryTransport | null = null;
  const address = {
    description: 'memory',
    open: async () => {
      state.connections++;
      const [hostEnd, robotEnd] = memoryLink();
      recordHostFrames(hostEnd, clock, fromHost);
      hostEnd.onData(() => {
        state.lastFromRobotAt = clock.now();
      });
      emulator.attach(robotEnd);
      host = hostEnd;
      return hostEnd;
    },
  };
  return {
    clock,
    address,
    fromHost,
    state,
    get emulator() {
      return emulator;
    },
    /** The robot goes silent: the link stays open but carries nothing (as a robot that died). */
    kill() {
      host?.silence();
    },
    /** Another robot (an emulator on the same clock) behind the same address, for the next connection. */
    replace() {
      emulator = new RobotEmulator({ track, clock });
    },
  };
}

async function emulatedRun(
  config: RunConfig,
  emulatorOptions: Omit<EmulatorOptions, 'track' | 'clock'>,
  link: Partial<RobotLinkOptions> = {},
  onProgress?: (run: RobotRun, robot: ReturnType<typeof emulatedRobot>) => void,
) {
  const robot = emulatedRobot(emulatorOptions);
  const { clock } = robot;
  const logs: string[] = [];
  const environment = await clock.settle(
    RobotEnvironment.connect({
      address: robot.address,
      expect: { reflexCount: 2, predictorRows: 2, predictorColumns: 12 },
      clock,
      log: (m) => logs.push(m),
      ...link,
    }),
  );
  const run = await clock.settle(RobotRun.start(environment, config));
  const summary = await clock.settle(run.run((r) => onProgress?.(r, robot), 100));
  robot.emulator.close();
  return { summary, robot, logs, simulatedMs: clock.now() };
}

describe('the emulator over a lossy link, on simulated time', () => {
  it('still learns with 5% dropped frames, 5% corrupted frames and 20 ms jitter', async () => {
    const reflex = new Simulation(parseRunConfig({ rule: 'reflex', steps: 1000 })).runToEnd();
    const config = withSimulatedBaseline(
      parseRunConfig({ seed: 2, steps: 1500, afterSuccess: 0, success: { window: 500 } }),
    );
    const { summary: s, simulatedMs } = await emulatedRun(config, {
      seed: 2,
      faults: { drop: 0.05, corrupt: 0.05, jitterMs: 20 },
    });
    console.log(
      `faulty link: success ${s.success} at ${s.stepsToSuccess}, mean |e| ${s.meanAbsErrorLast.toFixed(4)} ` +
        `(reflex alone ${reflex.meanAbsErrorLast.toFixed(4)}), ${s.steps} steps in ${(simulatedMs / 1000).toFixed(1)} s simulated, ` +
        `refused ${JSON.stringify(s.robot.refused)}, missing ${s.robot.missing}, resent ${s.robot.retries}, link lost ${s.robot.linkLost}`,
    );
    expect(s.success).toBe(true);
    expect(s.meanAbsErrorLast).toBeLessThan(0.4 * reflex.meanAbsErrorLast);
    expect(s.robot.refusedTotal).toBeGreaterThan(10);
    expect(s.robot.missing).toBeGreaterThan(0);
    expect(s.robot.retries).toBeGreaterThan(10);
    expect(s.robot.linkLost).toBe(0);
  });

  it('drop and corruption without jitter: a full default run reaches success', async () => {
    const { summary: s } = await emulatedRun(withSimulatedBaseline(parseRunConfig({ seed: 2 })), {
      seed: 2,
      faults: { drop: 0.05, corrupt: 0.05, seed: 7 },
    });
    console.log(
      `drop+corrupt: success at ${s.stepsToSuccess}, ${s.steps} steps, refused ${s.robot.refusedTotal}`,
    );
    expect(s.success).toBe(true);
    expect(s.robot.refused.checksum).toBeGreaterThan(50);
  });
});

describe('safety: the robot dies mid-run (simulated time)', () => {
  const killAt = 300;
  async function killMidRun(onLinkLost: 'exit' | 'reconnect') {
    const config = withSimulatedBaseline(
      parseRunConfig({ seed: 2, steps: 6000, afterSuccess: 0, success: { window: 500 } }),
    );
    let killedAt = 0;
    const result = await emulatedRun(config, {}, { onLinkLost }, (r, robot) => {
      if (r.simulation.step !== killAt) return;
      robot.kill();
      killedAt = robot.clock.now();
      if (onLinkLost === 'reconnect') robot.replace();
    });
    return { ...result, killedAt };
  }

  it('sends STOP exactly when the link timeout runs out and exits (onLinkLost: exit)', async () => {
    const { summary, robot, killedAt, logs } = await killMidRun('exit');
    const stop = stops(robot.fromHost).find((f) => f.frame.payload[0] === StopReason.timeout);
    expect(stop, `${logs.join('; ')} ${JSON.stringify(stops(robot.fromHost))}`).toBeDefined();
    // The last robot frame came before the kill; the STOP when 200 ms of silence had passed (the
    // watchdog's timer has a resolution of 1 ms).
    expect(robot.state.lastFromRobotAt).toBeLessThanOrEqual(killedAt);
    const silentFor = stop!.at - robot.state.lastFromRobotAt;
    expect(silentFor).toBeGreaterThanOrEqual(200);
    expect(silentFor).toBeLessThanOrEqual(201);
    expect(summary.robot.stopCause).toBe('link-lost');
    expect(summary.robot.linkLost).toBe(1);
    // The step whose command went unanswered is counted; nothing after it.
    expect(summary.steps).toBe(killAt + 1);
    expect(logs.join('\n')).toMatch(
      /link lost at step 300: no valid frame from the robot for 200 ms; motors commanded to stop/,
    );
    // Nothing but STOP after the link was declared lost (no motor command to a robot it cannot hear).
    expect(robot.fromHost.filter((f) => f.at > stop!.at && f.frame.type === MessageType.motor)).toHaveLength(
      0,
    );
  });

  it('sends STOP when the link timeout runs out, reconnects, pauses learning and goes on (onLinkLost: reconnect)', async () => {
    const { summary, robot } = await killMidRun('reconnect');
    const stop = stops(robot.fromHost).find((f) => f.frame.payload[0] === StopReason.timeout);
    expect(stop).toBeDefined();
    expect(summary.robot.linkLost).toBe(1);
    expect(summary.robot.reconnects).toBe(1);
    expect(robot.state.connections).toBe(2);
    expect(summary.robot.events.map((e) => e.what)).toEqual(['link-lost', 'reconnected']);
    // The first reconnection attempt comes one pause (250 ms) after the link was declared lost.
    const [lost, back] = summary.robot.events;
    expect(back.atMs - lost.atMs).toBe(250);
    expect(summary.robot.stopCause).toBe('success');
    expect(summary.success).toBe(true);
    expect(summary.lostLine).toBe(0);
  });
});

describe('the Ctrl-C of sarlab run', () => {
  it('Ctrl-C: sarlab run sends STOP(interrupted) and exits with 130', async () => {
    const { child, port } = await startEmulator(['--realtime']);
    const upstream = { port };
    const proxy = await recordingProxy(upstream);
    const run = spawn(
      process.execPath,
      [cli, 'run', '--robot', `tcp:127.0.0.1:${proxy.port}`, '--no-plot', '--out', join(dir, 'sigint')],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    children.push(run);
    expect(
      await until(() => proxy.fromHost.filter((f) => f.frame.type === MessageType.motor).length >= 10),
    ).toBe(true);
    const code = await new Promise<number | null>((resolve) => {
      run.once('exit', resolve);
      run.kill('SIGINT');
    });
    child.kill('SIGINT');
    proxy.server.close();
    expect(code).toBe(130);
    expect(stops(proxy.fromHost).map((f) => f.frame.payload[0])).toContain(StopReason.interrupted);
    expect(existsSync(join(dir, 'sigint', 'summary.json'))).toBe(true);
  });
});

// In CI the serial test must run (.ci/run installs socat); elsewhere it skips without it.
const noSocat = !process.env.CI && spawnSyncStatus('socat', ['-V']) !== 0;
if (noSocat) console.warn('skipping the serial-line test: socat not found (apt-get install socat)');

function spawnSyncStatus(command: string, args: string[]): number {
  try {
    execFileSync(command, args, { stdio: 'ignore' });
    return 0;
  } catch {
    return 1;
  }
}

describe.skipIf(noSocat)('serial: a pseudo-terminal pair made with socat', () => {
  it('exchanges frames end to end (serialport on one end, the emulator on the other)', async () => {
    const ptyDir = mkdtempSync(join(tmpdir(), 'sarlab-pty-'));
    const hostEnd = join(ptyDir, 'host');
    const robotEnd = join(ptyDir, 'robot');
    const socat = spawn('socat', [`pty,raw,echo=0,link=${hostEnd}`, `pty,raw,echo=0,link=${robotEnd}`], {
      stdio: 'ignore',
    });
    children.push(socat);
    await until(() => existsSync(hostEnd) && existsSync(robotEnd));
    expect(existsSync(hostEnd), 'socat made the pseudo-terminal pair').toBe(true);
    const { SerialTransport } = await import('../src/robot/transport.js');
    const emulator = new RobotEmulator({ track: builtinTrack('default') });
    const robotPort = await SerialTransport.open(robotEnd, 115200);
    emulator.attach(robotPort);
    const robot = await RobotEnvironment.connect({
      address: { kind: 'serial', path: hostEnd, baudRate: 115200 },
      expect: { reflexCount: 2, predictorRows: 2, predictorColumns: 12 },
    });
    const config = parseRunConfig({ steps: 400 });
    const run = await RobotRun.start(robot, config);
    const summary = await run.run();
    const reference = new Simulation(config).runToEnd();
    // The STOP of the end of the run crosses the pseudo-terminal before the emulator closes.
    expect(await until(() => emulator.stats.stops.length > 0)).toBe(true);
    emulator.close();
    await robotPort.close();
    socat.kill();
    rmSync(ptyDir, { recursive: true, force: true });
    console.log(
      `serial: ${summary.steps} steps, ${summary.robot.framesSent} frames sent, ${summary.robot.framesReceived} received, ` +
        `round trip ${summary.robot.roundTripMs.toFixed(3)} ms`,
    );
    expect(summary.robot.address).toBe(`serial:${hostEnd}@115200`);
    expect(summary.steps).toBe(400);
    expect(summary.robot.refusedTotal).toBe(0);
    expect(summary.robot.framesReceived).toBeGreaterThanOrEqual(401);
    // 400 learning steps, then the frozen evaluation lap.
    expect(emulator.stats.motorCommands).toBe(400 + (summary.evaluation?.steps ?? 0));
    expect(emulator.stats.stops.map((s) => s.reason)).toEqual(['endOfRun']);
    // The same loop as the simulation, up to float32 rounding on the wire.
    expect(summary.meanAbsErrorFirst).toBeCloseTo(reference.meanAbsErrorFirst, 4);
  });
});
