/**
 * Frames, request headers (v1, v2) and response headers (v0, v1), and the entry points that
 * decode and encode whole requests and responses of any implemented (api key, version).
 *
 * A frame on the wire is an int32 size followed by that many bytes. Functions taking a `frame`
 * expect the bytes after the size prefix; the encoders return chunks that include the prefix.
 *
 * Header versions: a request uses header v2 when its version is flexible, else v1 (client_id is
 * a classic nullable int16 string in both; v2 adds tagged fields). A response uses header v1
 * when flexible, else v0 — except ApiVersions responses, which always use v0.
 */
import type { ImplementedApiKey, RequestTypes, ResponseTypes } from './apis/index.js';
import { apiSchemas } from './apis/index.js';
import { DecodeError, Reader } from './reader.js';
import { requestCodec, responseCodec } from './schema/codecs.js';
import type { MessageCodec } from './schema/engine.js';
import { skipTaggedFields } from './schema/engine.js';
import { inRange, parseVersionRange } from './schema/types.js';
import { Writer } from './writer.js';

/** Kafka's socket.request.max.bytes default: frames above it are refused before buffering. */
export const requestBytesMaxDefault = 104857600;
const API_VERSIONS_KEY = 18;

export interface RequestHeader {
  apiKey: number;
  apiVersion: number;
  correlationId: number;
  clientId: string | null;
  /** 1 or 2 (0 is never used by current clients). */
  headerVersion: number;
  /** Where the body starts in the frame. */
  bodyOffset: number;
  /** Whether Samsa implements (apiKey, apiVersion). When false the body was not looked at. */
  supported: boolean;
}

/**
 * Reads the int32 size prefix at `offset`: the frame's length, or -1 when fewer than 4 bytes are
 * available. Throws DecodeError for negative sizes or sizes above `maxBytes`.
 */
export function readFrameSize(buf: Buffer, offset = 0, maxBytes = requestBytesMaxDefault): number {
  if (buf.length - offset < 4) return -1;
  const n = buf.readInt32BE(offset);
  if (n < 0) throw new DecodeError('INVALID_LENGTH', 'size', offset, `negative frame size ${n}`);
  if (n > maxBytes)
    throw new DecodeError('LENGTH_TOO_LARGE', 'size', offset, `frame of ${n} bytes above ${maxBytes}`);
  return n;
}

/** Whether Samsa implements this (apiKey, version). */
export function isSupported(apiKey: number, version: number): boolean {
  return requestCodec(apiKey, version) !== undefined;
}

/** Each known API's flexible request versions, parsed once. */
const flexibleRanges = new Map(
  [...apiSchemas].map(([key, api]) => [key, parseVersionRange(api.request.flexibleVersions)]),
);

/** Whether a version of a known API is flexible (also for versions beyond those implemented). */
function isFlexible(apiKey: number, version: number): boolean {
  const range = flexibleRanges.get(apiKey);
  return range !== undefined && inRange(range, version);
}

export function requestHeaderVersion(apiKey: number, version: number): number {
  return isFlexible(apiKey, version) ? 2 : 1;
}

export function responseHeaderVersion(apiKey: number, version: number): number {
  if (apiKey === API_VERSIONS_KEY) return 0;
  return isFlexible(apiKey, version) ? 1 : 0;
}

/**
 * Decodes a request header. Never throws for unknown api keys or versions (they come back with
 * `supported: false`, so the broker can answer with the correlation id); throws DecodeError
 * when the frame is too short for api key, version and correlation id, or when the header of a
 * supported request is malformed.
 */
export function decodeRequestHeader(frame: Buffer): RequestHeader {
  const r = new Reader(frame);
  r.field = 'header.apiKey';
  const apiKey = r.int16();
  r.field = 'header.apiVersion';
  const apiVersion = r.int16();
  r.field = 'header.correlationId';
  const correlationId = r.int32();
  r.check();
  const supported = isSupported(apiKey, apiVersion);
  const headerVersion = requestHeaderVersion(apiKey, apiVersion);
  r.field = 'header.clientId';
  const clientId = r.nullableString(false);
  if (!supported) {
    // Best effort: the body is not decoded, but ApiVersions answers need the correlation id.
    return {
      apiKey,
      apiVersion,
      correlationId,
      clientId: r.failed ? null : clientId,
      headerVersion,
      bodyOffset: r.failed ? frame.length : r.pos,
      supported,
    };
  }
  if (headerVersion >= 2) skipTaggedFields(r);
  r.check();
  return { apiKey, apiVersion, correlationId, clientId, headerVersion, bodyOffset: r.pos, supported };
}

function codecOrThrow(codec: MessageCodec | undefined, apiKey: number, version: number): MessageCodec {
  if (codec) return codec;
  if (!apiSchemas.has(apiKey))
    throw new DecodeError('UNKNOWN_API_KEY', 'header.apiKey', 0, `api key ${apiKey}`);
  throw new DecodeError(
    'UNSUPPORTED_VERSION',
    'header.apiVersion',
    2,
    `api key ${apiKey} version ${version}`,
  );
}

/** Decodes a request body starting at `offset` (a header's bodyOffset). Throws DecodeError. */
export function decodeRequest<K extends ImplementedApiKey>(
  apiKey: K,
  version: number,
  frame: Buffer,
  offset: number,
): RequestTypes[K] {
  const codec = codecOrThrow(requestCodec(apiKey, version), apiKey, version);
  const r = new Reader(frame, offset);
  const body = codec.decode(r);
  r.check();
  return body as unknown as RequestTypes[K];
}

/** A whole request frame (without size prefix) decoded: header and body. Throws DecodeError. */
export function decodeRequestFrame(frame: Buffer): {
  header: RequestHeader;
  body: RequestTypes[ImplementedApiKey];
} {
  const header = decodeRequestHeader(frame);
  const body = decodeRequest(header.apiKey as ImplementedApiKey, header.apiVersion, frame, header.bodyOffset);
  return { header, body };
}

/** Encodes a response frame: size prefix, response header, body. */
export function encodeResponse<K extends ImplementedApiKey>(
  apiKey: K,
  version: number,
  correlationId: number,
  body: ResponseTypes[K],
): Buffer[] {
  const codec = responseCodec(apiKey, version);
  if (!codec) throw new Error(`response ${apiKey} v${version} is not implemented`);
  const w = new Writer();
  const size = w.mark();
  w.int32(0);
  w.int32(correlationId);
  if (responseHeaderVersion(apiKey, version) >= 1) w.uvarint(0);
  codec.encode(w, body as unknown as Record<string, unknown>);
  w.patchInt32(size, w.length - 4);
  return w.finish();
}

/** Encodes a request frame (client side): size prefix, request header, body. */
export function encodeRequest<K extends ImplementedApiKey>(
  apiKey: K,
  version: number,
  correlationId: number,
  clientId: string | null,
  body: RequestTypes[K],
): Buffer[] {
  const codec = requestCodec(apiKey, version);
  if (!codec) throw new Error(`request ${apiKey} v${version} is not implemented`);
  const w = new Writer();
  const size = w.mark();
  w.int32(0);
  w.int16(apiKey);
  w.int16(version);
  w.int32(correlationId);
  w.string(clientId, false);
  if (requestHeaderVersion(apiKey, version) >= 2) w.uvarint(0);
  codec.encode(w, body as unknown as Record<string, unknown>);
  w.patchInt32(size, w.length - 4);
  return w.finish();
}

/** Decodes a response frame (without size prefix; client side). Throws DecodeError. */
export function decodeResponse<K extends ImplementedApiKey>(
  apiKey: K,
  version: number,
  frame: Buffer,
): { correlationId: number; body: ResponseTypes[K] } {
  const codec = codecOrThrow(responseCodec(apiKey, version), apiKey, version);
  const r = new Reader(frame);
  r.field = 'header.correlationId';
  const correlationId = r.int32();
  if (responseHeaderVersion(apiKey, version) >= 1) skipTaggedFields(r);
  const body = codec.decode(r);
  r.check();
  return { correlationId, body: body as unknown as ResponseTypes[K] };
}

/** Concatenates encoder output into one Buffer (tests, small frames). */
export function concatChunks(chunks: readonly Buffer[]): Buffer {
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
}
