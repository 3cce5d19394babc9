/**
 * The broker's own Kafka-protocol connection to another broker, for what replication sends
 * (Fetch as a replica, OffsetForLeaderEpoch). The broker may not import client/ (imports point
 * protocol <- storage <- broker and protocol <- client), and it needs less: one socket,
 * requests matched by correlation id, hard bounds on everything.
 *
 * Bounds: a response frame larger than `responseBytesMax` closes the connection before it is
 * buffered; at most `inFlightMax` requests wait for answers; each request fails after
 * `requestTimeoutMs`. Any failure closes the connection and fails every waiting request with a
 * {@link PeerConnectionError}; the caller reconnects (with its own backoff).
 */
import { connect, type Socket } from 'node:net';
import type { ImplementedApiKey, RequestTypes, ResponseTypes } from '../../protocol/apis/index.js';
import { decodeResponse, encodeRequest, readFrameSize } from '../../protocol/framing.js';

export interface PeerClientOptions {
  host: string;
  port: number;
  /** This broker's id, sent as the client id `samsa-broker-<id>` for the peer's logs. */
  brokerId: number;
  connectTimeoutMs?: number;
  requestTimeoutMs?: number;
  /** Largest response frame accepted (a replica fetch's max bytes plus headers). */
  responseBytesMax?: number;
  inFlightMax?: number;
}

export class PeerConnectionError extends Error {
  override name = 'PeerConnectionError';
}

const connectTimeoutMsDefault = 5_000;
const requestTimeoutMsDefault = 30_000;
const responseBytesMaxDefault = 64 * 1024 * 1024;
const inFlightMaxDefault = 8;

interface Waiting {
  apiKey: ImplementedApiKey;
  version: number;
  timer: NodeJS.Timeout;
  resolve: (body: unknown) => void;
  reject: (err: Error) => void;
}

export class PeerClient {
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** Size of the frame being received (after its 4-byte prefix); -1 until the prefix is read. */
  private frameBytes = -1;
  private nextCorrelationId = 1;
  private readonly waiting = new Map<number, Waiting>();
  private closedWith: PeerConnectionError | undefined;
  private readonly clientId: string;

  private constructor(
    private readonly socket: Socket,
    private readonly opts: Required<Omit<PeerClientOptions, 'host' | 'port' | 'brokerId'>> & {
      where: string;
    },
    brokerId: number,
  ) {
    this.clientId = `samsa-broker-${brokerId}`;
    socket.setNoDelay(true);
    socket.on('data', (d: Buffer) => this.onData(d));
    socket.on('error', (err) => this.fail(`${opts.where}: ${err.message}`));
    socket.on('close', () => this.fail(`${opts.where}: connection closed`));
  }

  /** Connects, or rejects with a PeerConnectionError after `connectTimeoutMs`. */
  static connect(o: PeerClientOptions): Promise<PeerClient> {
    const where = `broker at ${o.host}:${o.port}`;
    const opts = {
      connectTimeoutMs: o.connectTimeoutMs ?? connectTimeoutMsDefault,
      requestTimeoutMs: o.requestTimeoutMs ?? requestTimeoutMsDefault,
      responseBytesMax: o.responseBytesMax ?? responseBytesMaxDefault,
      inFlightMax: o.inFlightMax ?? inFlightMaxDefault,
      where,
    };
    return new Promise((resolve, reject) => {
      const socket = connect({ host: o.host, port: o.port });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new PeerConnectionError(`${where}: no connection within ${opts.connectTimeoutMs} ms`));
      }, opts.connectTimeoutMs);
      socket.once('error', (err) => {
        clearTimeout(timer);
        reject(new PeerConnectionError(`${where}: ${err.message}`));
      });
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        resolve(new PeerClient(socket, opts, o.brokerId));
      });
    });
  }

  get closed(): boolean {
    return this.closedWith !== undefined;
  }

  request<K extends ImplementedApiKey>(
    apiKey: K,
    version: number,
    body: RequestTypes[K],
  ): Promise<ResponseTypes[K]> {
    if (this.closedWith) return Promise.reject(this.closedWith);
    if (this.waiting.size >= this.opts.inFlightMax)
      return Promise.reject(
        new PeerConnectionError(`${this.opts.where}: ${this.opts.inFlightMax} requests already in flight`),
      );
    const correlationId = this.nextCorrelationId++;
    const frame = encodeRequest(apiKey, version, correlationId, this.clientId, body);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () =>
          this.fail(`${this.opts.where}: no answer to api ${apiKey} within ${this.opts.requestTimeoutMs} ms`),
        this.opts.requestTimeoutMs,
      );
      this.waiting.set(correlationId, {
        apiKey,
        version,
        timer,
        resolve: resolve as (b: unknown) => void,
        reject,
      });
      for (const chunk of frame) this.socket.write(chunk);
    });
  }

  close(): void {
    this.fail(`${this.opts.where}: closed by this broker`);
  }

  private onData(d: Buffer): void {
    this.chunks.push(d);
    this.buffered += d.length;
    while (this.buffered >= 4) {
      // The size prefix is read once per frame; the chunks are joined only when the whole frame
      // is here (joining on every chunk would copy a large response over and over).
      if (this.frameBytes < 0) {
        const head = this.chunks[0]!.length >= 4 ? this.chunks[0]! : this.flatten();
        try {
          this.frameBytes = readFrameSize(head, 0, this.opts.responseBytesMax);
        } catch (err) {
          this.fail(`${this.opts.where}: bad response frame: ${(err as Error).message}`);
          return;
        }
      }
      if (this.buffered < 4 + this.frameBytes) return;
      const all = this.flatten();
      const frame = all.subarray(4, 4 + this.frameBytes);
      const rest = all.subarray(4 + this.frameBytes);
      this.chunks = rest.length ? [rest] : [];
      this.buffered = rest.length;
      this.frameBytes = -1;
      this.onFrame(frame);
      if (this.closedWith) return;
    }
  }

  private flatten(): Buffer {
    if (this.chunks.length > 1) this.chunks = [Buffer.concat(this.chunks, this.buffered)];
    return this.chunks[0]!;
  }

  private onFrame(frame: Buffer): void {
    if (frame.length < 4) {
      this.fail(`${this.opts.where}: response frame of ${frame.length} bytes`);
      return;
    }
    const correlationId = frame.readInt32BE(0);
    const w = this.waiting.get(correlationId);
    if (!w) {
      this.fail(`${this.opts.where}: answer to unknown request ${correlationId}`);
      return;
    }
    this.waiting.delete(correlationId);
    clearTimeout(w.timer);
    try {
      w.resolve(decodeResponse(w.apiKey, w.version, frame).body);
    } catch (err) {
      w.reject(new PeerConnectionError(`${this.opts.where}: bad response: ${(err as Error).message}`));
      this.fail(`${this.opts.where}: bad response`);
    }
  }

  private fail(reason: string): void {
    if (this.closedWith) return;
    this.closedWith = new PeerConnectionError(reason);
    for (const w of this.waiting.values()) {
      clearTimeout(w.timer);
      w.reject(this.closedWith);
    }
    this.waiting.clear();
    this.socket.destroy();
  }
}
