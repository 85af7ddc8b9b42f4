import { Command, CommanderError } from 'commander';
import { registrations } from './commands/index.js';
import { EXIT_USAGE, formatError } from './errors.js';
import { polishHelp } from './help.js';
import { packageVersion } from './version.js';

/** Builds the `sarlab` program with every command. */
export async function buildProgram(): Promise<Command> {
  const program = new Command('sarlab')
    .description('Sign and Relevance learning in a closed loop: run, compare and watch deep networks learn')
    .version(packageVersion(), '-V, --version')
    .option('--debug', 'show stack traces on errors')
    .exitOverride()
    .configureOutput({ outputError: () => {} });
  for (const register of registrations) register(program);
  polishHelp(program);
  return program;
}

/** Runs the CLI; resolves to the process exit code. */
export async function main(argv: string[]): Promise<number> {
  const debug = argv.includes('--debug');
  // A reader that goes away (sarlab run --json | head -c 0) is not a crash: stop writing quietly.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') throw error;
    });
  }
  let program: Command;
  try {
    program = await buildProgram();
  } catch (error) {
    const { message, exitCode } = formatError(error, debug);
    console.error(message);
    return exitCode;
  }
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return 0;
      if (error.code === 'commander.help' || error.code === 'commander.executeSubCommandAsync') return 0;
      console.error(`sarlab: ${usageMessage(error.message)} (see ${helpCommand(program, argv)})`);
      return EXIT_USAGE;
    }
    const { message, exitCode } = formatError(error, debug);
    console.error(message);
    return exitCode;
  }
}

/** Commander's message on one line, its suggestion ("Did you mean --seed?") kept. */
function usageMessage(message: string): string {
  return message
    .replace(/^error: /, '')
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .join(' ');
}

/** The help to point at: the subcommand's, when the command line names one. */
function helpCommand(program: Command, argv: string[]): string {
  const args = argv.slice(2);
  const name = args.find((a) => !a.startsWith('-'));
  const command = program.commands.find((c) => c.name() === name);
  return command ? `sarlab ${command.name()} --help` : 'sarlab --help';
}
