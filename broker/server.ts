/**
 * The TCP listener: accepts connections up to `connectionsMax`, wraps each in a Connection,
 * and on shutdown stops accepting, lets in-flight requests finish, then closes the rest.
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { Logger } from 'pino';
import { type CloseKind, Connection, type ConnectionLimits, type Dispatch } from './connection.js';

export interface ListenerOptions {
  host: string;
  port: number;
  connectionsMax: number;
  limits: ConnectionLimits;
  dispatch: Dispatch;
  log: Logger;
  /** Told each time the broker closes a connection, with why. */
  onBrokerClose?: (kind: CloseKind) => void;
}

export class Listener {
  private server: Server;
  readonly connections = new Set<Connection>();

  private constructor(private readonly opts: ListenerOptions) {
    this.server = createServer((socket) => this.accept(socket));
  }

  static async listen(opts: ListenerOptions): Promise<Listener> {
    const l = new Listener(opts);
    await new Promise<void>((resolve, reject) => {
      l.server.once('error', reject);
      l.server.listen(opts.port, opts.host, () => {
        l.server.off('error', reject);
        resolve();
      });
    });
    l.server.on('error', (err) => opts.log.error({ err }, 'listener error'));
    return l;
  }

  get port(): number {
    const a = this.server.address();
    return typeof a === 'object' && a ? a.port : this.opts.port;
  }

  private accept(socket: Socket): void {
    if (this.connections.size >= this.opts.connectionsMax) {
      this.opts.log.warn(
        { remote: `${socket.remoteAddress}:${socket.remotePort}`, connectionsMax: this.opts.connectionsMax },
        'refusing connection: max.connections reached',
      );
      this.opts.onBrokerClose?.('connection_limit');
      socket.destroy();
      return;
    }
    const conn = new Connection(
      socket,
      this.opts.dispatch,
      this.opts.limits,
      this.opts.log,
      (c) => this.connections.delete(c),
      this.opts.onBrokerClose,
    );
    this.connections.add(conn);
  }

  /** Stop accepting; wait (up to drainMs) for in-flight requests; close every connection. */
  async close(drainMs: number): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    const drained = Promise.all([...this.connections].map((c) => c.drained()));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([drained, new Promise<void>((r) => (timer = setTimeout(r, drainMs)))]);
    clearTimeout(timer);
    for (const c of this.connections) c.close('broker shutting down', 'shutdown');
    await closed;
  }
}
