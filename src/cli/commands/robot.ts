import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { isIP, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import type { Network } from '../../net/network.js';
import { type AtomicFileStream, checkOutputFolder } from '../../node/files.js';
import { resolveConfiguredTrack } from '../../node/pngTrack.js';
import { RobotEmulator, serveTcp } from '../../robot/emulator.js';
import { HandshakeError, RobotEnvironment } from '../../robot/robotEnvironment.js';
import { RobotRun, type RobotRunSummary, withSimulatedBaseline } from '../../robot/runOnRobot.js';
import { parseRobotAddress, SerialTransport, type Transport } from '../../robot/transport.js';
import type { RunConfig } from '../../run/config.js';
import { ValidationError } from '../../util/errors.js';
import type { Track } from '../../world/track.js';
import { CliError, EXIT_FAILURE, EXIT_INTERRUPTED } from '../errors.js';
import { freshRunDir } from '../outDir.js';
import { configFromFlags, numberFlag, type RunFlags } from '../runOptions.js';
import { defaultOutDir, printSummary, streamLog, writeRunOutputs } from '../runOutputs.js';

/** The robot options of `sarlab run`. */
export interface RobotFlags {
  robot?: string;
  robotTimeout?: string;
  onLinkLost?: string;
  reconnectFor?: string;
}

/** A number flag with an upper bound too. */
function boundedFlag(
  flag: string,
  text: string,
  { integer = false, min, max }: { integer?: boolean; min: number; max: number },
): number {
  const value = numberFlag(flag, text, { integer, min });
  if (value > max)
    throw new ValidationError(
      `--${flag}`,
      text,
      `${integer ? 'an integer' : 'a number'} from ${min} to ${max}`,
    );
  return value;
}

export function addRobotOptions(command: Command): Command {
  return command
    .option(
      '--robot <address>',
      'run on a robot over the wire protocol: serial:/dev/ttyUSB0@115200 or tcp:HOST:PORT',
    )
    .option(
      '--robot-timeout <ms>',
      'link timeout, 1-65535: no valid frame, or no answer to the current command, for this long stops the motors; no answer for 5× this long ends the link (default 200)',
    )
    .option('--on-link-lost <action>', 'when the link is lost: exit|reconnect (default exit)')
    .option('--reconnect-for <s>', 'how long to keep trying to reconnect (default 10)');
}

interface RobotRunFlags extends RobotFlags {
  out?: string;
  json?: boolean;
  plot?: boolean;
}

/** What the configured world implies about the robot: reflex sensors, predictor rows and columns. */
export function expectedCounts(config: RunConfig) {
  const w = config.world;
  return {
    reflexCount: w.reflex.widePair ? 4 : 2,
    predictorRows: w.inputs === 'rows' ? w.rows.distances.length : w.camera.grid[1],
    predictorColumns: w.inputs === 'rows' ? w.rows.count : w.camera.grid[0],
  };
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
      ? 200
      : boundedFlag('robot-timeout', flags.robotTimeout, { integer: true, min: 1, max: 65535 });
  const onLinkLost = flags.onLinkLost ?? 'exit';
  if (onLinkLost !== 'exit' && onLinkLost !== 'reconnect')
    throw new ValidationError('--on-link-lost', onLinkLost, 'exit|reconnect');
  const reconnectFor =
    flags.reconnectFor === undefined
      ? 10
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
    if (error instanceof HandshakeError) throw new CliError(error.message, 2);
    throw new CliError((error as Error).message, EXIT_FAILURE);
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
  const onSignal = () => {
    signalled = true;
    if (run) run.interrupt();
    else robot.interrupt();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const releaseSignals = () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
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
    files = await writeRunOutputs(out, run.simulation, summary, flags.plot !== false, logStream);
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

interface EmulatorFlags extends RunFlags {
  port?: string;
  host?: string;
  serial?: string;
  baud?: string;
  pty?: boolean;
  realtime?: boolean;
  latency?: string;
  jitter?: string;
  drop?: string;
  corrupt?: string;
  faultSeed?: string;
  quiet?: boolean;
}

export function registerRobot(program: Command): void {
  const command = program
    .command('robot-emulator')
    .description(
      'a simulated line follower behind the robot wire protocol (TCP, a serial port or a pseudo-terminal)',
    )
    .option('--port <n>', 'listen on this TCP port (0: any free port; the address is printed)')
    .option('--host <address>', 'TCP address to listen on (default 127.0.0.1)')
    .option('--serial <path>', 'speak the protocol on this serial port instead')
    .option('--baud <rate>', 'baud rate of --serial (default 115200)')
    .option('--pty', 'make a pseudo-terminal pair with socat and print the end to give to sarlab run')
    .option('--realtime', 'advance the world on a real-time clock every control period (default: lockstep)')
    .option('--latency <ms>', 'injected delay of every frame it sends')
    .option('--jitter <ms>', 'injected extra delay, uniform in [0, ms), of every frame it sends')
    .option('--drop <p>', 'probability that a frame (either direction) is lost')
    .option('--corrupt <p>', 'probability that a frame (either direction) has a bit flipped')
    .option('--fault-seed <n>', 'seed of the injected faults')
    .option('--quiet', 'no log lines on stderr');
  command
    .option('--inputs <kind>', 'predictive inputs: rows|camera')
    .option('--track <track>', 'track: a built-in name (gentle, default, hard), procedural:SEED or FILE.png')
    .option('--track-scale <cm>', 'cm per pixel of PNG tracks')
    .option('--config <file>', 'configuration file (its track and world are used)')
    .option('--seed <n>', "seed of the world's sensor and motor noise (as a run's seed; default 1)")
    .action(async (flags: EmulatorFlags) => {
      process.exitCode = await emulatorCommand(flags);
    });
}

async function emulatorCommand(flags: EmulatorFlags): Promise<number> {
  const config = configFromFlags(flags);
  const track = resolveConfiguredTrack(config);
  const probability = (flag: string, text: string | undefined) => {
    if (text === undefined) return 0;
    const p = numberFlag(flag, text, { min: 0 });
    if (p > 1) throw new ValidationError(`--${flag}`, text, 'a probability in [0, 1]');
    return p;
  };
  const faults = {
    latencyMs:
      flags.latency === undefined ? 0 : boundedFlag('latency', flags.latency, { min: 0, max: 60_000 }),
    jitterMs: flags.jitter === undefined ? 0 : boundedFlag('jitter', flags.jitter, { min: 0, max: 60_000 }),
    drop: probability('drop', flags.drop),
    corrupt: probability('corrupt', flags.corrupt),
    seed: flags.faultSeed === undefined ? 1 : numberFlag('fault-seed', flags.faultSeed, { integer: true }),
  };
  const modes = [flags.port !== undefined, flags.serial !== undefined, flags.pty === true].filter(Boolean);
  if (modes.length !== 1)
    throw new CliError('robot-emulator: give exactly one of --port N, --serial PATH, --pty');
  // Checked before the emulator starts its clock.
  let listenAddress: { port: number; host: string } | null = null;
  if (flags.port !== undefined) {
    const port = boundedFlag('port', flags.port, { integer: true, min: 0, max: 65535 });
    const host = (flags.host ?? '127.0.0.1').trim();
    if (host === '' || (/^[\d.]+$/.test(host) && !isIP(host)))
      throw new ValidationError('--host', flags.host, 'a local address or host name (e.g. 127.0.0.1)');
    listenAddress = { port, host };
  }
  if (flags.serial !== undefined && !existsSync(flags.serial))
    throw new ValidationError('--serial', flags.serial, 'an existing serial device');
  const { builtinTrack } = await import('../../world/track.js');
  const log = flags.quiet ? () => {} : (m: string) => console.error(`robot-emulator: ${m}`);
  const emulator = new RobotEmulator({
    track: track ?? builtinTrack(config.track, { lineWidth: config.world.lineWidth }),
    world: config.world,
    seed: config.seed,
    realtime: flags.realtime === true,
    faults,
    log,
  });
  let server: Server | null = null;
  let transport: Transport | null = null;
  let socat: ReturnType<typeof spawn> | null = null;
  if (flags.port !== undefined) {
    const { port, host } = listenAddress as { port: number; host: string };
    try {
      server = await serveTcp(emulator, port, host);
    } catch (error) {
      emulator.close();
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOTFOUND' || code === 'EADDRNOTAVAIL' || code === 'EAI_AGAIN')
        throw new ValidationError('--host', host, `an address of this machine (${code})`);
      throw new CliError(`cannot listen on ${host}:${port}: ${code}`, 1);
    }
    const a = server.address();
    const actual = typeof a === 'object' && a ? a.port : port;
    process.stdout.write(`robot-emulator: listening on tcp:${host}:${actual}\n`);
  } else {
    let path = flags.serial as string;
    if (flags.pty) {
      const dir = mkdtempSync(join(tmpdir(), 'sarlab-pty-'));
      path = join(dir, 'robot');
      const hostEnd = join(dir, 'host');
      socat = spawn('socat', [`pty,raw,echo=0,link=${path}`, `pty,raw,echo=0,link=${hostEnd}`], {
        stdio: 'ignore',
      });
      socat.on('error', () => {});
      const deadline = Date.now() + 5000;
      while (!(existsSync(path) && existsSync(hostEnd))) {
        if (Date.now() > deadline || socat.exitCode !== null)
          throw new CliError('robot-emulator: --pty needs socat (apt-get install socat)', 1);
        await new Promise((r) => setTimeout(r, 20));
      }
      process.stdout.write(
        `robot-emulator: pseudo-terminal ready; run: sarlab run --robot serial:${hostEnd}\n`,
      );
    }
    const baud =
      flags.baud === undefined ? 115200 : numberFlag('baud', flags.baud, { integer: true, min: 1 });
    try {
      transport = await SerialTransport.open(path, baud);
    } catch (error) {
      emulator.close();
      socat?.kill();
      throw new ValidationError(
        '--serial',
        path,
        `a serial device that can be opened (${(error as Error).message})`,
      );
    }
    emulator.attach(transport);
    if (!flags.pty) process.stdout.write(`robot-emulator: speaking on serial:${path}@${baud}\n`);
  }
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  emulator.close();
  server?.close();
  await transport?.close();
  socat?.kill();
  log(
    `stopped: ${emulator.stats.sessions} sessions, ${emulator.stats.steps} steps, ${emulator.stats.framesReceived} frames in, ${emulator.stats.framesSent} out`,
  );
  return 0;
}
