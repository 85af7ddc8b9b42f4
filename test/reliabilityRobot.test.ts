import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { RobotEmulator, serveTcp } from '../src/robot/emulator.js';
import {
  decodeHelloAck,
  encodeFrame,
  encodeHeartbeat,
  encodeHello,
  encodeHelloAck,
  encodeMotor,
  encodeSensors,
  encodeStop,
  type Frame,
  FrameDecoder,
  HelloFlags,
  HelloStatus,
  hostExpectedLength,
  MessageType,
  robotExpectedLength,
  SensorFlags,
  StopReason,
} from '../src/robot/protocol.js';
import { LinkLostError, ProtocolError, RobotEnvironment } from '../src/robot/robotEnvironment.js';
import { builtinTrack } from '../src/world/track.js';

/**
 * Reliability of the robot link (docs/reliability.md): fake robots and fake hosts that misbehave.
 */

type Reply = (frame: Frame, socket: Socket, robotSeq: () => number) => void;

function sensorsFrame(seq: number, ack: number, reflex: number[], predictors = [0.5, 0.5]): Uint8Array {
  return encodeFrame(
    MessageType.sensors,
    seq,
    encodeSensors({
      robotTimeUs: 1000,
      ack,
      flags: SensorFlags.ackValid | SensorFlags.poseValid,
      x: 1,
      y: 2,
      theta: 0,
      reflex: Float64Array.from(reflex),
      predictors: Float64Array.from(predictors),
    }),
  );
}

/** A robot on 127.0.0.1 that shakes hands (2 reflex sensors, 1×2 predictors), answers RESET, and does what `onMotor` says. */
async function fakeRobot(onMotor: Reply) {
  const received: { frame: Frame; at: number }[] = [];
  const sockets: Socket[] = [];
  let seq = 100;
  const next = () => seq++;
  const server: Server = createServer((socket) => {
    sockets.push(socket);
    const decoder = new FrameDecoder(robotExpectedLength, (f) => {
      received.push({ frame: f, at: performance.now() });
      if (f.type === MessageType.hello) {
        socket.write(
          encodeFrame(
            MessageType.helloAck,
            next(),
            encodeHelloAck({
              ack: f.seq,
              status: 0,
              flags: HelloFlags.lockstep,
              reflexCount: 2,
              predictorRows: 1,
              predictorColumns: 2,
              periodUs: 50000,
            }),
          ),
        );
      } else if (f.type === MessageType.reset) socket.write(sensorsFrame(next(), f.seq, [1, 1]));
      else if (f.type === MessageType.motor) onMotor(f, socket, next);
    });
    socket.on('data', (d) => decoder.push(d));
    socket.on('error', () => {});
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  const close = () => {
    for (const s of sockets) s.destroy();
    server.close();
  };
  return { port, received, close };
}

/** Resolves to what the promise did, or 'still waiting' after `ms` (the bug: it would wait forever). */
function within<T>(
  promise: Promise<T>,
  ms: number,
): Promise<{ value?: T; error?: unknown } | 'still waiting'> {
  return Promise.race([
    promise.then(
      (value) => ({ value }),
      (error: unknown) => ({ error }),
    ),
    new Promise<'still waiting'>((r) => setTimeout(() => r('still waiting'), ms)),
  ]);
}

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

async function connectTo(port: number, logs: string[] = []) {
  const env = await RobotEnvironment.connect({
    address: { kind: 'tcp', host: '127.0.0.1', port },
    log: (m) => logs.push(m),
  });
  cleanups.push(() => void env.close());
  return env;
}

describe('item 1: the host stops a robot that sends frames but makes no progress', () => {
  it('a robot that answers MOTOR with heartbeats only: STOP(timeout) and the step fails', async () => {
    const beats: NodeJS.Timeout[] = [];
    const robot = await fakeRobot((_f, socket, next) => {
      beats.push(
        setInterval(() => socket.write(encodeFrame(MessageType.heartbeat, next(), encodeHeartbeat(0))), 20),
      );
    });
    cleanups.push(() => {
      for (const b of beats) clearInterval(b);
      robot.close();
    });
    const logs: string[] = [];
    const env = await connectTo(robot.port, logs);
    await env.resetAsync();
    const outcome = await within(env.stepAsync({ left: 10, right: 10 }), 2000);
    expect(outcome).not.toBe('still waiting');
    expect((outcome as { error?: unknown }).error).toBeInstanceOf(LinkLostError);
    await until(() => robot.received.some((r) => r.frame.type === MessageType.stop));
    const stop = robot.received.find(
      (r) => r.frame.type === MessageType.stop && r.frame.payload[0] === StopReason.timeout,
    );
    expect(stop, logs.join('; ')).toBeDefined();
    expect(logs.join('\n')).toMatch(/no answer to the current command for 1000 ms/);
    // After the STOP only the same command was asked again (a repetition does not restart the motors).
    const motors = robot.received.filter((r) => r.frame.type === MessageType.motor);
    expect(new Set(motors.map((r) => r.frame.seq)).size).toBe(1);
  });

  it('a robot that acknowledges a wrong sequence number: STOP(timeout) and the step fails', async () => {
    const robot = await fakeRobot((f, socket, next) => {
      socket.write(sensorsFrame(next(), (f.seq + 7) & 0xffff, [0.5, 0.5]));
    });
    cleanups.push(robot.close);
    const env = await connectTo(robot.port);
    await env.resetAsync();
    const outcome = await within(env.stepAsync({ left: 10, right: 10 }), 2000);
    expect(outcome).not.toBe('still waiting');
    expect((outcome as { error?: unknown }).error).toBeInstanceOf(LinkLostError);
    await until(() => robot.received.some((r) => r.frame.type === MessageType.stop));
    expect(
      robot.received.some(
        (r) => r.frame.type === MessageType.stop && r.frame.payload[0] === StopReason.timeout,
      ),
    ).toBe(true);
  });
});

describe('item 9: sensor values are validated', () => {
  for (const [name, reflex] of [
    ['NaN', [Number.NaN, 0.5]],
    ['3e38', [3e38, 0.5]],
    ['-3e38', [0.5, -3e38]],
    ['Infinity', [Number.POSITIVE_INFINITY, 0.5]],
  ] as const) {
    it(`a reflex value of ${name} is a protocol error: STOP(error), the step fails`, async () => {
      const robot = await fakeRobot((f, socket, next) =>
        socket.write(sensorsFrame(next(), f.seq, [...reflex])),
      );
      cleanups.push(robot.close);
      const logs: string[] = [];
      const env = await connectTo(robot.port, logs);
      await env.resetAsync();
      const outcome = await within(env.stepAsync({ left: 10, right: 10 }), 2000);
      expect(outcome).not.toBe('still waiting');
      const error = (outcome as { error?: unknown }).error;
      expect(error).toBeInstanceOf(ProtocolError);
      expect((error as Error).message).toMatch(/protocol error: the robot sent reflex\[\d\] = /);
      expect(
        await until(() =>
          robot.received.some(
            (r) => r.frame.type === MessageType.stop && r.frame.payload[0] === StopReason.error,
          ),
        ),
      ).toBe(true);
    });
  }

  it('a predictor value out of range is refused too', async () => {
    const robot = await fakeRobot((f, socket, next) =>
      socket.write(sensorsFrame(next(), f.seq, [0.5, 0.5], [0.5, 7])),
    );
    cleanups.push(robot.close);
    const env = await connectTo(robot.port);
    await env.resetAsync();
    const outcome = await within(env.stepAsync({ left: 10, right: 10 }), 2000);
    expect(((outcome as { error?: unknown }).error as Error).message).toMatch(/predictors\[1\] = 7/);
  });
});

describe('item 25: after the link closes the host says no STOP could be sent', () => {
  it('logs what actually happened', async () => {
    const robot = await fakeRobot((_f, socket) => socket.destroy());
    cleanups.push(robot.close);
    const logs: string[] = [];
    const env = await connectTo(robot.port, logs);
    await env.resetAsync();
    const outcome = await within(env.stepAsync({ left: 10, right: 10 }), 2000);
    const error = (outcome as { error?: unknown }).error as LinkLostError;
    expect(error).toBeInstanceOf(LinkLostError);
    expect(error.stopSent).toBe(false);
    expect(logs.join('\n')).toMatch(/link lost at step 0: .*no STOP could be sent/);
    expect(logs.join('\n')).not.toMatch(/motors commanded to stop/);
  });
});

/** A bare host: a socket that speaks frames to the emulator. */
async function bareHost(port: number) {
  const socket = connect(port, '127.0.0.1');
  await new Promise<void>((r) => socket.once('connect', () => r()));
  const frames: Frame[] = [];
  const decoder = new FrameDecoder(hostExpectedLength({ reflex: 2, predictors: 24 }), (f) => frames.push(f));
  socket.on('data', (d) => decoder.push(d));
  socket.on('error', () => {});
  let closed = false;
  socket.on('close', () => {
    closed = true;
  });
  return { socket, frames, closed: () => closed };
}

async function until(condition: () => boolean, ms = 2000) {
  const deadline = performance.now() + ms;
  while (!condition() && performance.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  return condition();
}

describe('item 11: the emulator serves one host at a time', () => {
  it('a second connection is refused with HELLO_ACK busy; the live run goes on', async () => {
    const emulator = new RobotEmulator({ track: builtinTrack('default') });
    const server = await serveTcp(emulator, 0);
    cleanups.push(() => {
      emulator.close();
      server.close();
    });
    const port = (server.address() as { port: number }).port;
    const env = await connectTo(port);
    await env.resetAsync();
    for (let i = 0; i < 20; i++) await env.stepAsync({ left: 10, right: 10 });
    // A bare connection, then a HELLO on it.
    const intruder = await bareHost(port);
    intruder.socket.write(
      encodeFrame(
        MessageType.hello,
        1,
        encodeHello({
          reflexCount: 0,
          predictorRows: 0,
          predictorColumns: 0,
          timeoutMs: 200,
          heartbeatMs: 50,
        }),
      ),
    );
    expect(await until(() => intruder.frames.some((f) => f.type === MessageType.helloAck))).toBe(true);
    const ack = decodeHelloAck(intruder.frames.find((f) => f.type === MessageType.helloAck)!.payload);
    expect(ack.status).toBe(HelloStatus.busy);
    expect(await until(intruder.closed)).toBe(true);
    // The live run was not cut off.
    for (let i = 0; i < 20; i++) await env.stepAsync({ left: 10, right: 10 });
    expect(env.up).toBe(true);
    expect(emulator.stats.refusedSessions).toBe(1);
    // A second RobotEnvironment is refused with a clear message.
    await expect(
      RobotEnvironment.connect({ address: { kind: 'tcp', host: '127.0.0.1', port } }),
    ).rejects.toThrow(/busy: another host has a live session/);
    for (let i = 0; i < 5; i++) await env.stepAsync({ left: 10, right: 10 });
    expect(env.up).toBe(true);
  });
});

describe('item 21: a repeated MOTOR after a STOP does not set the robot driving again', () => {
  it('STOP, then the same MOTOR again (same seq): the motors stay at 0', async () => {
    const emulator = new RobotEmulator({ track: builtinTrack('default'), realtime: false });
    const server = await serveTcp(emulator, 0);
    cleanups.push(() => {
      emulator.close();
      server.close();
    });
    const host = await bareHost((server.address() as { port: number }).port);
    cleanups.push(() => host.socket.destroy());
    const send = (type: number, seq: number, payload?: Uint8Array) =>
      host.socket.write(encodeFrame(type, seq, payload));
    send(
      MessageType.hello,
      1,
      encodeHello({
        reflexCount: 0,
        predictorRows: 0,
        predictorColumns: 0,
        timeoutMs: 1000,
        heartbeatMs: 50,
      }),
    );
    expect(await until(() => host.frames.some((f) => f.type === MessageType.helloAck))).toBe(true);
    send(MessageType.reset, 2);
    const motor = encodeMotor(20, 20);
    send(MessageType.motor, 3, motor);
    expect(await until(() => emulator.stats.motorCommands === 1)).toBe(true);
    expect(emulator.motorCommand).toEqual({ left: 20, right: 20 });
    send(MessageType.stop, 4, encodeStop(StopReason.badFrame));
    send(MessageType.motor, 3, motor); // the host repeats its unanswered command
    expect(await until(() => emulator.stats.duplicates === 1)).toBe(true);
    expect(emulator.motorCommand).toEqual({ left: 0, right: 0 });
    // A new MOTOR (new seq) drives again.
    send(MessageType.motor, 5, encodeMotor(15, 15));
    expect(await until(() => emulator.stats.motorCommands === 2)).toBe(true);
    expect(emulator.motorCommand).toEqual({ left: 15, right: 15 });
  });
});
