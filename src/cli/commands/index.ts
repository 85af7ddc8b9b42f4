import type { Command } from 'commander';
import { registerRun } from './run.js';

/** Each command module exports a function that adds itself to the program. */
export type Registration = (program: Command) => void;

export const registrations: Registration[] = [registerRun];
