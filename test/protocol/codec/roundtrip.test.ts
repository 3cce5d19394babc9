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
import { Reader } from '../../../protocol/reader.js';
import { compileMessage, setCodeGeneration } from '../../../protocol/schema/engine.js';
import type { MessageSchema } from '../../../protocol/schema/types.js';
import { Writer } from '../../../protocol/writer.js';
import { prng, sampleBody, versionsOf } from './samples.js';

// biome-ignore lint/suspicious/noExplicitAny: the test walks every API generically
type AnyKey = any;

t.test('every API, every version, request and response round-trip', async (t) => {
  const rnd = prng(20261122);
  let cases = 0;
  for (const api of apiSchemaList) {
    for (const v of versionsOf(api.request)) {
      for (let i = 0; i < 8; i++) {
        const rq = sampleBody(api.request, v, rnd);
        const frame = concatChunks(
          encodeRequest(api.apiKey as AnyKey, v, 1000 + i, i % 2 ? null : 'samsa-test', rq.input as AnyKey),
        );
        t.equal(frame.readInt32BE(0), frame.length - 4, `${api.name} v${v} request size prefix`);
        const h = decodeRequestHeader(frame.subarray(4));
        t.equal(h.correlationId, 1000 + i);
        t.equal(h.clientId, i % 2 ? null : 'samsa-test');
        t.equal(h.supported, true);
        const body = decodeRequest(api.apiKey as AnyKey, v, frame.subarray(4), h.bodyOffset);
        t.same(body, rq.expected, `${api.name}Request v${v} #${i}`);
        // Re-encoding the decoded object gives the same bytes.
        const again = concatChunks(
          encodeRequest(api.apiKey as AnyKey, v, 1000 + i, i % 2 ? null : 'samsa-test', body),
        );
        t.ok(again.equals(frame), `${api.name}Request v${v} #${i} re-encodes identically`);

        const rs = sampleBody(api.response, v, rnd);
        const rframe = concatChunks(encodeResponse(api.apiKey as AnyKey, v, 7 + i, rs.input as AnyKey));
        t.equal(rframe.readInt32BE(0), rframe.length - 4);
        const dec = decodeResponse(api.apiKey as AnyKey, v, rframe.subarray(4));
        t.equal(dec.correlationId, 7 + i);
        t.same(dec.body, rs.expected, `${api.name}Response v${v} #${i}`);
        cases += 2;
      }
    }
  }
  t.ok(cases > 300, `${cases} cases`);
});

t.test('every property is present after decoding, even from an empty object', async (t) => {
  for (const api of apiSchemaList) {
    for (const v of versionsOf(api.request)) {
      const frame = concatChunks(encodeRequest(api.apiKey as AnyKey, v, 1, null, {} as AnyKey)).subarray(4);
      const h = decodeRequestHeader(frame);
      const body = decodeRequest(api.apiKey as AnyKey, v, frame, h.bodyOffset) as unknown as Record<
        string,
        unknown
      >;
      t.same(
        Object.keys(body),
        api.request.fields.map((f) => f.name),
        `${api.name} v${v}`,
      );
    }
  }
});

t.test('interpreted and generated struct codecs agree on every API and version', async (t) => {
  const rnd = prng(99);
  const both = (schema: MessageSchema, v: number) => {
    setCodeGeneration(false);
    const interpreted = compileMessage(schema, v);
    setCodeGeneration(true);
    return [interpreted, compileMessage(schema, v)] as const;
  };
  for (const api of apiSchemaList) {
    for (const v of versionsOf(api.request)) {
      for (const schema of [api.request, api.response]) {
        const [a, b] = both(schema, v);
        for (let i = 0; i < 4; i++) {
          const s = sampleBody(schema, v, rnd);
          const wa = new Writer();
          a.encode(wa, s.input);
          const wb = new Writer();
          b.encode(wb, s.input);
          const bytes = Buffer.concat(wa.finish());
          t.ok(bytes.equals(Buffer.concat(wb.finish())), `${schema.name} v${v} encodes alike`);
          const ra = new Reader(bytes);
          const rb = new Reader(bytes);
          t.same(a.decode(ra), b.decode(rb), `${schema.name} v${v} decodes alike`);
          t.equal(ra.failed || rb.failed, false);
        }
      }
    }
  }
});
