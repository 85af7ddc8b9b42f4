// The robot bridge (Node only): wire protocol, transports, the robot as an Environment, the emulator.

export { MissingPackageError } from '../util/optionalPackage.js';
export * from './emulator.js';
export * from './protocol.js';
export * from './robotEnvironment.js';
export * from './runOnRobot.js';
export * from './transport.js';
