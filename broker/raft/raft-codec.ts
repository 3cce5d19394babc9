/**
 * Raft messages on the wire: msgpack (msgpackr) of the message object, and a validator that
 * turns whatever arrived into a well-formed Message or a BAD_MESSAGE error (a peer's bytes are
 * input like any other: checked, never trusted).
 */
import { Packr } from 'msgpackr';
import { RaftError } from './raft-errors.js';
import { APPEND_BYTES_MAX } from './raft-node.js';
import {
  APP_PAYLOAD_BYTES_MAX,
  type Entry,
  type EntryType,
  MESSAGE_TYPES,
  OBSERVE_HOST_BYTES_MAX,
  SNAPSHOT_DATA_BYTES_MAX,
  type WireMessage,
} from './raft-types.js';

/**
 * Plain msgpack (no record extension: every frame stands alone, across processes and restarts);
 * binary fields are copied out of the read buffer so entries do not pin whole frames or files.
 */
const packer = new Packr({ useRecords: false, copyBuffers: true });

/** Bound on one encoded message: a snapshot message, the largest kind, plus framing. */
export const MESSAGE_BYTES_MAX = SNAPSHOT_DATA_BYTES_MAX + 64 * 1024;
/** Bound on entries in one append message (APPEND_BYTES_MAX allows no more than this). */
export const APPEND_ENTRIES_MAX = Math.ceil(APPEND_BYTES_MAX / 32) + 1;

export function encodeMessage(m: WireMessage): Buffer {
  return packer.pack(m);
}

function bad(why: string): RaftError {
  return new RaftError('BAD_MESSAGE', `malformed Raft message from a peer: ${why}`);
}

function count(o: Record<string, unknown>, key: string): number {
  const v = o[key];
  if (!Number.isSafeInteger(v) || (v as number) < 0) throw bad(`${key} is ${JSON.stringify(v)}, not a count`);
  return v as number;
}

function bool(o: Record<string, unknown>, key: string): boolean {
  const v = o[key];
  if (typeof v !== 'boolean') throw bad(`${key} is not a boolean`);
  return v;
}

function bytes(o: Record<string, unknown>, key: string): Uint8Array {
  const v = o[key];
  if (!(v instanceof Uint8Array)) throw bad(`${key} is not binary`);
  return v;
}

function entry(v: unknown, expectIndex: number): Entry {
  if (typeof v !== 'object' || v === null) throw bad('an entry is not an object');
  const o = v as Record<string, unknown>;
  const index = count(o, 'index');
  if (index !== expectIndex) throw bad(`entry index ${index} where ${expectIndex} was expected`);
  const type = o['type'];
  if (type !== 'data' && type !== 'noop') throw bad(`entry type ${JSON.stringify(type)}`);
  return { index, term: count(o, 'term'), type: type as EntryType, data: bytes(o, 'data') };
}

/** Decode and validate one message; throws RaftError BAD_MESSAGE. */
export function decodeMessage(buf: Uint8Array): WireMessage {
  let v: unknown;
  try {
    v = packer.unpack(buf);
  } catch (err) {
    throw bad(`undecodable msgpack (${(err as Error).message})`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw bad('not an object');
  const o = v as Record<string, unknown>;
  const type = o['type'];
  if (
    typeof type !== 'string' ||
    !(type === 'app' || type === 'observe' || (MESSAGE_TYPES as readonly string[]).includes(type))
  ) {
    throw bad(`unknown type ${JSON.stringify(type)}`);
  }
  const base = { from: count(o, 'from'), to: count(o, 'to'), term: count(o, 'term') };
  if (type === 'observe') {
    const host = o['host'];
    if (typeof host !== 'string' || host.length === 0 || host.length > OBSERVE_HOST_BYTES_MAX)
      throw bad('observe: host must be a non-empty string of at most 255 characters');
    const port = count(o, 'port');
    if (port < 1 || port > 65535) throw bad(`observe: port ${port} outside 1..65535`);
    return { type: 'observe', ...base, host, port };
  }
  if (type === 'app') {
    const payload = bytes(o, 'payload');
    if (payload.length > APP_PAYLOAD_BYTES_MAX) throw bad(`app payload of ${payload.length} bytes`);
    return { type: 'app', ...base, payload };
  }
  switch (type as WireMessage['type']) {
    case 'preVote':
    case 'vote':
      return {
        type: type as 'vote',
        ...base,
        lastIndex: count(o, 'lastIndex'),
        lastTerm: count(o, 'lastTerm'),
      };
    case 'preVoteResp':
    case 'voteResp':
      return { type: type as 'voteResp', ...base, reject: bool(o, 'reject') };
    case 'append': {
      const prevIndex = count(o, 'prevIndex');
      const raw = o['entries'];
      if (!Array.isArray(raw)) throw bad('entries is not an array');
      if (raw.length > APPEND_ENTRIES_MAX) throw bad(`${raw.length} entries, over ${APPEND_ENTRIES_MAX}`);
      return {
        type: 'append',
        ...base,
        prevIndex,
        prevTerm: count(o, 'prevTerm'),
        entries: raw.map((e, i) => entry(e, prevIndex + 1 + i)),
        commit: count(o, 'commit'),
      };
    }
    case 'appendResp':
      return {
        type: 'appendResp',
        ...base,
        reject: bool(o, 'reject'),
        index: count(o, 'index'),
        hintIndex: count(o, 'hintIndex'),
        hintTerm: count(o, 'hintTerm'),
      };
    case 'heartbeat':
      return { type: 'heartbeat', ...base, commit: count(o, 'commit'), ctx: count(o, 'ctx') };
    case 'heartbeatResp':
      return { type: 'heartbeatResp', ...base, ctx: count(o, 'ctx') };
    case 'app':
    case 'observe':
      throw bad(`${type} message handled above`);
    case 'snapshot': {
      const s = o['snapshot'];
      if (typeof s !== 'object' || s === null) throw bad('snapshot is not an object');
      const so = s as Record<string, unknown>;
      return {
        type: 'snapshot',
        ...base,
        snapshot: { index: count(so, 'index'), term: count(so, 'term'), data: bytes(so, 'data') },
      };
    }
  }
}
