/**
 * Cross-check against kafka-python 2.0.2 (Debian python3-kafka, /usr/bin/python3): random
 * request and response bodies encoded by its own protocol classes, for every (api key, version)
 * it shares with Samsa, decode here and re-encode to the same bytes.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { type ImplementedApiKey, implementedApiVersions } from '../../../protocol/apis/index.js';
import {
  concatChunks,
  decodeRequest,
  decodeResponse,
  encodeRequest,
  encodeResponse,
} from '../../../protocol/framing.js';

const python = '/usr/bin/python3';
const script = fileURLToPath(
  new URL('../../../../test/protocol/codec/kafka-python-samples.py', import.meta.url),
);

/**
 * kafka-python classes whose schema disagrees with Kafka's message definitions (kafka-python
 * bugs, in versions it never sends), checked by hand against Kafka's JSON.
 */
const kafkaPythonSchemaBugs: Record<string, string> = {
  GroupCoordinatorResponse_v1: 'lacks throttle_time_ms (kafka-python only sends FindCoordinator v0)',
  DescribeGroupsResponse_v3: 'authorized_operations outside the groups array',
  OffsetRequest_v4: 'current_leader_epoch as int64 instead of int32 (kafka-python sends ListOffsets v0/v1)',
  OffsetRequest_v5: 'current_leader_epoch as int64 instead of int32',
  ProduceResponse_v8: 'record_errors and error_message at topic level (kafka-python sends Produce up to v7)',
};

interface PySample {
  name: string;
  kind: 'request' | 'response';
  apiKey: number;
  version: number;
  hex: string;
}

t.test('kafka-python bodies decode and re-encode identically', async (t) => {
  const ranges = Object.fromEntries(
    implementedApiVersions().map((a) => [a.apiKey, [a.minVersion, a.maxVersion]]),
  );
  const run = spawnSync(python, [script, '20261122', JSON.stringify(ranges)], {
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });
  if (run.error || run.status !== 0) {
    t.comment(
      `kafka-python not available: ${run.error?.message ?? run.stderr.split('\n').slice(-2).join(' ')}`,
    );
    t.pass('skipped');
    return;
  }
  const { samples, skipped } = JSON.parse(run.stdout) as { samples: PySample[]; skipped: string[] };
  t.ok(
    samples.length > 300,
    `${samples.length} samples (kafka-python cannot encode: ${skipped.join(', ') || 'none'})`,
  );
  const seen = new Set<string>();
  for (const s of samples) {
    if (kafkaPythonSchemaBugs[s.name]) continue;
    const body = Buffer.from(s.hex, 'hex');
    const key = s.apiKey as ImplementedApiKey;
    let again: Buffer;
    try {
      if (s.kind === 'request') {
        const decoded = decodeRequest(key, s.version, body, 0);
        again = concatChunks(encodeRequest(key, s.version, 1, null, decoded)).subarray(4 + 8 + 2);
      } else {
        const frame = Buffer.concat([Buffer.from([0, 0, 0, 9]), body]);
        const decoded = decodeResponse(key, s.version, frame);
        t.equal(decoded.correlationId, 9);
        again = concatChunks(encodeResponse(key, s.version, 9, decoded.body)).subarray(8);
      }
    } catch (e) {
      t.fail(`${s.name}: ${String(e)} on ${s.hex}`);
      continue;
    }
    if (!again.equals(body)) t.fail(`${s.name}: re-encoded ${again.toString('hex')} from ${s.hex}`);
    else seen.add(s.name);
  }
  t.ok(seen.has('ProduceRequest_v7') && seen.has('FetchRequest_v4') && seen.has('MetadataRequest_v5'));
  t.ok(seen.has('CreateTopicsRequest_v3') && seen.has('OffsetRequest_v1') && seen.has('JoinGroupRequest_v2'));
  t.pass(`${seen.size} kafka-python message classes agree`);
});
