/**
 * A TCP proxy between brokers for network-partition tests (RELIABILITY.md test 11): it
 * listens on port 0 and forwards to a target, and the test flips it between
 *
 * - `pass`: bytes flow both ways;
 * - `blackhole`: connections stay open but every byte is dropped, both ways (a partition as
 *   TCP sees one: no reset, just silence until timeouts fire);
 * - `reset`: every open connection is destroyed and new ones are closed at once.
 *
 * Between brokers, one proxy in front of a broker's Kafka port carries every other broker's
 * replica fetches: {@link ChaosProxy.blockSources} blackholes only the connections whose first
 * request names a given client id (`samsa-broker-<id>`), so one broker can be cut off from it
 * while the rest pass. The target may be set after the proxy starts ({@link ChaosProxy.setTarget}:
 * a broker on port 0 is told the proxy's port before it knows its own); until then connections
 * are closed at once.
 *
 * Stopped in the test's teardown.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';

export type ProxyMode = 'pass' | 'blackhole' | 'reset';

interface TestLike {
  teardown(fn: () => void | Promise<void>): void;
}

type Target = { host: string; port: number };

/** The client id of a Kafka request frame at the start of `b`, if the bytes hold it. */
function kafkaClientId(b: Buffer): string | undefined {
  // size (4), api key (2), api version (2), correlation id (4), client id length (2), client id
  if (b.length < 14) return undefined;
  const len = b.readInt16BE(12);
  if (len < 0 || b.length < 14 + len) return undefined;
  return b.toString('utf8', 14, 14 + len);
}

export class ChaosProxy {
  mode: ProxyMode = 'pass';
  private readonly pairs = new Set<[Socket, Socket]>();
  private readonly blocked = new Set<string>();
  /** Bytes forwarded each way, for assertions that traffic did (not) flow. */
  forwardedBytes = 0;
  droppedBytes = 0;

  private constructor(
    private readonly server: Server,
    readonly port: number,
    private target: Target | undefined,
  ) {}

  static async start(t: TestLike, target?: Target): Promise<ChaosProxy> {
    let proxy!: ChaosProxy;
    const server = createServer((client) => proxy.accept(client));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    proxy = new ChaosProxy(server, (server.address() as { port: number }).port, target);
    t.teardown(() => proxy.close());
    return proxy;
  }

  setTarget(target: Target): void {
    this.target = target;
  }

  /** Blackhole connections whose first Kafka request carries one of `clientIds`, both ways. */
  blockSources(clientIds: string[]): void {
    for (const id of clientIds) this.blocked.add(id);
  }

  /** Stop blocking any source; the connections that were blocked are closed (their streams lost bytes). */
  unblockSources(): void {
    this.blocked.clear();
    for (const pair of this.pairs) {
      if ((pair as PairWithSource).wasBlocked) {
        pair[0].destroy();
        pair[1].destroy();
        this.pairs.delete(pair);
      }
    }
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

  private accept(client: Socket): void {
    client.on('error', () => {});
    const target = this.target;
    if (this.mode === 'reset' || !target) {
      client.destroy();
      return;
    }
    const upstream = connect(target.port, target.host);
    upstream.on('error', () => {});
    const pair: PairWithSource = [client, upstream];
    this.pairs.add(pair);
    const passes = () => {
      if (this.mode !== 'pass') return false;
      if (pair.source !== undefined && this.blocked.has(pair.source)) {
        pair.wasBlocked = true;
        return false;
      }
      return true;
    };
    const forward = (from: Socket, to: Socket) =>
      from.on('data', (d: Buffer) => {
        if (from === client && pair.source === undefined) pair.source = kafkaClientId(d) ?? '';
        if (passes()) {
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

/** A proxied connection, with the client id its first request named. */
type PairWithSource = [Socket, Socket] & { source?: string; wasBlocked?: boolean };
