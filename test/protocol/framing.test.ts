import t from 'tap';
import { ApiKey, apiKeyName } from '../../protocol/api-keys.js';
import { apiSchemaList, implementedApiVersions } from '../../protocol/apis/index.js';
import {
  concatChunks,
  decodeRequestFrame,
  encodeRequest,
  encodeResponse,
  isSupported,
  requestHeaderVersion,
  responseHeaderVersion,
} from '../../protocol/framing.js';

t.test('header versions', async (t) => {
  t.equal(requestHeaderVersion(ApiKey.ApiVersions, 3), 2);
  t.equal(requestHeaderVersion(ApiKey.ApiVersions, 2), 1);
  t.equal(responseHeaderVersion(ApiKey.ApiVersions, 3), 0, 'ApiVersions responses always use v0');
  t.equal(requestHeaderVersion(ApiKey.Produce, 9), 2);
  t.equal(requestHeaderVersion(ApiKey.Produce, 8), 1);
  t.equal(responseHeaderVersion(ApiKey.Produce, 9), 1);
  t.equal(responseHeaderVersion(ApiKey.Fetch, 11), 0);
  t.equal(responseHeaderVersion(ApiKey.Fetch, 12), 1);
  t.equal(responseHeaderVersion(ApiKey.Metadata, 9), 1);
  t.equal(responseHeaderVersion(ApiKey.DescribeCluster, 0), 1);
  t.equal(responseHeaderVersion(ApiKey.OffsetDelete, 0), 0);
});

t.test('registry', async (t) => {
  t.equal(apiKeyName(0), 'Produce');
  t.equal(apiKeyName(424), 'Unknown(424)');
  for (const a of apiSchemaList) {
    t.equal(a.request.apiKey, a.apiKey);
    t.equal(a.response.apiKey, a.apiKey);
    t.equal(apiKeyName(a.apiKey), a.name);
    t.ok(isSupported(a.apiKey, a.minVersion) && isSupported(a.apiKey, a.maxVersion));
    t.notOk(isSupported(a.apiKey, a.maxVersion + 1));
  }
  const list = implementedApiVersions();
  t.same(
    list.find((a) => a.apiKey === ApiKey.Metadata),
    { apiKey: 3, minVersion: 0, maxVersion: 9 },
  );
  t.same(
    list.find((a) => a.apiKey === ApiKey.Fetch),
    { apiKey: 1, minVersion: 4, maxVersion: 12 },
  );
  t.same(
    list.find((a) => a.apiKey === ApiKey.Produce),
    { apiKey: 0, minVersion: 0, maxVersion: 9 },
  );
  t.equal(list.length, 27);
});

t.test('decodeRequestFrame gives header and body', async (t) => {
  const f = concatChunks(
    encodeRequest(ApiKey.Heartbeat, 4, 5, 'c', {
      groupId: 'g',
      generationId: 3,
      memberId: 'm',
      groupInstanceId: null,
    }),
  ).subarray(4);
  const { header, body } = decodeRequestFrame(f);
  t.equal(header.apiKey, 12);
  t.same(body, { groupId: 'g', generationId: 3, memberId: 'm', groupInstanceId: null });
});

t.test('ApiVersions v0 fallback answer for an unknown version carries error 35 and the list', async (t) => {
  const out = concatChunks(
    encodeResponse(ApiKey.ApiVersions, 0, 9, { errorCode: 35, apiKeys: implementedApiVersions() }),
  );
  t.equal(out.readInt32BE(4), 9);
  t.equal(out.readInt16BE(8), 35);
  t.equal(out.readInt32BE(10), 27);
});

t.test('encoding skips fields the version lacks, and missing properties take defaults', async (t) => {
  const a = concatChunks(
    encodeRequest(ApiKey.Produce, 2, 1, null, {
      transactionalId: 'tx',
      acks: 1,
      timeoutMs: 5,
      topicData: [],
    }),
  );
  const b = concatChunks(encodeRequest(ApiKey.Produce, 2, 1, null, { acks: 1, timeoutMs: 5, topicData: [] }));
  t.ok(a.equals(b));
  t.throws(
    () =>
      encodeRequest(ApiKey.Produce, 7, 1, null, {
        acks: 1,
        timeoutMs: 5,
        topicData: [{ name: null as unknown as string, partitionData: [] }],
      }),
    {
      name: 'EncodeError',
    },
  );
});

t.test('malformed objects to encode are EncodeErrors', async (t) => {
  t.throws(
    () => encodeRequest(ApiKey.Produce, 7, 1, null, { acks: 1, timeoutMs: 5, topicData: [null as never] }),
    { name: 'EncodeError' },
  );
  t.throws(() => encodeRequest(ApiKey.Metadata, 0, 1, null, { topics: null as never }), {
    name: 'EncodeError',
  });
  t.throws(() => encodeRequest(ApiKey.Metadata, 9, 1, null, { topics: 'x' as never }), {
    name: 'EncodeError',
  });
});
