import { spawn } from 'node:child_process';
import { createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { connectFailure } from '../src/cli/commands/runWithRobot.js';
import { EXIT_FAILURE, EXIT_USAGE } from '../src/cli/errors.js';
import { ManualClock } from '../src/robot/clock.js';
import { HandshakeError } from '../src/robot/errors.js';
import { acceptHelloAck, DEFAULT_ROBOT_PERIOD_S, MAX_ROBOT_PERIOD_MS } from '../src/robot/handshake.js';
import { RobotLink } from '../src/robot/link.js';
import { LINK_DEFAULTS } from '../src/robot/linkDefaults.js';
import {
  encodeFrame,
  encodeHelloAck,
  type Frame,
  FrameDecoder,
  type HelloAck,
  HelloFlags,
  HelloStatus,
  MessageType,
  robotExpectedLength,
  StopReason,
} from '../src/robot/protocol.js';
import { memoryLink, recordHostFrames } from './support/memoryLink.js';

const ack = (over: Partial<HelloAck> = {}): HelloAck => ({
  ack: 0,
  status: HelloStatus.ok,
  flags: HelloFlags.lockstep,
  reflexCount: 2,
  predictorRows: 2,
  predictorColumns: 12,
  periodUs: 50_000,
  ...over,
});

function failureOf(f: () => unknown): HandshakeError {
  try {
    f();
  } catch (error) {
    if (error instanceof HandshakeError) return error;
    throw error;
  }
  throw new Error('no HandshakeError');
}

describe('acceptHelloAck (the pure half of the handshake)', () => {
  it("takes the robot's shape from a valid HELLO_ACK", () => {
    expect(acceptHelloAck(ack(), null, {}, 'here')).toEqual({
      reflexCount: 2,
      predictorRows: 2,
      predictorColumns: 12,
      predictorCount: 24,
      dt: 0.05,
      lockstep: true,
    });
    expect(acceptHelloAck(ack({ periodUs: 0 }), null, {}, 'here').dt).toBe(DEFAULT_ROBOT_PERIOD_S);
    expect(acceptHelloAck(ack({ periodUs: MAX_ROBOT_PERIOD_MS * 1000 }), null, {}, 'here').dt).toBe(1);
  });

  it('refuses a control period beyond the bound, naming it', () => {
    for (const periodUs of [MAX_ROBOT_PERIOD_MS * 1000 + 1, 4_294_967_295]) {
      const error = failureOf(() => acceptHelloAck(ack({ periodUs }), null, {}, 'tcp:robot:1'));
      expect(error.failure).toBe('invalid');
      expect(error.message).toBe(
        `the robot at tcp:robot:1 reports a control period of ${periodUs / 1000} ms; expected at most 1000 ms (0: not said)`,
      );
    }
  });

  it('says why it refuses: counts, busy, a changed robot, odd reflex sensors', () => {
    expect(failureOf(() => acceptHelloAck(ack(), null, { predictorColumns: 8 }, 'x')).failure).toBe(
      'mismatch',
    );
    expect(
      failureOf(() => acceptHelloAck(ack({ status: HelloStatus.countMismatch }), null, {}, 'x')).failure,
    ).toBe('mismatch');
    expect(failureOf(() => acceptHelloAck(ack({ status: HelloStatus.busy }), null, {}, 'x')).failure).toBe(
      'busy',
    );
    const before = acceptHelloAck(ack(), null, {}, 'x');
    expect(failureOf(() => acceptHelloAck(ack({ predictorRows: 3 }), before, {}, 'x')).failure).toBe(
      'changed',
    );
    expect(failureOf(() => acceptHelloAck(ack({ reflexCount: 3 }), null, {}, 'x')).failure).toBe('invalid');
  });
});

/** A link to a robot on the other end of an in-memory link that answers HELLO as `answer` says. */
function robotThat(answer: (hello: Frame) => Uint8Array | null) {
  const clock = new ManualClock();
  const fromHost: { frame: Frame; at: number }[] = [];
  const connect = () =>
    RobotLink.connect(
      {
        address: {
          description: 'memory',
          open: async () => {
            const [host, robot] = memoryLink();
            recordHostFrames(host, clock, fromHost);
            const decoder = new FrameDecoder(robotExpectedLength, (frame) => {
              if (frame.type !== MessageType.hello) return;
              const reply = answer(frame);
              if (reply) robot.write(reply);
            });
            robot.onData((chunk) => decoder.push(chunk));
            return host;
          },
        },
        clock,
      },
      () => {},
    );
  return { clock, fromHost, connect };
}

describe('the handshake on simulated time', () => {
  it('a robot that never answers HELLO: HELLO every 200 ms for 2 s, STOP, a HandshakeError that exits 1', async () => {
    const robot = robotThat(() => null);
    const error = await robot.clock.settle(robot.connect()).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(HandshakeError);
    expect((error as HandshakeError).failure).toBe('no-answer');
    expect((error as Error).message).toBe('the robot at memory did not answer the hello within 2000 ms');
    expect(robot.clock.now()).toBe(LINK_DEFAULTS.helloTimeoutMs);
    const hellos = robot.fromHost.filter((f) => f.frame.type === MessageType.hello);
    expect(hellos.map((f) => f.at)).toEqual(
      Array.from({ length: 10 }, (_, i) => i * LINK_DEFAULTS.helloRetryMs),
    );
    const last = robot.fromHost.at(-1)!;
    expect(last.frame.type).toBe(MessageType.stop);
    expect(last.frame.payload[0]).toBe(StopReason.error);
    // A robot that does not answer is a failure at run time, not bad input.
    const cli = connectFailure(error);
    expect(cli.exitCode).toBe(EXIT_FAILURE);
    expect(cli.message).toBe('the robot at memory did not answer the hello within 2000 ms');
  });

  it('a robot that answers the third HELLO: connected after 400 ms', async () => {
    let hellos = 0;
    const robot = robotThat((hello) =>
      ++hellos < 3 ? null : encodeFrame(MessageType.helloAck, 0, encodeHelloAck(ack({ ack: hello.seq }))),
    );
    const link = await robot.clock.settle(robot.connect());
    expect(robot.clock.now()).toBe(2 * LINK_DEFAULTS.helloRetryMs);
    expect(link.robot.predictorCount).toBe(24);
    await link.close();
  });

  it('a HELLO_ACK period of 4 294 967 ms is refused (exit 1), the robot was never told to move', async () => {
    const robot = robotThat((hello) =>
      encodeFrame(MessageType.helloAck, 0, encodeHelloAck(ack({ ack: hello.seq, periodUs: 4_294_967_295 }))),
    );
    const error = await robot.clock.settle(robot.connect()).then(
      () => null,
      (e: unknown) => e,
    );
    expect((error as HandshakeError).failure).toBe('invalid');
    expect(connectFailure(error).exitCode).toBe(EXIT_FAILURE);
    expect(robot.fromHost.filter((f) => f.frame.type === MessageType.motor)).toEqual([]);
  });

  it('counts that do not fit the configuration are bad input (exit 2)', () => {
    expect(connectFailure(new HandshakeError('the robot has …', 'mismatch')).exitCode).toBe(EXIT_USAGE);
    expect(connectFailure(new HandshakeError('busy', 'busy')).exitCode).toBe(EXIT_FAILURE);
    expect(connectFailure(new Error('cannot connect to x:1: ECONNREFUSED')).exitCode).toBe(EXIT_FAILURE);
  });
});

describe('sarlab run --robot against a robot with a nonsense control period', () => {
  it('exits 1 with one line naming the period', async () => {
    const sockets: Socket[] = [];
    const server = createServer((socket) => {
      sockets.push(socket);
      const decoder = new FrameDecoder(robotExpectedLength, (frame) => {
        if (frame.type === MessageType.hello)
          socket.write(
            encodeFrame(
              MessageType.helloAck,
              0,
              encodeHelloAck(ack({ ack: frame.seq, periodUs: 4_294_967_295 })),
            ),
          );
      });
      socket.on('data', (d) => decoder.push(d));
      socket.on('error', () => {});
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    const cli = join(import.meta.dirname, '..', 'bin', 'sarlab.js');
    const child = spawn(process.execPath, [cli, 'run', '--robot', `tcp:127.0.0.1:${port}`, '--no-plot'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      cwd: import.meta.dirname,
    });
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const code = await new Promise<number | null>((r) => child.once('close', r));
    for (const s of sockets) s.destroy();
    server.close();
    expect(code).toBe(1);
    expect(stderr.trim().split('\n').at(-1)).toBe(
      `sarlab: the robot at tcp:127.0.0.1:${port} reports a control period of 4294967.295 ms; expected at most 1000 ms (0: not said)`,
    );
  });
});
