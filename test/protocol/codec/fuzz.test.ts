/**
 * A small seeded fuzzer: mutate valid encodings of every API and version; decoding must either
 * succeed or throw DecodeError. Set SAMSA_FUZZ_SEED to reproduce or vary a run.
 */
import t from 'tap';
import { apiSchemaList } from '../../../protocol/apis/index.js';
import {
  concatChunks,
  decodeRequest,
  decodeRequestHeader,
  decodeResponse,
  encodeRequest,
  encodeResponse,
} from '../../../protocol/framing.js';
import { DecodeError } from '../../../protocol/reader.js';
import { prng, sampleBody, versionsOf } from './samples.js';

// biome-ignore lint/suspicious/noExplicitAny: generic over every API
type AnyKey = any;

const seed = Number(process.env['SAMSA_FUZZ_SEED'] ?? 424242);
const mutationsPerCase = 120;
const INTERESTING = [0x00, 0x01, 0x7f, 0x80, 0xff, 0xfe];

function mutate(src: Buffer, rnd: () => number): Buffer {
  const int = (n: number) => Math.floor(rnd() * n);
  let b = Buffer.from(src);
  const rounds = 1 + int(3);
  for (let k = 0; k < rounds && b.length > 0; k++) {
    const at = int(b.length);
    switch (int(7)) {
      case 0:
        b[at] = int(256);
        break;
      case 1:
        b[at] = INTERESTING[int(INTERESTING.length)]!;
        break;
      case 2:
        if (at + 4 <= b.length) b.writeInt32BE([0x7fffffff, -1, -2, 0x80000000 | 0, 0x10000][int(5)]!, at);
        break;
      case 3:
        if (at + 2 <= b.length) b.writeInt16BE([0x7fff, -1, -2, -32768][int(4)]!, at);
        break;
      case 4:
        b = b.subarray(0, at);
        break;
      case 5: {
        const extra = Buffer.alloc(1 + int(8));
        for (let i = 0; i < extra.length; i++) extra[i] = int(256);
        b = Buffer.concat([b.subarray(0, at), extra, b.subarray(at)]);
        break;
      }
      default:
        b = Buffer.concat([b.subarray(0, at), b.subarray(at + 1 + int(4))]);
    }
  }
  return b;
}

t.test(`mutated frames decode or throw DecodeError (seed ${seed})`, async (t) => {
  const rnd = prng(seed);
  const started = Date.now();
  let decoded = 0;
  let rejected = 0;
  const failures: string[] = [];
  for (const api of apiSchemaList) {
    for (const v of versionsOf(api.request)) {
      const rq = sampleBody(api.request, v, rnd);
      const frame = concatChunks(
        encodeRequest(api.apiKey as AnyKey, v, 1, 'fuzz', rq.input as AnyKey),
      ).subarray(4);
      const rs = sampleBody(api.response, v, rnd);
      const rframe = concatChunks(encodeResponse(api.apiKey as AnyKey, v, 1, rs.input as AnyKey)).subarray(4);
      for (let i = 0; i < mutationsPerCase; i++) {
        const m = mutate(frame, rnd);
        try {
          const h = decodeRequestHeader(m);
          decodeRequest(h.apiKey as AnyKey, h.apiVersion, m, h.bodyOffset);
          decoded++;
        } catch (e) {
          if (e instanceof DecodeError) rejected++;
          else failures.push(`${api.name}Request v${v}: ${String(e)} on ${m.toString('hex')}`);
        }
        const mr = mutate(rframe, rnd);
        try {
          decodeResponse(api.apiKey as AnyKey, v, mr);
          decoded++;
        } catch (e) {
          if (e instanceof DecodeError) rejected++;
          else failures.push(`${api.name}Response v${v}: ${String(e)} on ${mr.toString('hex')}`);
        }
      }
    }
  }
  t.same(failures.slice(0, 5), [], 'no exception other than DecodeError');
  t.ok(decoded > 0 && rejected > 0, `${decoded} decoded, ${rejected} rejected`);
  t.ok(Date.now() - started < 10000, `within 10 s (${Date.now() - started} ms)`);
});
