/**
 * Samsa against the brokers a user would pick instead (scripts/bench/peers/): Samsa measured
 * with the same record count and size (one partition, acks=1, `samsa bench` in its own
 * process), then every peer through `runPeers`. Unavailable peers come back with their reason.
 */
import { join } from 'node:path';
import { runPeers } from '../peers/index.js';
import { type SuiteContext, samsaBench, startBroker } from '../suite-context.js';
import type { PeersSection } from '../suite-types.js';

/** How durable an acknowledged Samsa record is in these runs. */
export const samsaDurability =
  'acks=1: acknowledged once written to the leader’s log in the page cache; no fsync per message ' +
  '(log.flush.interval.messages/ms unset, as in Kafka’s default). Survives kill -9 of the broker; ' +
  'a power loss can lose what the OS had not written back yet.';

export async function runPeersSection(ctx: SuiteContext): Promise<PeersSection> {
  const { records } = ctx.plan.peers;
  const size = String(ctx.plan.recordBytes);
  const b = await startBroker(ctx, 'peers');
  let samsa: PeersSection['samsa'];
  try {
    const common = ['--records', String(records), '--record-size', size, '--partitions', '1'];
    const produce = await samsaBench(ctx, b.bootstrap, ['produce', 'peers-samsa', ...common, '--acks', '1']);
    const consume = await samsaBench(ctx, b.bootstrap, ['consume', 'peers-samsa', ...common]);
    samsa = { produce, consume, broker: await b.stop(), durability: samsaDurability };
  } finally {
    await b.stop();
  }
  const peers = await runPeers({
    records,
    recordBytes: ctx.plan.recordBytes,
    dir: join(ctx.workDir, 'peers'),
    log: (line) => ctx.log(`  ${line}`),
  });
  for (const p of peers)
    ctx.log(
      `${p.peer}: ${p.available ? `produce ${p.produce?.recordsPerSec ?? '-'} /s, consume ${p.consume?.recordsPerSec ?? '-'} /s` : `unavailable: ${p.reason}`}`,
    );
  return { samsa, peers };
}
