import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  crc16,
  decodeHello,
  decodeMotor,
  decodeSensors,
  encodeFrame,
  encodeHelloAck,
  encodeMotor,
  encodeSensors,
  type Frame,
  FrameDecoder,
  HelloFlags,
  hostExpectedLength,
  MessageType,
  robotExpectedLength,
  SensorFlags,
  type Sensors,
  StopReason,
  sensorsPayloadSize,
} from '../src/robot/protocol.js';
import { RobotEnvironment } from '../src/robot/robotEnvironment.js';
import { parseRobotAddress } from '../src/robot/transport.js';
import { until } from './support/until.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex').match(/../g)!.join(' ');

function sensors(reflex: number[], predictors: number[], ack = 0): Sensors {
  return {
    robotTimeUs: 50000,
    ack,
    flags: SensorFlags.ackValid | SensorFlags.poseValid,
    x: 10,
    y: -2.5,
    theta: 0.25,
    reflex: Float64Array.from(reflex),
    predictors: Float64Array.from(predictors),
  };
}

describe('robot protocol: framing', () => {
  it('uses CRC-16/CCITT-FALSE (check value of "123456789" is 0x29B1)', () => {
    expect(crc16(Buffer.from('123456789'))).toBe(0x29b1);
  });

  it('encodes the worked examples of docs/robot-protocol.md byte for byte', () => {
    expect(hex(encodeFrame(MessageType.motor, 1, encodeMotor(20.5, 19.5)))).toBe(
      'a5 5a 01 04 01 00 08 00 00 00 a4 41 00 00 9c 41 4b c7',
    );
    expect(hex(encodeFrame(MessageType.stop, 2, Buffer.from([StopReason.timeout])))).toBe(
      'a5 5a 01 05 02 00 01 00 03 7e 49',
    );
    const s = sensors([1, 0.5], [0, 0.25, 1, 0.5], 1);
    expect(hex(encodeFrame(MessageType.sensors, 1, encodeSensors(s)))).toBe(
      'a5 5a 01 03 01 00 2c 00 50 c3 00 00 01 00 03 00 00 00 20 41 00 00 20 c0 00 00 80 3e ' +
        '00 00 80 3f 00 00 00 3f 00 00 00 00 00 00 80 3e 00 00 80 3f 00 00 00 3f 4f 86',
    );
  });

  it('round-trips every message through a decoder fed one byte at a time', () => {
    const frames: Frame[] = [];
    const host = new FrameDecoder(hostExpectedLength({ reflex: 2, predictors: 4 }), (f) => frames.push(f));
    const s = sensors([0.9, 0.1], [0.2, 0.4, 0.6, 0.8], 7);
    const bytes = Buffer.concat([
      encodeFrame(MessageType.sensors, 5, encodeSensors(s)),
      encodeFrame(MessageType.heartbeat, 6, Buffer.alloc(4)),
    ]);
    for (const b of bytes) host.push(Buffer.from([b]));
    expect(frames.map((f) => [f.type, f.seq])).toEqual([
      [MessageType.sensors, 5],
      [MessageType.heartbeat, 6],
    ]);
    const back = decodeSensors(frames[0].payload, sensors([0, 0], [0, 0, 0, 0]));
    expect(back.ack).toBe(7);
    expect(Array.from(back.predictors)).toEqual(Array.from(Float32Array.from([0.2, 0.4, 0.6, 0.8])));
    expect(sensorsPayloadSize(2, 4)).toBe(frames[0].payload.length);
  });

  it('refuses and counts a bad checksum, an unknown version, a wrong length; finds the frames after them', () => {
    const got: Frame[] = [];
    const bad: string[] = [];
    const robot = new FrameDecoder(
      robotExpectedLength,
      (f) => got.push(f),
      (k) => bad.push(k),
    );
    const good = encodeFrame(MessageType.motor, 1, encodeMotor(1, 2));
    const badCrc = Buffer.from(good);
    badCrc[10] ^= 0x10; // a payload bit
    const badVersion = encodeFrame(MessageType.motor, 2, encodeMotor(3, 4));
    badVersion[2] = 2;
    Buffer.from(badVersion.buffer).writeUInt16LE(
      crc16(badVersion, 2, badVersion.length - 2),
      badVersion.length - 2,
    );
    const badLength = Buffer.from(good);
    badLength[6] = 0xff; // a length no MOTOR has
    const noise = Buffer.from([0x00, 0xa5, 0x13, 0x5a]);
    robot.push(Buffer.concat([noise, badCrc, badVersion, badLength, good]));
    expect(bad).toEqual(['checksum', 'version', 'length']);
    expect(got).toHaveLength(1);
    expect(decodeMotor(got[0].payload)).toEqual({ left: 1, right: 2 });
    expect(robot.counters).toMatchObject({ frames: 1, checksum: 1, version: 1, length: 1 });
  });

  it('finds every good frame in a stream with random single-bit damage (resynchronisation)', () => {
    let seed = 12345;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed / 0x80000000;
    };
    const parts: Uint8Array[] = [];
    let intact = 0;
    for (let i = 0; i < 2000; i++) {
      const f = encodeFrame(MessageType.motor, i, encodeMotor(i, -i));
      if (rand() < 0.2) f[Math.floor(rand() * f.length)] ^= 1 << Math.floor(rand() * 8);
      else intact++;
      parts.push(f);
    }
    const seen = new Set<number>();
    const decoder = new FrameDecoder(robotExpectedLength, (f) => {
      const m = decodeMotor(f.payload);
      expect(m.left).toBe(f.seq); // never a damaged value
      seen.add(f.seq);
    });
    const stream = Buffer.concat(parts);
    for (let o = 0; o < stream.length; o += 37) decoder.push(stream.subarray(o, o + 37));
    expect(seen.size).toBe(intact);
  });

  it('parses robot addresses and refuses bad ones', () => {
    expect(parseRobotAddress('serial:/dev/ttyUSB0@115200')).toEqual({
      kind: 'serial',
      path: '/dev/ttyUSB0',
      baudRate: 115200,
    });
    expect(parseRobotAddress('serial:/dev/ttyACM0')).toMatchObject({ baudRate: 115200 });
    expect(parseRobotAddress('tcp:127.0.0.1:9000')).toEqual({ kind: 'tcp', host: '127.0.0.1', port: 9000 });
    expect(() => parseRobotAddress('udp:1.2.3.4:5')).toThrow(/--robot/);
    expect(() => parseRobotAddress('tcp:localhost:70000')).toThrow(/port/);
  });
});

/** A scripted robot on 127.0.0.1 that answers the hello and then does what the test says. */
async function fakeRobot(onCommand: (frame: Frame, socket: Socket) => void) {
  const received: Frame[] = [];
  let seq = 100;
  const server: Server = createServer((socket) => {
    const decoder = new FrameDecoder(robotExpectedLength, (f) => {
      received.push(f);
      if (f.type === MessageType.hello) {
        const h = decodeHello(f.payload);
        expect(h.timeoutMs).toBe(200);
        socket.write(
          encodeFrame(
            MessageType.helloAck,
            seq++,
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
      } else if (f.type === MessageType.motor || f.type === MessageType.reset) onCommand(f, socket);
    });
    socket.on('data', (d) => decoder.push(d));
    socket.on('error', () => {});
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return { server, port, received, nextSeq: () => seq++ };
}

describe('robot bridge: refused frames are never used', () => {
  let server: Server | null = null;
  afterEach(() => server?.close());

  it('ignores a SENSORS frame with a bad checksum or an unknown version, counts them, stops, and uses the good one', async () => {
    let robotSeq = 0;
    const answered = new Set<number>();
    const robot = await fakeRobot((f, socket) => {
      const answer = (reflex: number[]) =>
        encodeFrame(MessageType.sensors, 200 + robotSeq++, encodeSensors(sensors(reflex, [0.5, 0.5], f.seq)));
      if (f.type === MessageType.reset) return socket.write(answer([1, 1]));
      if (answered.has(f.seq)) return; // the bridge asked again: the good answer is on its way
      answered.add(f.seq);
      const badCrc = answer([0, 1]); // e = -1: must never be used
      badCrc[badCrc.length - 1] ^= 0xff;
      const badVersion = answer([1, 0]); // e = +1: must never be used
      badVersion[2] = 9;
      Buffer.from(badVersion.buffer).writeUInt16LE(
        crc16(badVersion, 2, badVersion.length - 2),
        badVersion.length - 2,
      );
      socket.write(Buffer.concat([badCrc, badVersion]));
      setTimeout(() => socket.write(answer([0.75, 0.5])), 20);
    });
    server = robot.server;
    const env = await RobotEnvironment.connect({
      address: { kind: 'tcp', host: '127.0.0.1', port: robot.port },
    });
    expect(env.predictorCount).toBe(2);
    expect(env.lockstep).toBe(true);
    const first = await env.resetAsync();
    expect(first.observation.error).toBe(0);
    const result = await env.stepAsync({ left: 20, right: 20 });
    expect(result.error).toBeCloseTo(0.25, 6);
    expect(env.stats.refused.checksum).toBe(1);
    expect(env.stats.refused.version).toBe(1);
    expect(env.stats.stopsSent.badFrame).toBeGreaterThanOrEqual(1);
    const stops = robot.received.filter((f) => f.type === MessageType.stop);
    expect(stops.some((f) => f.payload[0] === StopReason.badFrame)).toBe(true);
    await env.close();
    const lastStop = () => robot.received.filter((f) => f.type === MessageType.stop).at(-1)?.payload[0];
    expect(await until(() => lastStop() === StopReason.endOfRun)).toBe(true);
  });

  it('refuses a robot whose counts differ from the configuration, with both counts in the message', async () => {
    const robot = await fakeRobot(() => {});
    server = robot.server;
    await expect(
      RobotEnvironment.connect({
        address: { kind: 'tcp', host: '127.0.0.1', port: robot.port },
        expect: { reflexCount: 2, predictorRows: 2, predictorColumns: 12 },
      }),
    ).rejects.toThrow(/2 reflex sensors and 1×2 predictors.*expects 2 reflex sensors and 2×12/);
    expect(
      await until(() =>
        robot.received.some((f) => f.type === MessageType.stop && f.payload[0] === StopReason.error),
      ),
    ).toBe(true);
  });
});
