/**
 * A minimal Kafka wire client for broker tests: one socket, requests encoded with the
 * protocol codec, responses matched by correlation id. Not the product client (client/).
 */
import { connect, type Socket } from 'node:net';
import type { ImplementedApiKey, RequestTypes, ResponseTypes } from '../../protocol/apis/index.js';
import { decodeResponse, encodeRequest } from '../../protocol/framing.js';

export class WireClient {
  private buf: Buffer = Buffer.alloc(0);
  private nextId = 1;
  private waiting = new Map<
    number,
    { apiKey: number; version: number; resolve: (b: unknown) => void; reject: (e: Error) => void }
  >();
  readonly closed: Promise<void>;

  private constructor(private readonly socket: Socket) {
    socket.on('data', (d: Buffer) => this.onData(d));
    this.closed = new Promise((resolve) => {
      socket.on('close', () => {
        for (const w of this.waiting.values()) w.reject(new Error('connection closed'));
        this.waiting.clear();
        resolve();
      });
    });
    socket.on('error', () => {});
  }

  static connect(port: number, host = '127.0.0.1'): Promise<WireClient> {
    return new Promise((resolve, reject) => {
      const s = connect(port, host, () => {
        s.off('error', reject);
        resolve(new WireClient(s));
      });
      s.once('error', reject);
    });
  }

  request<K extends ImplementedApiKey>(
    apiKey: K,
    version: number,
    body: RequestTypes[K],
  ): Promise<ResponseTypes[K]> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { apiKey, version, resolve: resolve as (b: unknown) => void, reject });
      for (const c of encodeRequest(apiKey, version, id, 'samsa-test', body)) this.socket.write(c);
    });
  }

  /** Send without waiting for an answer (Produce with acks=0). */
  send<K extends ImplementedApiKey>(apiKey: K, version: number, body: RequestTypes[K]): void {
    for (const c of encodeRequest(apiKey, version, this.nextId++, 'samsa-test', body)) this.socket.write(c);
  }

  writeRaw(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  close(): void {
    this.socket.destroy();
  }

  private onData(d: Buffer): void {
    this.buf = this.buf.length ? Buffer.concat([this.buf, d]) : d;
    while (this.buf.length >= 4) {
      const size = this.buf.readInt32BE(0);
      if (this.buf.length < 4 + size) break;
      const frame = this.buf.subarray(4, 4 + size);
      this.buf = this.buf.subarray(4 + size);
      const id = frame.readInt32BE(0);
      const w = this.waiting.get(id);
      if (!w) continue;
      this.waiting.delete(id);
      try {
        const { body } = decodeResponse(w.apiKey as ImplementedApiKey, w.version, frame);
        w.resolve(body);
      } catch (err) {
        w.reject(err as Error);
      }
    }
  }
}
