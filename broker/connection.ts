/**
 * One client connection: splits the byte stream into length-prefixed frames, hands each to
 * the dispatcher, and writes responses back in request order.
 *
 * Bounds (all from BrokerConfig): a frame longer than `socketRequestBytesMax` (or negative)
 * closes the connection before any of it is buffered; at most `inflightRequestsMax` requests
 * are being handled at once and at most `queuedBytesMax` response bytes wait in the socket —
 * beyond either, the connection stops reading (back-pressure) until it drains.
 *
 * Not thread-safe in any sense that matters: everything runs on the event loop.
 */
import type { Socket } from 'node:net';
import type { Logger } from 'pino';

/** Thrown by a dispatcher to close the connection after logging `message`. */
export class CloseConnection extends Error {
  readonly code = 'SAMSA_CLOSE_CONNECTION';
}

export type Response = Buffer[] | null;

/** Why the broker closed a connection (a metric label: a closed set). */
export type CloseKind = 'bad_input' | 'idle' | 'shutdown' | 'internal_error' | 'connection_limit';
export type Dispatch = (frame: Buffer, conn: Connection) => Response | Promise<Response>;

export interface ConnectionLimits {
  socketRequestBytesMax: number;
  inflightRequestsMax: number;
  queuedBytesMax: number;
  idleMs: number;
}

interface Slot {
  done: boolean;
  response: Response;
}

const FRAME_LENGTH_BYTES = 4;
/** api_key + api_version + correlation_id + client_id length: no valid request is shorter. */
const REQUEST_HEADER_BYTES_MIN = 10;

export class Connection {
  readonly remote: string;
  private chunks: Buffer[] = [];
  private buffered = 0;
  private pending: Slot[] = [];
  private closed = false;
  private paused = false;
  private drainWaiters: (() => void)[] = [];
  private onIdle = (): void => {
    if (this.pending.length === 0) this.close('idle for longer than connections.max.idle.ms', 'idle');
  };

  constructor(
    readonly socket: Socket,
    private readonly dispatch: Dispatch,
    private readonly limits: ConnectionLimits,
    private readonly log: Logger,
    private readonly onClose: (c: Connection) => void,
    private readonly onBrokerClose: (kind: CloseKind) => void = () => {},
  ) {
    this.remote = `${socket.remoteAddress}:${socket.remotePort}`;
    socket.setNoDelay(true);
    socket.setTimeout(limits.idleMs, this.onIdle);
    socket.on('data', (d: Buffer) => this.onData(d));
    socket.on('drain', () => this.maybeResume());
    socket.on('error', (err) =>
      this.log.debug({ remote: this.remote, err: err.message }, 'connection error'),
    );
    socket.on('close', () => {
      this.closed = true;
      for (const w of this.drainWaiters.splice(0)) w();
      this.onClose(this);
    });
  }

  get clientHost(): string {
    return this.socket.remoteAddress ?? '';
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Requests read and not yet answered. */
  get inflight(): number {
    return this.pending.length;
  }

  close(reason: string, kind: CloseKind = 'bad_input'): void {
    if (this.closed) return;
    this.closed = true;
    this.onBrokerClose(kind);
    this.log.info({ remote: this.remote, reason }, `closing connection from ${this.remote}: ${reason}`);
    this.socket.destroy();
  }

  private onData(data: Buffer): void {
    this.chunks.push(data);
    this.buffered += data.length;
    this.processFrames();
  }

  /** Handle every complete buffered frame, stopping while at the in-flight bound. */
  private processFrames(): void {
    while (
      !this.closed &&
      this.buffered >= FRAME_LENGTH_BYTES &&
      this.pending.length < this.limits.inflightRequestsMax
    ) {
      const size = this.peekInt32();
      if (size < REQUEST_HEADER_BYTES_MIN || size > this.limits.socketRequestBytesMax) {
        this.close(
          size < 0 || size > this.limits.socketRequestBytesMax
            ? `request frame of ${size} bytes is outside 0..socket.request.max.bytes (${this.limits.socketRequestBytesMax})`
            : `request frame of ${size} bytes is shorter than any request header`,
        );
        return;
      }
      if (this.buffered < FRAME_LENGTH_BYTES + size) break;
      const frame = this.take(FRAME_LENGTH_BYTES + size).subarray(FRAME_LENGTH_BYTES);
      this.handle(frame);
    }
  }

  private peekInt32(): number {
    const first = this.chunks[0]!;
    if (first.length >= FRAME_LENGTH_BYTES) return first.readInt32BE(0);
    const joined = Buffer.concat(this.chunks);
    this.chunks = [joined];
    return joined.readInt32BE(0);
  }

  /** Remove and return the first n buffered bytes (zero-copy when they lie in one chunk). */
  private take(n: number): Buffer {
    this.buffered -= n;
    const first = this.chunks[0]!;
    if (first.length >= n) {
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
      return first.subarray(0, n);
    }
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    while (filled < n) {
      const c = this.chunks[0]!;
      const want = n - filled;
      if (c.length <= want) {
        c.copy(out, filled);
        filled += c.length;
        this.chunks.shift();
      } else {
        c.copy(out, filled, 0, want);
        this.chunks[0] = c.subarray(want);
        filled += want;
      }
    }
    return out;
  }

  private handle(frame: Buffer): void {
    const slot: Slot = { done: false, response: null };
    this.pending.push(slot);
    let result: Response | Promise<Response>;
    try {
      result = this.dispatch(frame, this);
    } catch (err) {
      this.fail(err);
      return;
    }
    if (result instanceof Promise) {
      result.then(
        (r) => this.complete(slot, r),
        (err) => this.fail(err),
      );
    } else {
      this.complete(slot, result);
    }
    this.maybePause();
  }

  private fail(err: unknown): void {
    if (err instanceof CloseConnection) {
      this.close(err.message);
    } else {
      this.log.error({ remote: this.remote, err }, 'request handler failed; closing the connection');
      this.close(`internal error: ${(err as Error)?.message ?? String(err)}`, 'internal_error');
    }
  }

  private complete(slot: Slot, response: Response): void {
    slot.done = true;
    slot.response = response;
    if (this.closed) return;
    let corked = false;
    while (this.pending.length > 0 && this.pending[0]!.done) {
      const s = this.pending.shift()!;
      if (s.response === null) continue;
      if (!corked) {
        this.socket.cork();
        corked = true;
      }
      for (const b of s.response) this.socket.write(b);
    }
    if (corked) this.socket.uncork();
    this.maybePause();
    this.maybeResume();
    if (this.pending.length === 0) for (const w of this.drainWaiters.splice(0)) w();
  }

  private maybePause(): void {
    if (this.paused || this.closed) return;
    if (
      this.pending.length >= this.limits.inflightRequestsMax ||
      this.socket.writableLength >= this.limits.queuedBytesMax
    ) {
      this.paused = true;
      this.socket.pause();
    }
  }

  private maybeResume(): void {
    if (!this.paused || this.closed) return;
    if (
      this.pending.length < this.limits.inflightRequestsMax &&
      this.socket.writableLength < this.limits.queuedBytesMax
    ) {
      this.paused = false;
      this.socket.resume();
      // Frames that arrived while paused were kept; handle them now.
      this.processFrames();
    }
  }

  /** Resolves when every request read so far has been answered (used on shutdown). */
  drained(): Promise<void> {
    if (this.pending.length === 0 || this.closed) return Promise.resolve();
    return new Promise<void>((resolve) => this.drainWaiters.push(resolve));
  }
}
