/**
 * A TCP proxy between brokers for network-partition tests (RELIABILITY.md test 11): it
 * listens on port 0 and forwards to a target, and the test flips it between
 *
 * - `pass`: bytes flow both ways;
 * - `blackhole`: connections stay open but every byte is dropped, both ways (a partition as
 *   TCP sees one: no reset, just silence until timeouts fire);
 * - `reset`: every open connection is destroyed and new ones are closed at once.
 *
 * Stopped in the test's teardown.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';

export type ProxyMode = 'pass' | 'blackhole' | 'reset';

interface TestLike {
  teardown(fn: () => void | Promise<void>): void;
}

export class ChaosProxy {
  mode: ProxyMode = 'pass';
  private readonly pairs = new Set<[Socket, Socket]>();
  /** Bytes forwarded each way, for assertions that traffic did (not) flow. */
  forwardedBytes = 0;
  droppedBytes = 0;

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(t: TestLike, target: { host: string; port: number }): Promise<ChaosProxy> {
    let proxy!: ChaosProxy;
    const server = createServer((client) => proxy.accept(client, target));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    proxy = new ChaosProxy(server, (server.address() as { port: number }).port);
    t.teardown(() => proxy.close());
    return proxy;
  }

  setMode(mode: ProxyMode): void {
    this.mode = mode;
    if (mode === 'reset') {
      for (const [a, b] of this.pairs) {
        a.destroy();
        b.destroy();
      }
      this.pairs.clear();
    }
  }

  close(): Promise<void> {
    this.setMode('reset');
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: Socket, target: { host: string; port: number }): void {
    client.on('error', () => {});
    if (this.mode === 'reset') {
      client.destroy();
      return;
    }
    const upstream = connect(target.port, target.host);
    upstream.on('error', () => {});
    const pair: [Socket, Socket] = [client, upstream];
    this.pairs.add(pair);
    const forward = (from: Socket, to: Socket) =>
      from.on('data', (d: Buffer) => {
        if (this.mode === 'pass') {
          this.forwardedBytes += d.length;
          to.write(d);
        } else this.droppedBytes += d.length;
      });
    forward(client, upstream);
    forward(upstream, client);
    const end = () => {
      this.pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end);
    upstream.on('close', end);
  }
}
