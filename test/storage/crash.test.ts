/**
 * Crash test: a child appends in a loop and reports each completed append; we SIGKILL it at
 * random points (chosen by how many reports we have read), recover, and check that every
 * reported append is present, in order, and that the log ends on a valid batch. Repeated on
 * the same data directory so each run also recovers from the previous kill.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { scanBatches } from '../../protocol/record-batch.js';
import { LogManager } from '../../storage/log-manager.js';
import { prng, seedFromEnv } from './fixtures/batches.js';

const fixture = fileURLToPath(new URL('./fixtures/crash-appender.js', import.meta.url));
const ROUNDS = Number(process.env['CRASH_ROUNDS'] ?? 30);

interface Reported {
  first: number;
  last: number;
  crcs: number[];
}

function runUntilKilled(dataDir: string, seed: number, killAfter: number): Promise<Reported[]> {
  return new Promise((resolve, reject) => {
    // Without tap's NODE_OPTIONS loaders: the child is a plain, fast node process.
    const env = { ...process.env, NODE_OPTIONS: '' };
    const child = spawn(process.execPath, [fixture, dataDir, String(seed)], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env,
    });
    const reported: Reported[] = [];
    const started = performance.now();
    let buffered = '';
    let stderr = '';
    let killed = false;
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.stdout.on('data', (d: Buffer) => {
      buffered += d.toString();
      let nl = buffered.indexOf('\n');
      while (nl >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        nl = buffered.indexOf('\n');
        if (line.startsWith('ready')) {
          if (process.env['CRASH_DEBUG']) console.error('ready', performance.now() - started);
          if (killAfter === 0 && !killed) {
            killed = true;
            child.kill('SIGKILL');
          }
          continue;
        }
        const [first, last, crcs] = line.split(' ');
        reported.push({ first: Number(first), last: Number(last), crcs: crcs!.split(',').map(Number) });
        if (reported.length >= killAfter && !killed) {
          killed = true;
          child.kill('SIGKILL');
        }
      }
    });
    child.on('exit', (code, signal) => {
      if (process.env['CRASH_DEBUG']) console.error('exit', performance.now() - started, reported.length);
      if (signal === 'SIGKILL') resolve(reported);
      else reject(new Error(`child exited with ${code}: ${stderr}`));
    });
  });
}

t.test('kill -9 while appending: every reported append survives, in order', async (t) => {
  const seed = seedFromEnv();
  t.comment(`seed ${seed} (rerun with SEED=${seed})`);
  const rnd = prng(seed);
  const dataDir = t.testdir();
  const all: Reported[] = [];
  let truncations = 0;
  const ms = { child: 0, recover: 0, verify: 0 };
  for (let round = 0; round < ROUNDS; round++) {
    const killAfter = Math.floor(rnd() * rnd() * 300);
    let t0 = performance.now();
    const reported = await runUntilKilled(dataDir, seed + round, killAfter);
    ms.child += performance.now() - t0;
    t0 = performance.now();
    all.push(...reported);
    const m = await LogManager.open({ dataDir });
    ms.recover += performance.now() - t0;
    t0 = performance.now();
    const log = m.log('c', 0)!;
    if (log.recoveryReport.truncatedBytes > 0) truncations++;
    const bytes = log.dumpBytes();
    const scan = scanBatches(bytes);
    if (scan.error) {
      t.fail(`round ${round}: log does not end on a valid batch: ${scan.error.message} (seed ${seed})`);
      return;
    }
    const byBase = new Map(scan.batches.map((b) => [b.baseOffset, b]));
    let prevLast = -1;
    for (const r of all) {
      let offset = r.first;
      for (const crc of r.crcs) {
        const b = byBase.get(offset);
        if (!b || b.crc !== crc) {
          t.fail(`round ${round}: reported batch at ${offset} missing or different (seed ${seed})`);
          return;
        }
        offset = b.lastOffset + 1;
      }
      if (offset - 1 !== r.last || r.first <= prevLast) {
        t.fail(`round ${round}: reported append ${r.first}..${r.last} out of order (seed ${seed})`);
        return;
      }
      prevLast = r.last;
    }
    if (log.logEndOffset < prevLast + 1) {
      t.fail(`round ${round}: log end ${log.logEndOffset} below the last reported ${prevLast}`);
      return;
    }
    await m.close();
    ms.verify += performance.now() - t0;
  }
  t.comment(
    `time (ms): child ${ms.child.toFixed(0)}, recovery ${ms.recover.toFixed(0)}, verify ${ms.verify.toFixed(0)}`,
  );
  t.ok(
    all.length > 0,
    `${all.length} reported appends over ${ROUNDS} kills, ${truncations} torn tails truncated`,
  );
});
