import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { isIP, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { resolveConfiguredTrack } from '../../node/pngTrack.js';
import { RobotEmulator, serveTcp } from '../../robot/emulator.js';
import { SerialTransport, type Transport } from '../../robot/transport.js';
import { ValidationError } from '../../util/errors.js';
import { CliError, EXIT_FAILURE } from '../errors.js';
import { untilInterrupted } from '../interrupt.js';
import { boundedFlag, configFromFlags, numberFlag, type RunFlags } from '../runOptions.js';

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

/** `sarlab robot-emulator`: a simulated robot behind the wire protocol. */
export function registerRobotEmulator(program: Command): void {
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
    .option(
      '--track <track>',
      "track: a built-in name (gentle, default, hard, enki: the authors' track), procedural:SEED or FILE.png",
    )
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
  const log = flags.quiet ? () => {} : (m: string) => console.error(`robot-emulator: ${m}`);
  const emulator = new RobotEmulator({
    track,
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
      throw new CliError(`cannot listen on ${host}:${port}: ${code}`, EXIT_FAILURE);
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
          throw new CliError('robot-emulator: --pty needs socat (apt-get install socat)', EXIT_FAILURE);
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
  await untilInterrupted();
  emulator.close();
  server?.close();
  await transport?.close();
  socat?.kill();
  log(
    `stopped: ${emulator.stats.sessions} sessions, ${emulator.stats.steps} steps, ${emulator.stats.framesReceived} frames in, ${emulator.stats.framesSent} out`,
  );
  return 0;
}
