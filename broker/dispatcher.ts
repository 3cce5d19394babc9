/**
 * Turns a request frame into a response: decodes the header, finds the handler, checks the
 * version, decodes the body, runs the handler, encodes the answer.
 *
 * Malformed input never crashes the broker: a frame that cannot be decoded, an unknown API
 * key, or an unsupported version (other than ApiVersions, which Kafka answers with error 35 and
 * its version list) closes the connection with a log line saying why.
 */
import type { ImplementedApiKey } from '../protocol/apis/index.js';
import { ErrorCode } from '../protocol/error-codes.js';
import { decodeRequest, decodeRequestHeader, encodeResponse } from '../protocol/framing.js';
import { DecodeError } from '../protocol/reader.js';
import { requestCodec, responseCodec } from '../protocol/schema/codecs.js';
import { CloseConnection, type Connection, type Response } from './connection.js';
import { type ApiRange, apiVersionsResponse } from './handlers/api-versions.js';
import type { ApiHandler, BrokerCore, RequestContext } from './request-context.js';

const API_VERSIONS = 18;

export class Dispatcher {
  private readonly handlers = new Map<number, ApiHandler>();
  /** Broker startup not finished yet: requests wait for it (see holdUntil). */
  private startup: Promise<void> | null = null;
  readonly ranges: ApiRange[];
  private readonly rangeByKey: Map<number, ApiRange>;

  constructor(
    private readonly core: BrokerCore,
    handlers: ApiHandler[],
  ) {
    for (const h of handlers) this.handlers.set(h.apiKey, h);
    this.handlers.set(API_VERSIONS, {
      apiKey: API_VERSIONS,
      minVersion: 0,
      maxVersion: 3,
      handle: () => apiVersionsResponse(this.ranges),
    });
    this.ranges = [...this.handlers.values()]
      .map((h) => this.implementedRange(h))
      .filter((r): r is ApiRange => r !== null)
      .sort((a, b) => a.apiKey - b.apiKey);
    this.rangeByKey = new Map(this.ranges.map((r) => [r.apiKey, r]));
  }

  /** A handler's versions narrowed to those the codec can decode and encode. */
  private implementedRange(h: ApiHandler): ApiRange | null {
    let min = -1;
    let max = -1;
    for (let v = h.minVersion; v <= h.maxVersion; v++) {
      if (requestCodec(h.apiKey, v) && responseCodec(h.apiKey, v)) {
        if (min < 0) min = v;
        max = v;
      } else if (min >= 0) {
        break;
      }
    }
    return min < 0 ? null : { apiKey: h.apiKey, minVersion: min, maxVersion: max };
  }

  private supports(apiKey: number, version: number): boolean {
    const r = this.rangeByKey.get(apiKey);
    return r !== undefined && version >= r.minVersion && version <= r.maxVersion;
  }

  dispatch(frame: Buffer, conn: Connection): Response | Promise<Response> {
    let header: ReturnType<typeof decodeRequestHeader>;
    try {
      header = decodeRequestHeader(frame);
    } catch (err) {
      throw new CloseConnection(`malformed request header: ${(err as Error).message}`);
    }
    const { apiKey, apiVersion, correlationId } = header;
    if (!this.supports(apiKey, apiVersion)) {
      if (apiKey === API_VERSIONS) {
        // Kafka answers an ApiVersions version it does not know with a v0 response carrying
        // UNSUPPORTED_VERSION and the versions it does support, so the client can pick one.
        return encodeResponse(
          API_VERSIONS,
          0,
          correlationId,
          apiVersionsResponse(this.ranges, ErrorCode.UNSUPPORTED_VERSION) as never,
        );
      }
      const known = this.handlers.has(apiKey);
      throw new CloseConnection(
        known
          ? `unsupported version ${apiVersion} of api key ${apiKey} (client ${header.clientId ?? '?'})`
          : `unknown api key ${apiKey} (client ${header.clientId ?? '?'})`,
      );
    }
    let request: unknown;
    try {
      request = decodeRequest(apiKey as ImplementedApiKey, apiVersion, frame, header.bodyOffset);
    } catch (err) {
      if (err instanceof DecodeError) {
        throw new CloseConnection(`malformed request (api key ${apiKey} v${apiVersion}): ${err.message}`);
      }
      throw err;
    }
    const ctx: RequestContext = {
      core: this.core,
      apiKey,
      apiVersion,
      correlationId,
      clientId: header.clientId,
      clientHost: conn.clientHost,
    };
    const handler = this.handlers.get(apiKey)!;
    // Until the broker has joined its cluster, requests wait (ApiVersions needs no state): the
    // listener opens first so the broker can register the port it got.
    if (this.startup && apiKey !== API_VERSIONS) {
      const startup = this.startup;
      return startup.then(() => this.handle(handler, request, ctx));
    }
    return this.handle(handler, request, ctx);
  }

  /**
   * Hold every request but ApiVersions until `until` settles (broker startup). How many wait is
   * bounded per connection by its in-flight limit, and by the connection limit overall.
   */
  holdUntil(until: Promise<unknown>): void {
    const startup: Promise<void> = until.then(
      () => {},
      () => {},
    );
    this.startup = startup;
    void startup.then(() => {
      if (this.startup === startup) this.startup = null;
    });
  }

  private handle(handler: ApiHandler, request: unknown, ctx: RequestContext): Response | Promise<Response> {
    const { apiKey, apiVersion, correlationId } = ctx;
    const started = performance.now();
    const result = handler.handle(request, ctx);
    const encode = (body: unknown): Response => {
      this.core.metrics.request(apiKey, (performance.now() - started) / 1000);
      if (body === null) return null;
      return encodeResponse(apiKey as ImplementedApiKey, apiVersion, correlationId, body as never);
    };
    return result instanceof Promise ? result.then(encode) : encode(result);
  }
}
