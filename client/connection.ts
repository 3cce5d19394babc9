/**
 * One TCP connection to one broker: size-prefixed framing, correlation ids, pipelined
 * requests with a bound on those in flight (the rest wait in a queue), per-request timeouts,
 * and ApiVersions negotiation (each API is used at min(client max, broker max)).
 *
 * A connection never reconnects: when it closes, every pending request fails with
 * SAMSA_CONNECTION_CLOSED and `closed` resolves; the cluster opens a new one when needed.
 */
import { connect as netConnect, type Socket } from 'node:net';
import { ApiKey } from '../protocol/api-keys.js';
import {
  apiSchemas,
  type ImplementedApiKey,
  type RequestTypes,
  type ResponseTypes,
} from '../protocol/apis/index.js';
import { ErrorCode } from '../protocol/error-codes.js';
import { decodeResponse, encodeRequest } from '../protocol/framing.js';
import { SamsaError } from './errors.js';
import { Fifo } from './fifo.js';

export interface ConnectionOptions {
  host: string;
  port: number;
  /** Sent in every request header (default "samsa"). */
  clientId?: string;
  /** Bound on establishing the TCP connection and the ApiVersions exchange (default 10 000). */
  connectTimeoutMs?: number;
  /** Default bound on waiting for a response (default 30 000). */
  requestTimeoutMs?: number;
  /** Requests written but not yet answered; more wait in a queue (default 32). */
  inFlightRequestsMax?: number;
  /** Largest response frame accepted (default 256 MiB). */
  responseBytesMax?: number;
}

export interface RequestOptions {
  /** Use this version instead of the negotiated one. */
  version?: number;
  /** Override the connection's request timeout (e.g. fetch wait + margin). */
  timeoutMs?: number;
  /** false for requests the broker never answers (Produce with acks 0). */
  expectResponse?: boolean;
}

interface Pending {
  correlationId: number;
  apiKey: number;
  version: number;
  chunks: Buffer[] | null;
  expectResponse: boolean;
  timeoutMs: number;
  timer: NodeJS.Timeout | undefined;
  resolve: (body: unknown) => void;
  reject: (err: Error) => void;
}

const correlationIdMax = 0x7fffffff;
const requestTimeoutMsDefault = 30_000;
const connectTimeoutMsDefault = 10_000;
const inFlightRequestsMaxDefault = 32;
const responseBytesMaxDefault = 256 * 1024 * 1024;
/** Requests waiting behind the in-flight bound, at most; past it request() fails with SAMSA_BUFFER_FULL. */
const queuedRequestsMax = 100_000;
/** How long close() lets written data (acks=0 produce) flush before the socket is destroyed. */
const closeFlushMsMax = 5000;

/** A connected, version-negotiated connection to one broker. */
export class Connection {
  readonly host: string;
  readonly port: number;
  readonly clientId: string;
  /** Negotiated version per api key (absent: the broker does not serve it). */
  readonly versions = new Map<number, number>();
  /** Resolves once the connection is closed, with the reason. */
  readonly closed: Promise<SamsaError>;

  private readonly socket: Socket;
  private readonly requestTimeoutMs: number;
  private readonly inFlightMax: number;
  private readonly responseBytesMax: number;
  private readonly inFlight = new Map<number, Pending>();
  private readonly queue = new Fifo<Pending>();
  private nextCorrelationId = 1;
  private chunks: Buffer[] = [];
  private chunkBytes = 0;
  private corked = false;
  private closeReason: SamsaError | undefined;
  private resolveClosed!: (e: SamsaError) => void;

  private constructor(socket: Socket, opts: ConnectionOptions) {
    this.socket = socket;
    this.host = opts.host;
    this.port = opts.port;
    this.clientId = opts.clientId ?? 'samsa';
    this.requestTimeoutMs = opts.requestTimeoutMs ?? requestTimeoutMsDefault;
    this.inFlightMax = opts.inFlightRequestsMax ?? inFlightRequestsMaxDefault;
    this.responseBytesMax = opts.responseBytesMax ?? responseBytesMaxDefault;
    this.closed = new Promise((r) => {
      this.resolveClosed = r;
    });
    socket.on('data', (d: Buffer) => this.onData(d));
    socket.on('error', (err) =>
      this.destroy(
        new SamsaError('SAMSA_CONNECTION_CLOSED', `connection to ${this.address} failed: ${err.message}`, {
          cause: err,
        }),
      ),
    );
    socket.on('close', () =>
      this.destroy(new SamsaError('SAMSA_CONNECTION_CLOSED', `connection to ${this.address} closed`)),
    );
  }

  /** Open a connection and negotiate API versions. Throws SAMSA_CONNECTION_FAILED. */
  static async connect(opts: ConnectionOptions): Promise<Connection> {
    const timeoutMs = opts.connectTimeoutMs ?? connectTimeoutMsDefault;
    const where = `${opts.host}:${opts.port}`;
    const socket = await new Promise<Socket>((resolve, reject) => {
      const s = netConnect({ host: opts.host, port: opts.port, noDelay: true });
      const timer = setTimeout(() => {
        s.destroy();
        reject(
          new SamsaError('SAMSA_CONNECTION_FAILED', `connecting to ${where} timed out after ${timeoutMs} ms`),
        );
      }, timeoutMs);
      s.once('connect', () => {
        clearTimeout(timer);
        s.removeAllListeners('error');
        resolve(s);
      });
      s.once('error', (err) => {
        clearTimeout(timer);
        reject(
          new SamsaError('SAMSA_CONNECTION_FAILED', `cannot connect to ${where}: ${err.message}`, {
            cause: err,
          }),
        );
      });
    });
    const conn = new Connection(socket, opts);
    try {
      await conn.negotiate(timeoutMs);
    } catch (err) {
      conn.close();
      if (err instanceof SamsaError && err.code === 'SAMSA_UNSUPPORTED_VERSION') throw err;
      throw new SamsaError(
        'SAMSA_CONNECTION_FAILED',
        `ApiVersions with ${where} failed: ${(err as Error).message}`,
        {
          cause: err,
        },
      );
    }
    return conn;
  }

  get address(): string {
    return `${this.host}:${this.port}`;
  }

  get isClosed(): boolean {
    return this.closeReason !== undefined;
  }

  /** Requests written and not yet answered (never above inFlightRequestsMax). */
  get inFlightRequests(): number {
    return this.inFlight.size;
  }

  /** Requests written or queued and not yet answered. */
  get pendingRequests(): number {
    return this.inFlight.size + this.queue.length;
  }

  /** The negotiated version of an API; throws SAMSA_UNSUPPORTED_VERSION when there is none. */
  version(apiKey: number): number {
    const v = this.versions.get(apiKey);
    if (v === undefined) {
      throw new SamsaError(
        'SAMSA_UNSUPPORTED_VERSION',
        `broker ${this.address} serves no version of api ${apiKey} that this client implements`,
      );
    }
    return v;
  }

  /** Send a request and resolve with the decoded response body. */
  request<K extends ImplementedApiKey>(
    apiKey: K,
    body: RequestTypes[K],
    opts: RequestOptions = {},
  ): Promise<ResponseTypes[K]> {
    if (this.closeReason) return Promise.reject(this.closeReason);
    let version: number;
    let chunks: Buffer[];
    const correlationId = this.nextCorrelationId;
    this.nextCorrelationId = correlationId >= correlationIdMax ? 1 : correlationId + 1;
    try {
      version = opts.version ?? this.version(apiKey);
      chunks = encodeRequest(apiKey, version, correlationId, this.clientId, body);
    } catch (err) {
      return Promise.reject(err);
    }
    return new Promise<ResponseTypes[K]>((resolve, reject) => {
      const p: Pending = {
        correlationId,
        apiKey,
        version,
        chunks,
        expectResponse: opts.expectResponse !== false,
        timeoutMs: opts.timeoutMs ?? this.requestTimeoutMs,
        timer: undefined,
        resolve: resolve as (b: unknown) => void,
        reject,
      };
      if (this.inFlight.size < this.inFlightMax) this.write(p);
      else if (this.queue.length >= queuedRequestsMax) {
        reject(
          new SamsaError(
            'SAMSA_BUFFER_FULL',
            `${queuedRequestsMax} requests already wait for ${this.address}; slow down or wait for answers`,
          ),
        );
      } else this.queue.push(p);
    });
  }

  /** Close the socket; pending requests fail with SAMSA_CONNECTION_CLOSED. */
  close(): void {
    if (this.closeReason) return;
    // end() flushes what is written (acks=0 produce data) before the FIN; destroy() would drop it.
    if (this.corked) {
      this.corked = false;
      this.socket.uncork();
    }
    this.socket.end();
    const timer = setTimeout(() => this.socket.destroy(), closeFlushMsMax);
    timer.unref();
    this.destroy(
      new SamsaError('SAMSA_CONNECTION_CLOSED', `connection to ${this.address} closed by the client`),
      false,
    );
  }

  private async negotiate(timeoutMs: number): Promise<void> {
    const ours = apiSchemas;
    let res: ResponseTypes[typeof ApiKey.ApiVersions];
    try {
      res = await this.request(
        ApiKey.ApiVersions,
        { clientSoftwareName: 'samsa', clientSoftwareVersion: '0.1.0' },
        { version: 3, timeoutMs },
      );
    } catch (err) {
      if (!(err instanceof SamsaError) || err.code !== 'SAMSA_PROTOCOL') throw err;
      // An old broker answers an unknown ApiVersions version with a v0 body.
      res = await this.request(ApiKey.ApiVersions, {}, { version: 0, timeoutMs });
    }
    if (res.errorCode === ErrorCode.UNSUPPORTED_VERSION) {
      const theirs = res.apiKeys.find((k) => k.apiKey === ApiKey.ApiVersions);
      res = await this.request(
        ApiKey.ApiVersions,
        {},
        { version: Math.min(3, theirs?.maxVersion ?? 0), timeoutMs },
      );
    }
    if (res.errorCode !== 0) {
      throw new SamsaError('SAMSA_PROTOCOL', `ApiVersions answered error ${res.errorCode}`, {
        kafkaCode: res.errorCode,
      });
    }
    for (const k of res.apiKeys) {
      const mine = ours.get(k.apiKey);
      if (!mine) continue;
      const v = Math.min(mine.maxVersion, k.maxVersion);
      if (v >= Math.max(mine.minVersion, k.minVersion)) this.versions.set(k.apiKey, v);
    }
  }

  private write(p: Pending): void {
    const socket = this.socket;
    if (!this.corked) {
      // Coalesce every request written in this tick into one syscall.
      this.corked = true;
      socket.cork();
      process.nextTick(() => {
        this.corked = false;
        socket.uncork();
      });
    }
    for (const c of p.chunks!) socket.write(c);
    p.chunks = null;
    if (!p.expectResponse) {
      p.resolve(undefined);
      return;
    }
    this.inFlight.set(p.correlationId, p);
    p.timer = setTimeout(() => {
      // The stream position is no longer trustworthy for this request: close like Kafka does.
      const err = new SamsaError(
        'SAMSA_REQUEST_TIMEOUT',
        `request api ${p.apiKey} v${p.version} to ${this.address} got no answer within ${p.timeoutMs} ms`,
        { retriable: true },
      );
      this.inFlight.delete(p.correlationId);
      p.reject(err);
      this.destroy(err);
    }, p.timeoutMs);
  }

  private onData(data: Buffer): void {
    this.chunks.push(data);
    this.chunkBytes += data.length;
    while (this.chunkBytes >= 4) {
      let head = this.chunks[0]!;
      if (head.length < 4) {
        head = Buffer.concat(this.chunks);
        this.chunks = [head];
      }
      const size = head.readInt32BE(0);
      if (size < 4 || size > this.responseBytesMax) {
        this.destroy(
          new SamsaError('SAMSA_PROTOCOL', `bad response frame size ${size} from ${this.address}`),
        );
        return;
      }
      if (this.chunkBytes < size + 4) return;
      let frame: Buffer;
      if (head.length >= size + 4) {
        frame = head.subarray(4, size + 4);
        if (head.length === size + 4) this.chunks.shift();
        else this.chunks[0] = head.subarray(size + 4);
      } else {
        const all = Buffer.concat(this.chunks, this.chunkBytes);
        frame = all.subarray(4, size + 4);
        this.chunks = all.length > size + 4 ? [all.subarray(size + 4)] : [];
      }
      this.chunkBytes -= size + 4;
      this.onFrame(frame);
      if (this.closeReason) return;
    }
  }

  private onFrame(frame: Buffer): void {
    const correlationId = frame.readInt32BE(0);
    const p = this.inFlight.get(correlationId);
    if (!p) {
      this.destroy(
        new SamsaError(
          'SAMSA_PROTOCOL',
          `response with unknown correlation id ${correlationId} from ${this.address}`,
        ),
      );
      return;
    }
    this.inFlight.delete(correlationId);
    clearTimeout(p.timer);
    try {
      const { body } = decodeResponse(p.apiKey as ImplementedApiKey, p.version, frame);
      p.resolve(body);
    } catch (err) {
      p.reject(
        new SamsaError(
          'SAMSA_PROTOCOL',
          `cannot decode api ${p.apiKey} v${p.version} response from ${this.address}: ${(err as Error).message}`,
          {
            cause: err,
          },
        ),
      );
    }
    while (this.queue.length > 0 && this.inFlight.size < this.inFlightMax && !this.closeReason) {
      this.write(this.queue.shift()!);
    }
  }

  private destroy(reason: SamsaError, destroySocket = true): void {
    if (this.closeReason) return;
    this.closeReason = reason;
    if (destroySocket) this.socket.destroy();
    for (const p of this.inFlight.values()) {
      clearTimeout(p.timer);
      p.reject(reason);
    }
    this.inFlight.clear();
    for (let p = this.queue.shift(); p !== undefined; p = this.queue.shift()) p.reject(reason);
    this.chunks = [];
    this.resolveClosed(reason);
  }
}
