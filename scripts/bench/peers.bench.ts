/**
 * The peer brokers alone (NATS JetStream, Redis Streams, RabbitMQ Streams), each started on
 * 127.0.0.1 in a temporary directory, given the same records, then stopped. Prints a table,
 * then the results as JSON. Install the servers first: scripts/bench/install-peers.sh.
 * Run: node dist/scripts/bench/peers.bench.js [--records 200000] [--record-bytes 100]
 *      [--only redis-streams[,nats-jetstream]] [--dir /tmp] [--keep]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type PeerName, type PeerResult, peers, runPeers } from './peers/index.js';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return undefined;
  const value = process.argv[i + 1];
  if (value === undefined || value.startsWith('--')) throw new Error(`--${name} needs a value`);
  return value;
}

function positiveInt(name: string, def: number): number {
  const raw = arg(name);
  if (raw === undefined) return def;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a whole number ≥ 1, got "${raw}"`);
  return n;
}

function table(results: PeerResult[]): string {
  const rows = [
    ['peer', 'server', 'client', 'produce rec/s', 'MB/s', 'consume rec/s', 'MB/s', 'RSS MiB', 'status'],
  ];
  for (const r of results) {
    rows.push([
      r.peer,
      r.serverVersion ?? '-',
      r.client ?? '-',
      r.produce ? String(r.produce.recordsPerSec) : '-',
      r.produce ? r.produce.mbPerSec.toFixed(2) : '-',
      r.consume ? String(r.consume.recordsPerSec) : '-',
      r.consume ? r.consume.mbPerSec.toFixed(2) : '-',
      r.serverRssMiB !== undefined ? r.serverRssMiB.toFixed(1) : '-',
      !r.available ? `unavailable: ${r.reason}` : r.reason ? `failed: ${r.reason}` : 'ok',
    ]);
  }
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((row) => row[c]!.length)));
  return rows
    .map((row) => row.map((cell, c) => (c === row.length - 1 ? cell : cell.padEnd(widths[c]!))).join('  '))
    .join('\n');
}

async function main(): Promise<void> {
  const records = positiveInt('records', 200_000);
  const recordBytes = positiveInt('record-bytes', 100);
  const onlyArg = arg('only');
  const only = onlyArg?.split(',').map((s) => s.trim()) as PeerName[] | undefined;
  const dir = mkdtempSync(join(arg('dir') ?? tmpdir(), 'samsa-peers-'));
  const log = (line: string) => process.stderr.write(`${line}\n`);
  log(
    `peers: ${only?.join(', ') ?? peers.map((p) => p.name).join(', ')}; ${records} records × ${recordBytes} B; dir ${dir}`,
  );
  try {
    const results = await runPeers({ records, recordBytes, dir, log, ...(only ? { only } : {}) });
    console.log(table(results));
    for (const r of results) {
      for (const line of r.config) console.log(`  ${r.peer} config: ${line}`);
      for (const line of r.notes) console.log(`  ${r.peer} note: ${line}`);
    }
    console.log(JSON.stringify({ records, recordBytes, results }, null, 2));
    if (results.some((r) => r.reason !== undefined)) process.exitCode = 1;
  } finally {
    if (process.argv.includes('--keep')) log(`kept ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 2;
});
