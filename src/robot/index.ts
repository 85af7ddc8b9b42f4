/**
 * The robot bridge (Node only): the robot link and the robot as an Environment, TCP and serial
 * links (serial needs the optional package serialport), the emulator, and the wire protocol (also
 * on its own, browser-safe, as `sarlab/robot-protocol`).
 *
 * @module sarlab/robot
 */

export { MissingPackageError } from '../util/optionalPackage.js';
export { type Clock, type ClockTimer, ManualClock, systemClock } from './clock.js';
export {
  type EmulatorOptions,
  type EmulatorStats,
  type LinkFaults,
  NO_FAULTS,
  RobotEmulator,
  serveTcp,
} from './emulator.js';
export {
  HandshakeError,
  type HandshakeFailure,
  InterruptedError,
  LinkLostError,
  ProtocolError,
} from './errors.js';
export { DEFAULT_ROBOT_PERIOD_S, MAX_ROBOT_PERIOD_MS, type RobotShape } from './handshake.js';
export { RobotLink } from './link.js';
export { LINK_DEFAULTS } from './linkDefaults.js';
export type { LinkEvent, LinkStats, RobotLinkOptions } from './linkOptions.js';
// The wire protocol: the same names as sarlab/robot-protocol.
export {
  type BadFrameKind,
  CRC_SIZE,
  crc16,
  type DecoderCounters,
  decodeHello,
  decodeHelloAck,
  decodeMotor,
  decodeSensors,
  emptySensors,
  encodeFrame,
  encodeHeartbeat,
  encodeHello,
  encodeHelloAck,
  encodeMotor,
  encodeSensors,
  encodeStop,
  type Frame,
  FrameDecoder,
  HEADER_SIZE,
  HEARTBEAT_SIZE,
  HELLO_ACK_SIZE,
  HELLO_SIZE,
  type Hello,
  type HelloAck,
  HelloFlags,
  HelloStatus,
  hostExpectedLength,
  MAX_PAYLOAD,
  MessageType,
  type MessageTypeName,
  MOTOR_SIZE,
  microsSince,
  PROTOCOL_VERSION,
  RESET_SIZE,
  robotExpectedLength,
  SENSORS_FIXED_SIZE,
  SensorFlags,
  type Sensors,
  SequenceCounter,
  STOP_SIZE,
  StopReason,
  type StopReasonName,
  SYNC0,
  SYNC1,
  sensorsPayloadSize,
  stopReasonName,
} from './protocol.js';
export { RobotEnvironment } from './robotEnvironment.js';
export { RobotRun, type RobotRunSummary, type RobotStopCause, withSimulatedBaseline } from './runOnRobot.js';
export { invalidSensorValue, MAX_POSE_CM, SENSOR_RANGE } from './sensorCheck.js';
export {
  connectTcp,
  formatRobotAddress,
  openTransport,
  parseRobotAddress,
  type RobotAddress,
  SerialTransport,
  SocketTransport,
  type Transport,
} from './transport.js';
