import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import type { Network } from '../../net/network.js';
import { type AtomicFileStream, checkOutputFolder } from '../../node/files.js';
import { writeRunOutputs } from '../../node/runOutputs.js';
import { HandshakeError } from '../../robot/errors.js';
import { LINK_DEFAULTS } from '../../robot/linkDefaults.js';
import { RobotEnvironment } from '../../robot/robotEnvironment.js';
import { RobotRun, type RobotRunSummary, withSimulatedBaseline } from '../../robot/runOnRobot.js';
import { parseRobotAddress } from '../../robot/transport.js';
import type { RunConfig } from '../../run/config.js';
import { ValidationError } from '../../util/errors.js';
import type { Track } from '../../world/track.js';
import { predictorGrid } from '../../world/worldConfig.js';
import { CliError, EXIT_FAILURE, EXIT_INTERRUPTED, EXIT_USAGE } from '../errors.js';
import { onInterrupt } from '../interrupt.js';
import { freshRunDir } from '../outDir.js';
import { boundedFlag } from '../runOptions.js';
import { defaultOutDir, printSummary, streamLog } from '../runOutputs.js';

/** The robot options of `sarlab run`. */
export interface RobotFlags {
  robot?: string;
  robotTimeout?: string;
  onLinkLost?: string;
  reconnectFor?: string;
}

export function addRobotOptions(command: Command): Command {
  return command
    .option(
      '--robot <address>',
      'run on a robot over the wire protocol: serial:/dev/ttyUSB0@115200 or tcp:HOST:PORT',
    )
    .option(
      '--robot-timeout <ms>',
      `link timeout, 1-65535: no valid frame, or no answer to the current command, for this long stops the motors; no answer for ${LINK_DEFAULTS.progressTimeouts}× this long ends the link (default ${LINK_DEFAULTS.timeoutMs})`,
    )
    .option('--on-link-lost <action>', 'when the link is lost: exit|reconnect (default exit)')
    .option(
      '--reconnect-for <s>',
      `how long to keep trying to reconnect (default ${LINK_DEFAULTS.reconnectForMs / 1000})`,
    );
}

interface RobotRunFlags extends RobotFlags {
  out?: string;
  json?: boolean;
  plot?: boolean;
}

/** What the configured world implies about the robot: reflex sensors, predictor rows and columns. */
export function expectedCounts(config: RunConfig) {
  const w = config.world;
  const grid = predictorGrid(w);
  return { reflexCount: w.reflex.widePair ? 4 : 2, predictorRows: grid.rows, predictorColumns: grid.columns };
}

/** `sarlab run --robot ...`: the usual agent, logs and plots, with the world behind a link. */
export async function runOnRobotCommand(
  flags: RobotRunFlags,
  config: RunConfig,
  track: Track | undefined,
  network?: Network,
): Promise<number> {
  const address = parseRobotAddress(flags.robot as string);
  if (address.kind === 'serial' && !existsSync(address.path))
    throw new ValidationError(
      '--robot',
      flags.robot,
      `an existing serial device (${address.path} does not exist)`,
    );
  // The timeout travels in HELLO as a 16-bit number of milliseconds.
  const timeoutMs =
    flags.robotTimeout === undefined
      ? LINK_DEFAULTS.timeoutMs
      : boundedFlag('robot-timeout', flags.robotTimeout, { integer: true, min: 1, max: 65535 });
  const onLinkLost = flags.onLinkLost ?? 'exit';
  if (onLinkLost !== 'exit' && onLinkLost !== 'reconnect')
    throw new ValidationError('--on-link-lost', onLinkLost, 'exit|reconnect');
  const reconnectFor =
    flags.reconnectFor === undefined
      ? LINK_DEFAULTS.reconnectForMs / 1000
      : boundedFlag('reconnect-for', flags.reconnectFor, { min: 0, max: 86_400 });
  const out = freshRunDir(
    flags.out ?? defaultOutDir(config).replace(/seed/, 'robot-seed'),
    (flags as { force?: boolean }).force === true,
    (message) => console.error(`sarlab: ${message}`),
  );
  checkOutputFolder('--out', out);
  // Computed before connecting: a connected link must not go silent while it computes.
  const simulatedBaseline = config.success.baseline === undefined;
  if (simulatedBaseline) config = withSimulatedBaseline(config, track);
  const log = (message: string) => console.error(`sarlab robot: ${message}`);
  let robot: RobotEnvironment;
  try {
    robot = await RobotEnvironment.connect({
      address,
      expect: expectedCounts(config),
      timeoutMs,
      onLinkLost,
      reconnectForMs: reconnectFor * 1000,
      log,
    });
  } catch (error) {
    throw connectFailure(error);
  }
  log(
    `connected to ${robot.stats.address} (${robot.stats.mode}, ${robot.reflexCount} reflex sensors, ${robot.predictorRows}×${robot.predictorColumns} predictors, period ${robot.dt * 1000} ms)`,
  );
  if (simulatedBaseline && config.success.baseline !== undefined) {
    log(
      `success is judged against the simulated reflex baseline ${config.success.baseline.toFixed(4)}; on a real robot, measure it there (--rule reflex) and pass --baseline`,
    );
  }
  let run: RobotRun | null = null;
  let signalled = false;
  const releaseSignals = onInterrupt(() => {
    signalled = true;
    if (run) run.interrupt();
    else robot.interrupt();
  });
  let summary: RobotRunSummary;
  let logStream: AtomicFileStream | null = null;
  try {
    run = await RobotRun.start(robot, config, track, network);
    logStream = streamLog(run.simulation, out);
    summary = await run.run();
  } catch (error) {
    logStream?.abort();
    releaseSignals();
    await robot.close(signalled ? 'interrupted' : 'error');
    if (signalled) {
      console.error('sarlab: interrupted before the run started; motors commanded to stop');
      return EXIT_INTERRUPTED;
    }
    throw new CliError((error as Error).message, EXIT_FAILURE);
  }
  // The handlers stay until the files are written: a second Ctrl-C never cuts the writing short.
  let files: Awaited<ReturnType<typeof writeRunOutputs>>;
  try {
    files = await writeRunOutputs(out, run.simulation, { summary, plot: flags.plot !== false, logStream });
  } finally {
    logStream?.abort();
    releaseSignals();
  }
  if (flags.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
  else {
    printSummary(summary, files);
    const r = summary.robot;
    process.stdout.write(
      `  robot link      ${r.address}, ${r.mode}: ${r.framesSent} frames sent, ${r.framesReceived} received, ${r.refusedTotal} refused, ${r.retries} resent, round trip ${r.roundTripMs.toFixed(2)} ms, link lost ${r.linkLost} times\n`,
    );
  }
  if (summary.robot.stopCause === 'link-lost') {
    const stop =
      summary.robot.failureStopSent === false
        ? "no STOP could be sent (the link was already closed): the robot's own watchdog must stop its motors"
        : 'the motors were commanded to stop';
    console.error(`sarlab: ${summary.robot.failure}; ${stop}; the partial results are in ${out}`);
    return EXIT_FAILURE;
  }
  if (summary.diverged) return EXIT_FAILURE;
  if (summary.robot.stopCause === 'interrupted') {
    console.error(`sarlab: interrupted at step ${summary.steps}; the partial results are in ${out}`);
    return EXIT_INTERRUPTED;
  }
  return 0;
}

/**
 * The CLI error for a failed connection: counts that do not fit the robot are the configuration's
 * fault (bad input, exit 2); a robot that does not answer, is busy or says nonsense, or a link that
 * cannot be opened, is a failure at run time (exit 1).
 */
export function connectFailure(error: unknown): CliError {
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof HandshakeError && error.failure === 'mismatch')
    return new CliError(message, EXIT_USAGE);
  return new CliError(message, EXIT_FAILURE);
}
