import type { Command } from 'commander';
import { registerControls } from './controls.js';
import { registerExport } from './export.js';
import { registerMerge } from './merge.js';
import { registerReport } from './report.js';
import { registerRobotEmulator } from './robotEmulator.js';
import { registerRun } from './run.js';
import { registerServe } from './serve.js';
import { registerStdio } from './stdio.js';
import { registerSweep } from './sweep.js';

/** Each command module exports a function that adds itself to the program. */
export type Registration = (program: Command) => void;

export const registrations: Registration[] = [
  registerRun,
  registerControls,
  registerServe,
  registerSweep,
  registerMerge,
  registerReport,
  registerExport,
  registerRobotEmulator,
  registerStdio,
];
