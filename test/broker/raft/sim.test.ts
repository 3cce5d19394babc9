/**
 * The deterministic Raft simulation over many seeds (see simulation.ts for what it does and
 * checks). RAFT_SIM_SEEDS sets how many seeds (default 2000; try 50000 for a soak),
 * RAFT_SIM_SEED_BASE where they start, RAFT_SIM_SEED replays exactly one.
 */
import t from 'tap';
import { RaftNode } from '../../../broker/raft/raft-node.js';
import { runSimulation, type SimOptions } from './simulation.js';

const SEEDS_DEFAULT = 2000;
const only = process.env['RAFT_SIM_SEED'];
const seeds = Number(process.env['RAFT_SIM_SEEDS'] ?? SEEDS_DEFAULT);
const base = Number(process.env['RAFT_SIM_SEED_BASE'] ?? 1);

function replayCommand(seed: number): string {
  return `RAFT_SIM_SEED=${seed} npx tap dist/test/broker/raft/sim.test.js`;
}

t.test('every seed keeps Raft safe and live', async (t) => {
  const list = only !== undefined ? [Number(only)] : Array.from({ length: seeds }, (_, i) => base + i);
  const started = Date.now();
  const failures: string[] = [];
  let committed = 0;
  let crashes = 0;
  let snapshots = 0;
  let reads = 0;
  let withObservers = 0;
  for (const seed of list) {
    const r = runSimulation({ seed });
    if (r.stats.observers > 0) withObservers++;
    committed += r.stats.committed;
    crashes += r.stats.crashes;
    snapshots += r.stats.snapshotsInstalled;
    reads += r.stats.readsConfirmed;
    if (r.violation) {
      failures.push(
        `seed ${seed} (${r.stats.nodes} voters, ${r.stats.observers} observers): ${r.violation}\n  replay: ${replayCommand(seed)}`,
      );
      if (failures.length >= 5) break;
    }
  }
  for (const f of failures) t.fail(f);
  t.equal(failures.length, 0, `${list.length} seeds without a violation`);
  // The runs must actually exercise the protocol, or passing means nothing.
  t.ok(committed >= list.length * 50, `entries committed: ${committed}`);
  t.ok(crashes >= list.length, `crashes: ${crashes}`);
  if (list.length >= 50) t.ok(snapshots > 0, `snapshots installed: ${snapshots}`);
  t.ok(reads > 0, `linearizable reads confirmed: ${reads}`);
  if (list.length >= 50) t.ok(withObservers >= list.length / 4, `runs with observers: ${withObservers}`);
  t.comment(`${list.length} seeds in ${Date.now() - started} ms`);
});

t.test('the same seed replays the same run', async (t) => {
  const a = runSimulation({ seed: 4242 });
  const b = runSimulation({ seed: 4242 });
  t.same(a, b);
});

/** The first seed (of `limit`) on which the simulation reports a violation. */
function firstFailure(
  opts: Omit<SimOptions, 'seed'>,
  limit: number,
): { seed: number; violation: string } | undefined {
  for (let seed = 1; seed <= limit; seed++) {
    const r = runSimulation({ seed, ...opts });
    if (r.violation) return { seed, violation: r.violation };
  }
  return undefined;
}

t.test('the checker catches a disk that forgets the vote on restart', async (t) => {
  const f = firstFailure({ forgetVoteOnRestart: true }, 500);
  t.ok(f, 'a violation was found');
  t.match(f?.violation, /two leaders in term|lacks committed entry|applied entry .* but term/);
  t.comment(`caught at seed ${f?.seed}: ${f?.violation}`);
  // And the failure replays from its seed.
  t.equal(runSimulation({ seed: f!.seed, forgetVoteOnRestart: true }).violation, f?.violation);
});

t.test('the checker catches a driver that sends before the Ready is durable', async (t) => {
  const f = firstFailure({ sendBeforeSync: true }, 500);
  t.ok(f, 'a violation was found');
  t.comment(`caught at seed ${f?.seed}: ${f?.violation}`);
});

/** Broken on purpose: observers' progress counts toward the commit quorum. */
class ObserversCountNode extends RaftNode {
  protected override countsTowardQuorum(): boolean {
    return true;
  }
}

t.test('the checker catches a leader that counts observers toward the quorum', async (t) => {
  const f = firstFailure({ makeNode: (c, i) => new ObserversCountNode(c, i) }, 500);
  t.ok(f, 'a violation was found');
  t.match(f?.violation, /lacks committed entry|applied entry .* but term/);
  t.comment(`caught at seed ${f?.seed}: ${f?.violation}`);
});
