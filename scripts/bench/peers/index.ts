/** Every peer broker the suite compares Samsa with. (Placeholder until the peers land.) */
import type { Peer, PeerResult, PeerRunOptions } from './types.js';

export const peers: Peer[] = [];

export async function runPeers(opts: PeerRunOptions): Promise<PeerResult[]> {
  const results: PeerResult[] = [];
  for (const peer of peers) results.push(await peer.run(opts));
  return results;
}
