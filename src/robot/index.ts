/**
 * The robot bridge (Node only): wire protocol, TCP and serial links (serial needs the optional package serialport), the robot as an Environment, the emulator.
 *
 * @module sarlab/robot
 */

export { MissingPackageError } from '../util/optionalPackage.js';
export * from './emulator.js';
export * from './protocol.js';
export * from './robotEnvironment.js';
export * from './runOnRobot.js';
export * from './transport.js';
