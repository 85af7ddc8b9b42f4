import { connect, type Socket } from 'node:net';
import { ValidationError } from '../util/errors.js';
import { loadOptional } from '../util/optionalPackage.js';
import { LINK_DEFAULTS } from './linkDefaults.js';

/** A byte link to a robot: TCP or a serial port. */
export interface Transport {
  /** The link as text, for messages. */
  readonly description: string;
  /** Sends bytes (dropped once closed). */
  write(bytes: Uint8Array): void;
  /** Whether writes can still reach the other side. */
  readonly open: boolean;
  /** Hears every received chunk. */
  onData(listener: (chunk: Uint8Array) => void): void;
  /** Hears why the link closed. */
  onClose(listener: (why: string) => void): void;
  /** Writes out what is queued, then closes. */
  close(): Promise<void>;
}

/** Where a robot is: a TCP address or a serial port. */
export type RobotAddress =
  | { kind: 'tcp'; host: string; port: number }
  | { kind: 'serial'; path: string; baudRate: number };

const ADDRESS_FORMS = 'serial:PATH[@BAUD] (e.g. serial:/dev/ttyUSB0@115200) or tcp:HOST:PORT';

/** Parses `serial:/dev/ttyUSB0@115200` or `tcp:HOST:PORT`. */
export function parseRobotAddress(text: string, field = '--robot'): RobotAddress {
  const tcp = /^tcp:(.+):(\d{1,5})$/.exec(text);
  if (tcp) {
    const port = Number(tcp[2]);
    if (port < 1 || port > 65535) throw new ValidationError(field, text, 'a TCP port in 1..65535');
    return { kind: 'tcp', host: tcp[1].replace(/^\[(.*)\]$/, '$1'), port };
  }
  const serial = /^serial:([^@]+)(?:@(\d+))?$/.exec(text);
  if (serial) {
    const baudRate = serial[2] === undefined ? 115200 : Number(serial[2]);
    if (baudRate <= 0) throw new ValidationError(field, text, 'a positive baud rate');
    return { kind: 'serial', path: serial[1], baudRate };
  }
  throw new ValidationError(field, text, ADDRESS_FORMS);
}

/** An address as text (`tcp:HOST:PORT` or `serial:PATH@BAUD`). */
export function formatRobotAddress(a: RobotAddress): string {
  return a.kind === 'tcp' ? `tcp:${a.host}:${a.port}` : `serial:${a.path}@${a.baudRate}`;
}

/** Wraps a connected socket. */
export class SocketTransport implements Transport {
  private closed = false;
  private readonly closeListeners: ((why: string) => void)[] = [];

  constructor(
    readonly socket: Socket,
    readonly description: string,
  ) {
    socket.setNoDelay(true);
    let why = 'the connection was closed';
    socket.on('error', (error: NodeJS.ErrnoException) => {
      why = `connection error ${error.code ?? error.message}`;
    });
    socket.on('close', () => {
      if (this.closed) return;
      this.closed = true;
      for (const l of this.closeListeners) l(why);
    });
  }

  get open(): boolean {
    return !this.closed && !this.socket.destroyed && this.socket.writable;
  }

  /** Sends bytes (dropped once closed). */
  write(bytes: Uint8Array): void {
    if (this.open) this.socket.write(bytes);
  }

  /** Hears every received chunk. */
  onData(listener: (chunk: Uint8Array) => void): void {
    this.socket.on('data', listener);
  }

  /** Hears why the link closed. */
  onClose(listener: (why: string) => void): void {
    this.closeListeners.push(listener);
  }

  close(): Promise<void> {
    this.closed = true;
    return new Promise((resolve) => {
      if (this.socket.destroyed) return resolve();
      const timer = setTimeout(() => {
        this.socket.destroy();
        resolve();
      }, 500);
      this.socket.end(() => {
        clearTimeout(timer);
        this.socket.destroy();
        resolve();
      });
    });
  }
}

/** Opens a TCP link to a robot (or the emulator). */
export function connectTcp(
  host: string,
  port: number,
  timeoutMs: number = LINK_DEFAULTS.helloTimeoutMs,
): Promise<Transport> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no TCP connection to ${host}:${port} within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      resolve(new SocketTransport(socket, `tcp:${host}:${port}`));
    });
    socket.once('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(new Error(`cannot connect to ${host}:${port}: ${error.code ?? error.message}`));
    });
  });
}

/** A serial port (the `serialport` package, loaded only when used). */
export class SerialTransport implements Transport {
  private closed = false;
  private readonly closeListeners: ((why: string) => void)[] = [];

  private constructor(
    private readonly port: import('serialport').SerialPort,
    readonly description: string,
  ) {
    port.on('close', () => {
      if (this.closed) return;
      this.closed = true;
      for (const l of this.closeListeners) l('the serial port was closed');
    });
    port.on('error', () => {});
  }

  /** Opens a serial port (needs the optional package serialport). */
  static async open(path: string, baudRate: number): Promise<SerialTransport> {
    const { SerialPort } = await loadOptional(
      () => import('serialport'),
      ['serialport'],
      'a serial robot link',
    );
    const port = new SerialPort({ path, baudRate, autoOpen: false });
    await new Promise<void>((resolve, reject) =>
      port.open((error) =>
        error ? reject(new Error(`cannot open serial port ${path}: ${error.message}`)) : resolve(),
      ),
    );
    return new SerialTransport(port, `serial:${path}@${baudRate}`);
  }

  get open(): boolean {
    return !this.closed && this.port.isOpen;
  }

  /** Sends bytes (dropped once closed). */
  write(bytes: Uint8Array): void {
    if (this.open) this.port.write(Buffer.from(bytes));
  }

  /** Hears every received chunk. */
  onData(listener: (chunk: Uint8Array) => void): void {
    this.port.on('data', listener);
  }

  /** Hears why the link closed. */
  onClose(listener: (why: string) => void): void {
    this.closeListeners.push(listener);
  }

  close(): Promise<void> {
    const wasOpen = this.port.isOpen;
    this.closed = true;
    return new Promise((resolve) => {
      if (!wasOpen) return resolve();
      const timer = setTimeout(resolve, 500);
      this.port.drain(() => {
        this.port.close(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    });
  }
}

/** Opens a link to the robot at an address. */
export function openTransport(
  address: RobotAddress,
  timeoutMs: number = LINK_DEFAULTS.helloTimeoutMs,
): Promise<Transport> {
  return address.kind === 'tcp'
    ? connectTcp(address.host, address.port, timeoutMs)
    : SerialTransport.open(address.path, address.baudRate);
}
