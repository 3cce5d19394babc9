import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { DEFAULT_LOG_CONFIG } from '../../storage/config.js';
import { LogManager, parseLogConfig } from '../../storage/log-manager.js';
import { makeBatch } from './fixtures/batches.js';

t.test('create, append, close cleanly, reopen without recovery', async (t) => {
  const dataDir = t.testdir();
  const m = await LogManager.open({ dataDir, loadParallelism: 2 });
  await m.createTopic('orders', 3, { 'retention.ms': '1000', 'segment.bytes': '4096' });
  t.same(m.topics().get('orders'), {
    partitions: 3,
    configs: { 'retention.ms': '1000', 'segment.bytes': '4096' },
  });
  t.equal(m.log('orders', 0)!.config.retentionMs, 1000);
  t.equal(m.log('orders', 3), undefined);
  await t.rejects(m.createTopic('orders', 1), { code: 'TOPIC_EXISTS' });
  await t.rejects(m.createTopic('bad/name', 1), { code: 'INVALID_TOPIC' });
  await t.rejects(m.createTopic('x', 0), { code: 'INVALID_PARTITIONS' });
  await t.rejects(m.createTopic('y', 1, { 'retention.ms': 'soon' }), {
    code: 'INVALID_CONFIG',
    key: 'retention.ms',
  });
  await t.rejects(m.createTopic('z', 1, { 'no.such.config': '1' }), { code: 'INVALID_CONFIG' });
  t.notOk(m.topics().has('y'));
  for (let p = 0; p < 3; p++) for (let i = 0; i <= p; i++) m.log('orders', p)!.append(makeBatch(2, 50));
  t.ok(existsSync(join(dataDir, 'orders-2', '00000000000000000000.log')));
  await m.close();
  t.ok(existsSync(join(dataDir, '.kafka_cleanshutdown')));
  const rp = readFileSync(join(dataDir, 'recovery-point-offset-checkpoint'), 'utf8');
  t.equal(rp.split('\n')[0], '0');
  t.equal(rp.split('\n')[1], '3');
  t.match(rp, /orders 2 6\n/);

  const m2 = await LogManager.open({ dataDir });
  t.notOk(existsSync(join(dataDir, '.kafka_cleanshutdown')), 'marker removed at open');
  t.same(m2.topics().get('orders')?.configs, { 'retention.ms': '1000', 'segment.bytes': '4096' });
  for (let p = 0; p < 3; p++) {
    const log = m2.log('orders', p)!;
    t.equal(log.logEndOffset, 2 * (p + 1));
    t.equal(log.recoveryReport.hadCleanShutdown, true);
    t.equal(log.recoveryReport.segmentsRecovered, 0);
  }
  await m2.close();
});

t.test('unclean stop: recovery from the recovery point', async (t) => {
  const dataDir = t.testdir();
  const m = await LogManager.open({ dataDir });
  await m.createTopic('a', 1);
  m.log('a', 0)!.append(makeBatch(1, 10));
  m.log('a', 0)!.flush();
  m.checkpointRecoveryPoints();
  m.log('a', 0)!.append(makeBatch(1, 10));
  // no close: simulate a crash
  const m2 = await LogManager.open({ dataDir });
  const log = m2.log('a', 0)!;
  t.equal(log.recoveryReport.hadCleanShutdown, false);
  t.equal(log.logEndOffset, 2);
  t.ok(log.recoveryReport.segmentsRecovered >= 1);
  await m2.close();
});

t.test('add partitions, set configs, delete topic', async (t) => {
  const dataDir = t.testdir();
  const m = await LogManager.open({ dataDir, defaults: { retentionMs: 5000 } });
  await m.createTopic('a', 1);
  t.equal(m.log('a', 0)!.config.retentionMs, 5000, 'manager defaults apply');
  await m.addPartitions('a', 3);
  t.equal(m.topics().get('a')?.partitions, 3);
  t.ok(m.log('a', 2));
  await t.rejects(m.addPartitions('a', 2), { code: 'INVALID_PARTITIONS' });
  await t.rejects(m.addPartitions('nope', 2), { code: 'UNKNOWN_TOPIC' });
  m.setTopicConfigs('a', { 'retention.ms': '1000' });
  t.equal(m.log('a', 1)!.config.retentionMs, 1000, 'applied to live logs');
  t.throws(() => m.setTopicConfigs('a', { 'segment.bytes': '1' }), { code: 'INVALID_CONFIG' });
  t.same(m.topics().get('a')?.configs, { 'retention.ms': '1000' });
  await m.createTopic('b', 2);
  m.log('b', 1)!.append(makeBatch(1, 10));
  m.deleteTopic('b');
  t.throws(() => m.deleteTopic('b'), { code: 'UNKNOWN_TOPIC' });
  t.equal(m.log('b', 1), undefined);
  t.notOk(
    readdirSync(dataDir).some((n) => n.startsWith('b-')),
    'directories removed',
  );
  await m.close();
  const m2 = await LogManager.open({ dataDir });
  t.same([...m2.topics().keys()], ['a']);
  t.same(m2.topics().get('a'), { partitions: 3, configs: { 'retention.ms': '1000' } });
  await m2.createTopic('b', 1);
  t.equal(m2.log('b', 0)!.logEndOffset, 0, 'a re-created topic starts empty');
  await m2.close();
});

t.test('leftovers: -delete dirs removed, orphan dirs removed, missing metadata adopted', async (t) => {
  const dataDir = t.testdir();
  const m = await LogManager.open({ dataDir });
  await m.createTopic('keep', 2);
  await m.createTopic('gone', 1);
  m.log('keep', 1)!.append(makeBatch(1, 10));
  await m.close();
  // an interrupted delete: metadata without "gone" but the dir remains; a -delete dir too
  const { pack, unpack } = await import('msgpackr');
  const metaPath = join(dataDir, 'samsa-topic-metadata');
  const meta = unpack(readFileSync(metaPath)) as { topics: Record<string, unknown> };
  delete meta.topics['gone'];
  writeFileSync(metaPath, pack(meta));
  const { mkdirSync } = await import('node:fs');
  mkdirSync(join(dataDir, 'keep-0.123-delete'));
  const m2 = await LogManager.open({ dataDir });
  t.notOk(existsSync(join(dataDir, 'gone-0')));
  t.notOk(existsSync(join(dataDir, 'keep-0.123-delete')));
  t.same([...m2.topics().keys()], ['keep']);
  await m2.close();
  // metadata file lost: partition directories are adopted with default configs
  const { unlinkSync } = await import('node:fs');
  unlinkSync(metaPath);
  const m3 = await LogManager.open({ dataDir });
  t.same(m3.topics().get('keep'), { partitions: 2, configs: {} });
  t.equal(m3.log('keep', 1)!.logEndOffset, 1);
  await m3.close();
});

t.test('retention through the manager moves the log start offset and checkpoints it', async (t) => {
  const dataDir = t.testdir();
  let now = 10_000_000;
  const m = await LogManager.open({ dataDir, now: () => now });
  await m.createTopic('r', 1, { 'segment.bytes': '1000', 'retention.ms': '60000' });
  const log = m.log('r', 0)!;
  for (let i = 0; i < 20; i++) log.append(makeBatch(1, 200, { timestamp: now }));
  log.highWatermark = log.logEndOffset;
  const segs = log.segmentCount;
  m.runRetention();
  t.equal(log.segmentCount, segs, 'nothing expired yet');
  now += 120_000;
  m.runRetention();
  t.equal(log.segmentCount, 1, 'everything expired: a fresh active segment remains');
  t.equal(log.logStartOffset, 20);
  t.equal(log.logEndOffset, 20);
  t.match(readFileSync(join(dataDir, 'log-start-offset-checkpoint'), 'utf8'), /r 0 20\n/);
  t.throws(() => log.read(5, 100), { code: 'OFFSET_OUT_OF_RANGE' });
  await m.close();
  const m2 = await LogManager.open({ dataDir, now: () => now });
  t.equal(m2.log('r', 0)!.logStartOffset, 20);
  await m2.close();
});

t.test('flush.ms policy via flushDirty', async (t) => {
  const dataDir = t.testdir();
  let now = 0;
  const m = await LogManager.open({ dataDir, now: () => now });
  await m.createTopic('f', 1, { 'flush.ms': '1000' });
  const log = m.log('f', 0)!;
  log.append(makeBatch(3, 10));
  t.equal(log.recoveryPoint, 0);
  m.flushDirty();
  t.equal(log.unflushedMessageCount, 3, 'not yet due');
  now += 1000;
  m.flushDirty();
  t.equal(log.unflushedMessageCount, 0);
  t.equal(log.recoveryPoint, 3);
  await m.close();
});

t.test('parseLogConfig', async (t) => {
  const c = parseLogConfig(
    {
      'cleanup.policy': 'compact,delete',
      'flush.messages': '9223372036854775807',
      'min.insync.replicas': '2',
      'unclean.leader.election.enable': 'false',
      'message.timestamp.type': 'LogAppendTime',
      'segment.jitter.ms': '0',
    },
    DEFAULT_LOG_CONFIG,
  );
  t.same(c.cleanupPolicy, ['compact', 'delete']);
  t.equal(c.flushMessages, Number.MAX_SAFE_INTEGER);
  t.equal(c.minInsyncReplicas, 2);
  t.equal(c.messageTimestampType, 'LogAppendTime');
  t.throws(() => parseLogConfig({ 'segment.bytes': String(2 ** 31) }, DEFAULT_LOG_CONFIG), {
    code: 'INVALID_CONFIG',
    key: 'segment.bytes',
  });
  t.throws(() => parseLogConfig({ 'retention.ms': '-2' }, DEFAULT_LOG_CONFIG), { code: 'INVALID_CONFIG' });
  t.throws(() => parseLogConfig({ 'cleanup.policy': 'shred' }, DEFAULT_LOG_CONFIG), {
    code: 'INVALID_CONFIG',
  });
  t.throws(() => parseLogConfig({ 'unclean.leader.election.enable': 'maybe' }, DEFAULT_LOG_CONFIG), {
    code: 'INVALID_CONFIG',
  });
});

t.test('many partitions recover in parallel after an unclean stop; a pino logger plugs in', async (t) => {
  const { pino } = await import('pino');
  const dataDir = t.testdir();
  const log = pino({ level: 'silent' });
  const m = await LogManager.open({ dataDir, log, loadParallelism: 3 });
  await m.createTopic('p', 12, { 'segment.bytes': '3000' });
  for (let p = 0; p < 12; p++) for (let i = 0; i <= p; i++) m.log('p', p)!.append(makeBatch(2, 200));
  // no close: crash
  const m2 = await LogManager.open({ dataDir, log, loadParallelism: 3 });
  for (let p = 0; p < 12; p++) {
    const l = m2.log('p', p)!;
    t.equal(l.logEndOffset, 2 * (p + 1), `p-${p} recovered`);
    t.equal(l.recoveryReport.hadCleanShutdown, false);
  }
  await m2.close();
});

t.test('the data directory lock refuses a second live process and takes over a dead one', async (t) => {
  const { spawnSync } = await import('node:child_process');
  const dataDir = t.testdir();
  // a live process (our parent, the tap runner, is alive) holds the lock
  writeFileSync(join(dataDir, '.lock'), `${process.ppid}\n`);
  await t.rejects(LogManager.open({ dataDir }), { code: 'DATA_DIR_LOCKED' });
  // a dead process's lock is taken over
  const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
    encoding: 'utf8',
  });
  writeFileSync(join(dataDir, '.lock'), `${dead.stdout}\n`);
  const m = await LogManager.open({ dataDir });
  t.equal(readFileSync(join(dataDir, '.lock'), 'utf8'), `${process.pid}\n`);
  await m.close();
  t.notOk(existsSync(join(dataDir, '.lock')), 'released at close');
});
