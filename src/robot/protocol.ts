/**
 * The robot wire protocol (docs/robot-protocol.md): framed, versioned, sequence-numbered,
 * CRC-checked messages between the host (sarlab) and a robot (or the emulator).
 *
 *     offset  size  field
 *     0       1     sync 0xA5
 *     1       1     sync 0x5A
 *     2       1     version (1)
 *     3       1     type
 *     4       2     seq, u16 little-endian
 *     6       2     payload length N, u16 little-endian
 *     8       N     payload
 *     8+N     2     CRC-16/CCITT-FALSE of bytes 2 .. 8+N-1, u16 little-endian
 *
 * All multi-byte fields are little-endian; real numbers are IEEE-754 float32.
 */

export const SYNC0 = 0xa5;
/** Second sync byte of every frame. */
export const SYNC1 = 0x5a;
/** The protocol version this library speaks. */
export const PROTOCOL_VERSION = 1;
/** Bytes of a frame header. */
export const HEADER_SIZE = 8;
/** Bytes of a frame checksum. */
export const CRC_SIZE = 2;
/** The largest payload a receiver accepts (longer frames are refused as bad length). */
export const MAX_PAYLOAD = 4096;

/** Message type codes. */
export const MessageType = {
  hello: 0x01,
  helloAck: 0x02,
  sensors: 0x03,
  motor: 0x04,
  stop: 0x05,
  reset: 0x06,
  heartbeat: 0x07,
} as const;
/** A message type's name. */
export type MessageTypeName = keyof typeof MessageType;

/** Why the host commands a stop (STOP payload byte). */
export const StopReason = {
  endOfRun: 1,
  interrupted: 2,
  timeout: 3,
  linkClosed: 4,
  badFrame: 5,
  error: 6,
} as const;
/** A STOP reason's name. */
export type StopReasonName = keyof typeof StopReason;

/** The name of a STOP reason code. */
export function stopReasonName(code: number): StopReasonName | 'unknown' {
  for (const [name, value] of Object.entries(StopReason)) if (value === code) return name as StopReasonName;
  return 'unknown';
}

/** HELLO_ACK status byte. */
export const HelloStatus = { ok: 0, countMismatch: 1, busy: 2 } as const;

/** SENSORS flags byte. */
export const SensorFlags = { ackValid: 1, poseValid: 2, lineLost: 4, leftArena: 8 } as const;

/** HELLO_ACK flags byte. */
export const HelloFlags = { lockstep: 1 } as const;

/** Payload length of HELLO. */
export const HELLO_SIZE = 10;
/** Payload length of HELLO_ACK. */
export const HELLO_ACK_SIZE = 14;
/** Payload length of SENSORS before its variable part. */
export const SENSORS_FIXED_SIZE = 20;
/** Payload length of MOTOR. */
export const MOTOR_SIZE = 8;
/** Payload length of STOP. */
export const STOP_SIZE = 1;
/** Payload length of RESET. */
export const RESET_SIZE = 0;
/** Payload length of HEARTBEAT. */
export const HEARTBEAT_SIZE = 4;

/** The SENSORS payload length for these sensor counts. */
export function sensorsPayloadSize(reflexCount: number, predictorCount: number): number {
  return SENSORS_FIXED_SIZE + 4 * (reflexCount + predictorCount);
}

// ---------------------------------------------------------------------------------------------
// CRC-16/CCITT-FALSE: polynomial 0x1021, initial value 0xFFFF, no reflection, no final xor.

const CRC_TABLE = (() => {
  const table = new Uint16Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i << 8;
    for (let k = 0; k < 8; k++) c = c & 0x8000 ? ((c << 1) ^ 0x1021) & 0xffff : (c << 1) & 0xffff;
    table[i] = c;
  }
  return table;
})();

/** CRC-16/CCITT-FALSE of `bytes[start..end)`, as frames carry it. */
export function crc16(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let crc = 0xffff;
  for (let i = start; i < end; i++) crc = ((crc << 8) & 0xffff) ^ CRC_TABLE[((crc >> 8) ^ bytes[i]) & 0xff];
  return crc;
}

// ---------------------------------------------------------------------------------------------
// Framing.

/** A decoded frame. */
export interface Frame {
  version: number;
  type: number;
  seq: number;
  payload: Buffer;
}

/** Builds one frame around a payload. */
export function encodeFrame(type: number, seq: number, payload: Uint8Array = new Uint8Array(0)): Buffer {
  const n = payload.length;
  if (n > MAX_PAYLOAD) throw new Error(`payload of ${n} bytes exceeds ${MAX_PAYLOAD}`);
  const frame = Buffer.alloc(HEADER_SIZE + n + CRC_SIZE);
  frame[0] = SYNC0;
  frame[1] = SYNC1;
  frame[2] = PROTOCOL_VERSION;
  frame[3] = type;
  frame.writeUInt16LE(seq & 0xffff, 4);
  frame.writeUInt16LE(n, 6);
  frame.set(payload, HEADER_SIZE);
  frame.writeUInt16LE(crc16(frame, 2, HEADER_SIZE + n), HEADER_SIZE + n);
  return frame;
}

/** Why a receiver refused bytes. */
export type BadFrameKind = 'version' | 'type' | 'length' | 'checksum';

/** Bad frames counted by kind. */
export interface DecoderCounters {
  frames: number;
  /** Bytes skipped while looking for a frame start (noise, or the rest of a refused frame). */
  skippedBytes: number;
  version: number;
  type: number;
  length: number;
  checksum: number;
}

/**
 * Splits a byte stream into frames. A frame is refused (and counted) when its version is unknown,
 * its type unknown, its length not the one its type must have, or its CRC wrong; the decoder then
 * drops the first sync byte and searches again from the next byte, so frames that followed a damaged
 * one are still found. Refused frames are never handed out.
 */
export class FrameDecoder {
  readonly counters: DecoderCounters = {
    frames: 0,
    skippedBytes: 0,
    version: 0,
    type: 0,
    length: 0,
    checksum: 0,
  };
  private buffer: Buffer = Buffer.alloc(0);

  constructor(
    /** The payload length a type must have, or undefined for an unknown type. */
    readonly expectedLength: (type: number) => number | undefined,
    /** Hears each valid frame. */
    readonly onFrame: (frame: Frame) => void,
    /** Hears each bad frame, by kind. */
    readonly onBad: (kind: BadFrameKind) => void = () => {},
  ) {}

  get badFrames(): number {
    const c = this.counters;
    return c.version + c.type + c.length + c.checksum;
  }

  /** Forgets any partial frame (e.g. after reconnecting). */
  clear(): void {
    this.buffer = Buffer.alloc(0);
  }

  /** Feeds received bytes; complete frames go to `onFrame`, bad ones to `onBad`. */
  push(chunk: Uint8Array): void {
    this.buffer = this.buffer.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.buffer, chunk]);
    let buf = this.buffer;
    let pos = 0;
    while (buf.length - pos >= 2) {
      if (buf[pos] !== SYNC0 || buf[pos + 1] !== SYNC1) {
        pos++;
        this.counters.skippedBytes++;
        continue;
      }
      if (buf.length - pos < HEADER_SIZE) break;
      const version = buf[pos + 2];
      const type = buf[pos + 3];
      const length = buf.readUInt16LE(pos + 6);
      let bad: BadFrameKind | null = null;
      if (version !== PROTOCOL_VERSION) bad = 'version';
      else {
        const expected = this.expectedLength(type);
        if (expected === undefined) bad = 'type';
        else if (length !== expected || length > MAX_PAYLOAD) bad = 'length';
      }
      if (bad === null) {
        const total = HEADER_SIZE + length + CRC_SIZE;
        if (buf.length - pos < total) break;
        const crc = buf.readUInt16LE(pos + HEADER_SIZE + length);
        if (crc !== crc16(buf, pos + 2, pos + HEADER_SIZE + length)) bad = 'checksum';
        else {
          const frame: Frame = {
            version,
            type,
            seq: buf.readUInt16LE(pos + 4),
            payload: Buffer.from(buf.subarray(pos + HEADER_SIZE, pos + HEADER_SIZE + length)),
          };
          pos += total;
          this.counters.frames++;
          this.onFrame(frame);
          // onFrame may have cleared the decoder.
          if (this.buffer !== buf) return;
          continue;
        }
      }
      this.counters[bad]++;
      this.onBad(bad);
      if (this.buffer !== buf) return;
      // Resynchronise: skip this sync byte and look for the next frame start.
      pos++;
      this.counters.skippedBytes++;
    }
    this.buffer = pos === 0 ? buf : Buffer.from(buf.subarray(pos));
    buf = this.buffer;
  }
}

/** Payload lengths as seen by the host (what it receives) once the counts are agreed. */
export function hostExpectedLength(counts: { reflex: number; predictors: number } | null) {
  return (type: number): number | undefined => {
    switch (type) {
      case MessageType.helloAck:
        return HELLO_ACK_SIZE;
      case MessageType.heartbeat:
        return HEARTBEAT_SIZE;
      case MessageType.sensors:
        return counts ? sensorsPayloadSize(counts.reflex, counts.predictors) : undefined;
      default:
        return undefined;
    }
  };
}

/** Payload lengths as seen by the robot (what it receives). */
export function robotExpectedLength(type: number): number | undefined {
  switch (type) {
    case MessageType.hello:
      return HELLO_SIZE;
    case MessageType.motor:
      return MOTOR_SIZE;
    case MessageType.stop:
      return STOP_SIZE;
    case MessageType.reset:
      return RESET_SIZE;
    case MessageType.heartbeat:
      return HEARTBEAT_SIZE;
    default:
      return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// Payloads.

/** HELLO: the host opens a session. */
export interface Hello {
  /** Reflex sensors the host expects (0: whatever the robot has). */
  reflexCount: number;
  predictorRows: number;
  predictorColumns: number;
  /** The host's link timeout: the robot stops its motors after this long without a valid frame. */
  timeoutMs: number;
  /** The host sends a heartbeat after this long without sending anything. */
  heartbeatMs: number;
}

/** The HELLO payload. */
export function encodeHello(h: Hello): Buffer {
  const b = Buffer.alloc(HELLO_SIZE);
  b.writeUInt16LE(h.reflexCount, 0);
  b.writeUInt16LE(h.predictorRows, 2);
  b.writeUInt16LE(h.predictorColumns, 4);
  b.writeUInt16LE(h.timeoutMs, 6);
  b.writeUInt16LE(h.heartbeatMs, 8);
  return b;
}

/** Reads a HELLO payload. */
export function decodeHello(p: Buffer): Hello {
  return {
    reflexCount: p.readUInt16LE(0),
    predictorRows: p.readUInt16LE(2),
    predictorColumns: p.readUInt16LE(4),
    timeoutMs: p.readUInt16LE(6),
    heartbeatMs: p.readUInt16LE(8),
  };
}

/** HELLO_ACK: the robot answers with what it has. */
export interface HelloAck {
  /** Seq of the HELLO this answers. */
  ack: number;
  status: number;
  /** bit 0: lockstep (one SENSORS per command, the world waits for commands). */
  flags: number;
  reflexCount: number;
  predictorRows: number;
  predictorColumns: number;
  /** The robot's control period, µs. */
  periodUs: number;
}

/** The HELLO_ACK payload. */
export function encodeHelloAck(h: HelloAck): Buffer {
  const b = Buffer.alloc(HELLO_ACK_SIZE);
  b.writeUInt16LE(h.ack & 0xffff, 0);
  b[2] = h.status;
  b[3] = h.flags;
  b.writeUInt16LE(h.reflexCount, 4);
  b.writeUInt16LE(h.predictorRows, 6);
  b.writeUInt16LE(h.predictorColumns, 8);
  b.writeUInt32LE(h.periodUs >>> 0, 10);
  return b;
}

/** Reads a HELLO_ACK payload. */
export function decodeHelloAck(p: Buffer): HelloAck {
  return {
    ack: p.readUInt16LE(0),
    status: p[2],
    flags: p[3],
    reflexCount: p.readUInt16LE(4),
    predictorRows: p.readUInt16LE(6),
    predictorColumns: p.readUInt16LE(8),
    periodUs: p.readUInt32LE(10),
  };
}

/** SENSORS: one control period's readings. */
export interface Sensors {
  /** The robot's own clock, µs (wraps at 2^32). */
  robotTimeUs: number;
  /** Seq of the last MOTOR or RESET the robot processed (valid when flags has ackValid). */
  ack: number;
  flags: number;
  x: number;
  y: number;
  theta: number;
  /** Reflex sensor grey values, [0, 1] (1 = white floor). */
  reflex: Float64Array;
  /** Predictor darkness values, [0, 1], row by row (nearest row first), left to right. */
  predictors: Float64Array;
}

/** A zeroed sensor record with room for the given counts, filled in place by `decodeSensors`. */
export function emptySensors(reflex: number, predictors: number): Sensors {
  return {
    robotTimeUs: 0,
    ack: 0,
    flags: 0,
    x: 0,
    y: 0,
    theta: 0,
    reflex: new Float64Array(reflex),
    predictors: new Float64Array(predictors),
  };
}

/** The SENSORS payload. */
export function encodeSensors(s: Sensors): Buffer {
  const b = Buffer.alloc(sensorsPayloadSize(s.reflex.length, s.predictors.length));
  b.writeUInt32LE(s.robotTimeUs >>> 0, 0);
  b.writeUInt16LE(s.ack & 0xffff, 4);
  b[6] = s.flags;
  b[7] = 0;
  b.writeFloatLE(s.x, 8);
  b.writeFloatLE(s.y, 12);
  b.writeFloatLE(s.theta, 16);
  let o = SENSORS_FIXED_SIZE;
  for (let i = 0; i < s.reflex.length; i++, o += 4) b.writeFloatLE(s.reflex[i], o);
  for (let i = 0; i < s.predictors.length; i++, o += 4) b.writeFloatLE(s.predictors[i], o);
  return b;
}

/** Decodes a SENSORS payload into `into` (whose arrays have the agreed lengths). */
export function decodeSensors(p: Buffer, into: Sensors): Sensors {
  into.robotTimeUs = p.readUInt32LE(0);
  into.ack = p.readUInt16LE(4);
  into.flags = p[6];
  into.x = p.readFloatLE(8);
  into.y = p.readFloatLE(12);
  into.theta = p.readFloatLE(16);
  let o = SENSORS_FIXED_SIZE;
  for (let i = 0; i < into.reflex.length; i++, o += 4) into.reflex[i] = p.readFloatLE(o);
  for (let i = 0; i < into.predictors.length; i++, o += 4) into.predictors[i] = p.readFloatLE(o);
  return into;
}

/** The MOTOR payload: left and right wheel speeds. */
export function encodeMotor(left: number, right: number): Buffer {
  const b = Buffer.alloc(MOTOR_SIZE);
  b.writeFloatLE(left, 0);
  b.writeFloatLE(right, 4);
  return b;
}

/** Reads a MOTOR payload. */
export function decodeMotor(p: Buffer): { left: number; right: number } {
  return { left: p.readFloatLE(0), right: p.readFloatLE(4) };
}

/** The STOP payload: the reason code. */
export function encodeStop(reason: number): Buffer {
  return Buffer.from([reason & 0xff]);
}

/** The HEARTBEAT payload: the sender's clock in microseconds. */
export function encodeHeartbeat(timeUs: number): Buffer {
  const b = Buffer.alloc(HEARTBEAT_SIZE);
  b.writeUInt32LE(timeUs >>> 0, 0);
  return b;
}

/** A 16-bit sequence counter. */
export class SequenceCounter {
  private value: number;
  constructor(start = 0) {
    this.value = start & 0xffff;
  }
  /** The next sequence number (16 bits, wrapping). */
  next(): number {
    const v = this.value;
    this.value = (this.value + 1) & 0xffff;
    return v;
  }
}

/** µs since an origin, as a u32 that wraps. */
export function microsSince(origin: number): number {
  return Math.floor((performance.now() - origin) * 1000) >>> 0;
}
