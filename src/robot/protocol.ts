// Over 400 lines because the wire protocol is one specification (constants, CRC, framing, every
// payload), kept whole beside docs/robot-protocol.md for whoever writes the robot side.
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
  payload: Uint8Array;
}

/** A little-endian view of a byte array (the protocol is little-endian throughout). */
function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Two byte arrays one after the other, in a new array. */
function concatBytes(a: Uint8Array, b: Uint8Array): Uint8Array {
  const joined = new Uint8Array(a.length + b.length);
  joined.set(a, 0);
  joined.set(b, a.length);
  return joined;
}

/** Builds one frame around a payload. */
export function encodeFrame(type: number, seq: number, payload: Uint8Array = new Uint8Array(0)): Uint8Array {
  const n = payload.length;
  if (n > MAX_PAYLOAD) throw new Error(`payload of ${n} bytes exceeds ${MAX_PAYLOAD}`);
  const frame = new Uint8Array(HEADER_SIZE + n + CRC_SIZE);
  const v = view(frame);
  frame[0] = SYNC0;
  frame[1] = SYNC1;
  frame[2] = PROTOCOL_VERSION;
  frame[3] = type;
  v.setUint16(4, seq & 0xffff, true);
  v.setUint16(6, n, true);
  frame.set(payload, HEADER_SIZE);
  v.setUint16(HEADER_SIZE + n, crc16(frame, 2, HEADER_SIZE + n), true);
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
  private buffer: Uint8Array = new Uint8Array(0);

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
    this.buffer = new Uint8Array(0);
  }

  /** Feeds received bytes; complete frames go to `onFrame`, bad ones to `onBad`. */
  push(chunk: Uint8Array): void {
    this.buffer = this.buffer.length === 0 ? chunk.slice() : concatBytes(this.buffer, chunk);
    let buf = this.buffer;
    const v = view(buf);
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
      const length = v.getUint16(pos + 6, true);
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
        const crc = v.getUint16(pos + HEADER_SIZE + length, true);
        if (crc !== crc16(buf, pos + 2, pos + HEADER_SIZE + length)) bad = 'checksum';
        else {
          const frame: Frame = {
            version,
            type,
            seq: v.getUint16(pos + 4, true),
            payload: buf.slice(pos + HEADER_SIZE, pos + HEADER_SIZE + length),
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
    this.buffer = pos === 0 ? buf : buf.slice(pos);
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
export function encodeHello(h: Hello): Uint8Array {
  const b = new Uint8Array(HELLO_SIZE);
  const v = view(b);
  v.setUint16(0, h.reflexCount, true);
  v.setUint16(2, h.predictorRows, true);
  v.setUint16(4, h.predictorColumns, true);
  v.setUint16(6, h.timeoutMs, true);
  v.setUint16(8, h.heartbeatMs, true);
  return b;
}

/** Reads a HELLO payload. */
export function decodeHello(p: Uint8Array): Hello {
  const v = view(p);
  return {
    reflexCount: v.getUint16(0, true),
    predictorRows: v.getUint16(2, true),
    predictorColumns: v.getUint16(4, true),
    timeoutMs: v.getUint16(6, true),
    heartbeatMs: v.getUint16(8, true),
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
export function encodeHelloAck(h: HelloAck): Uint8Array {
  const b = new Uint8Array(HELLO_ACK_SIZE);
  const v = view(b);
  v.setUint16(0, h.ack & 0xffff, true);
  b[2] = h.status;
  b[3] = h.flags;
  v.setUint16(4, h.reflexCount, true);
  v.setUint16(6, h.predictorRows, true);
  v.setUint16(8, h.predictorColumns, true);
  v.setUint32(10, h.periodUs >>> 0, true);
  return b;
}

/** Reads a HELLO_ACK payload. */
export function decodeHelloAck(p: Uint8Array): HelloAck {
  const v = view(p);
  return {
    ack: v.getUint16(0, true),
    status: p[2],
    flags: p[3],
    reflexCount: v.getUint16(4, true),
    predictorRows: v.getUint16(6, true),
    predictorColumns: v.getUint16(8, true),
    periodUs: v.getUint32(10, true),
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
export function encodeSensors(s: Sensors): Uint8Array {
  const b = new Uint8Array(sensorsPayloadSize(s.reflex.length, s.predictors.length));
  const v = view(b);
  v.setUint32(0, s.robotTimeUs >>> 0, true);
  v.setUint16(4, s.ack & 0xffff, true);
  b[6] = s.flags;
  b[7] = 0;
  v.setFloat32(8, s.x, true);
  v.setFloat32(12, s.y, true);
  v.setFloat32(16, s.theta, true);
  let o = SENSORS_FIXED_SIZE;
  for (let i = 0; i < s.reflex.length; i++, o += 4) v.setFloat32(o, s.reflex[i], true);
  for (let i = 0; i < s.predictors.length; i++, o += 4) v.setFloat32(o, s.predictors[i], true);
  return b;
}

/** Decodes a SENSORS payload into `into` (whose arrays have the agreed lengths). */
export function decodeSensors(p: Uint8Array, into: Sensors): Sensors {
  const v = view(p);
  into.robotTimeUs = v.getUint32(0, true);
  into.ack = v.getUint16(4, true);
  into.flags = p[6];
  into.x = v.getFloat32(8, true);
  into.y = v.getFloat32(12, true);
  into.theta = v.getFloat32(16, true);
  let o = SENSORS_FIXED_SIZE;
  for (let i = 0; i < into.reflex.length; i++, o += 4) into.reflex[i] = v.getFloat32(o, true);
  for (let i = 0; i < into.predictors.length; i++, o += 4) into.predictors[i] = v.getFloat32(o, true);
  return into;
}

/** The MOTOR payload: left and right wheel speeds. */
export function encodeMotor(left: number, right: number): Uint8Array {
  const b = new Uint8Array(MOTOR_SIZE);
  const v = view(b);
  v.setFloat32(0, left, true);
  v.setFloat32(4, right, true);
  return b;
}

/** Reads a MOTOR payload. */
export function decodeMotor(p: Uint8Array): { left: number; right: number } {
  const v = view(p);
  return { left: v.getFloat32(0, true), right: v.getFloat32(4, true) };
}

/** The STOP payload: the reason code. */
export function encodeStop(reason: number): Uint8Array {
  return Uint8Array.of(reason & 0xff);
}

/** The HEARTBEAT payload: the sender's clock in microseconds. */
export function encodeHeartbeat(timeUs: number): Uint8Array {
  const b = new Uint8Array(HEARTBEAT_SIZE);
  view(b).setUint32(0, timeUs >>> 0, true);
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

/** µs from an origin to now (ms, default `performance.now()`), as a u32 that wraps. */
export function microsSince(origin: number, now: number = performance.now()): number {
  return Math.floor((now - origin) * 1000) >>> 0;
}
