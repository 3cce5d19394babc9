/**
 * Every peer broker the suite compares Samsa with, and a runner that gives each its own
 * private directory under `opts.dir` and never lets one peer's failure stop the others.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { errorMessage } from './measure.js';
import { natsJetStream } from './nats-jetstream.js';
import { rabbitmqStreams } from './rabbitmq-streams.js';
import { redisStreams } from './redis-streams.js';
import type { Peer, PeerName, PeerResult, PeerRunOptions } from './types.js';

export type { Peer, PeerName, PeerResult, PeerRunOptions, Throughput } from './types.js';

/** The peers in the order they run. */
export const peers: Peer[] = [natsJetStream, redisStreams, rabbitmqStreams];

/**
 * Run the peers one after another (all of them, or those named in `only`), each in
 * `<opts.dir>/<peer name>`. A peer that throws despite its contract is reported as a failed
 * run, not propagated.
 */
export async function runPeers(opts: PeerRunOptions & { only?: PeerName[] }): Promise<PeerResult[]> {
  const unknown = opts.only?.filter((name) => !peers.some((p) => p.name === name)) ?? [];
  if (unknown.length > 0) {
    throw new Error(
      `unknown peer(s) ${unknown.join(', ')}: choose from ${peers.map((p) => p.name).join(', ')}`,
    );
  }
  const results: PeerResult[] = [];
  for (const peer of peers) {
    if (opts.only && !opts.only.includes(peer.name)) continue;
    const dir = join(opts.dir, peer.name);
    mkdirSync(dir, { recursive: true });
    try {
      results.push(await peer.run({ ...opts, dir }));
    } catch (err) {
      results.push({
        peer: peer.name,
        available: false,
        reason: `the peer threw: ${errorMessage(err)}`,
        config: [],
        notes: [],
      });
    }
  }
  return results;
}
