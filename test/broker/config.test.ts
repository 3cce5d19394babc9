import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import {
  brokerConfigDefaults,
  ConfigError,
  parseControllerVoters,
  quorumVoters,
  resolveBrokerConfig,
} from '../../broker/config.js';

t.test('defaults match the README: ./data, 127.0.0.1:9092, node 1, admin 9644', async (t) => {
  const c = resolveBrokerConfig({ env: {} });
  t.same(
    [c.dataDir, c.host, c.port, c.nodeId, c.adminPort, c.autoCreateTopics],
    ['./data', '127.0.0.1', 9092, 1, 9644, true],
  );
  t.equal(c.socketRequestBytesMax, 104_857_600);
});

t.test('file < environment < flags; Kafka names, camelCase and SAMSA_ names all work', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'samsa-config-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const props = join(dir, 'broker.properties');
  writeFileSync(
    props,
    '# a comment\nnum.partitions=3\nauto.create.topics.enable=false\nport = 9100\nlog.dirs=/from/file\n',
  );
  const fromFile = resolveBrokerConfig({ file: props, env: {} });
  t.same(
    [fromFile.defaultPartitions, fromFile.autoCreateTopics, fromFile.port, fromFile.dataDir],
    [3, false, 9100, '/from/file'],
  );

  const env = { SAMSA_PORT: '9200', SAMSA_DATA_DIR: '/from/env', SAMSA_BROKERS: 'ignored:1' };
  const fromEnv = resolveBrokerConfig({ file: props, env });
  t.same([fromEnv.port, fromEnv.dataDir, fromEnv.defaultPartitions], [9200, '/from/env', 3]);

  const fromFlags = resolveBrokerConfig({ file: props, env, flags: { port: '9300', dataDir: undefined } });
  t.same(
    [fromFlags.port, fromFlags.dataDir],
    [9300, '/from/env'],
    'flags win; an absent flag does not override',
  );

  const json = join(dir, 'broker.json');
  writeFileSync(json, JSON.stringify({ nodeId: 7, 'message.max.bytes': 2048 }));
  const fromJson = resolveBrokerConfig({ env: { SAMSA_CONFIG: json } });
  t.same([fromJson.nodeId, fromJson.messageBytesMax], [7, 2048], 'SAMSA_CONFIG names the file');
});

t.test('port 0 makes the admin server pick a free port too, unless one is given', async (t) => {
  t.equal(resolveBrokerConfig({ env: {}, flags: { port: '0' } }).adminPort, 0);
  t.equal(resolveBrokerConfig({ env: {}, flags: { port: '0', adminPort: '-1' } }).adminPort, -1);
  t.equal(resolveBrokerConfig({ env: { SAMSA_ADMIN_PORT: '9700' }, flags: { port: '0' } }).adminPort, 9700);
});

t.test('bad settings are refused with a message naming them', async (t) => {
  t.throws(() => resolveBrokerConfig({ env: { SAMSA_PORT: 'abc' } }), {
    name: 'Error',
    message: /port must be an integer/,
  });
  t.throws(() => resolveBrokerConfig({ env: {}, flags: { port: '70000' } }), /between 0 and 65535/);
  t.throws(
    () => resolveBrokerConfig({ env: { SAMSA_NO_SUCH_THING: '1' } }),
    /unknown setting "NO_SUCH_THING"/,
  );
  t.throws(() => resolveBrokerConfig({ env: { SAMSA_AUTO_CREATE_TOPICS: 'maybe' } }), /true or false/);
  t.throws(
    () => resolveBrokerConfig({ file: '/nonexistent/samsa.properties', env: {} }),
    /cannot read config file/,
  );
  const err = (() => {
    try {
      resolveBrokerConfig({
        env: { SAMSA_MESSAGE_BYTES_MAX: String(brokerConfigDefaults.socketRequestBytesMax + 1) },
      });
    } catch (e) {
      return e;
    }
  })();
  t.ok(err instanceof ConfigError);
});

t.test('cluster mode: controller.quorum.voters is parsed and checked with clear errors', async (t) => {
  const voters = '1@127.0.0.1:9093,2@host-b:9095,3@127.0.0.1:9097';
  const c = resolveBrokerConfig({ env: {}, flags: { nodeId: '2', controllerVoters: voters } });
  t.same(
    [...parseControllerVoters(c.controllerVoters)],
    [
      [1, { host: '127.0.0.1', port: 9093 }],
      [2, { host: 'host-b', port: 9095 }],
      [3, { host: '127.0.0.1', port: 9097 }],
    ],
  );
  t.equal(brokerConfigDefaults.controllerVoters, '', 'none unless configured');
  t.same(
    [...quorumVoters(resolveBrokerConfig({ env: {}, flags: { nodeId: '7', host: '127.0.0.2' } }))],
    [[7, { host: '127.0.0.2', port: 0 }]],
    'without voters the node alone is the quorum, on any free controller port',
  );
  t.same(
    [...quorumVoters(resolveBrokerConfig({ env: {}, flags: { controllerPort: '9093' } }))],
    [[1, { host: '127.0.0.1', port: 9093 }]],
    'or on controller.port',
  );
  t.same(
    [...quorumVoters(c)].map(([id]) => id),
    [1, 2, 3],
    'with voters, those',
  );
  const fails = (flags: Record<string, unknown>, pattern: RegExp) =>
    t.throws(() => resolveBrokerConfig({ env: {}, flags }), { message: pattern });
  fails({ nodeId: '1', controllerVoters: '0@h:1,1@h:2' }, /node ids must be 1 or more/);
  fails({ nodeId: '0' }, /node.id must be 1 or more/);
  fails({ nodeId: '0', controllerVoters: voters }, /node.id must be 1 or more/);
  t.equal(
    resolveBrokerConfig({ env: {}, flags: { nodeId: '4', controllerVoters: voters } }).nodeId,
    4,
    'a node that is not a voter is an observer',
  );
  fails(
    { nodeId: '4', controllerVoters: voters, controllerPort: '70000' },
    /controller.port must be between 0 and 65535/,
  );
  fails({ nodeId: '4', controllerVoters: voters, host: '0.0.0.0' }, /set --advertised-host/);
  fails({ nodeId: '1', controllerVoters: '1@h' }, /expected id@host:port/);
  fails({ nodeId: '1', controllerVoters: '1@h:1,1@h:2' }, /node 1 is listed twice/);
  fails({ nodeId: '1', controllerVoters: voters, controllerPort: '9999' }, /differs from node 1's entry/);
  t.equal(
    resolveBrokerConfig({ env: {}, flags: { nodeId: '1', controllerVoters: voters, controllerPort: '9093' } })
      .controllerPort,
    9093,
  );
});

t.test('leader rebalancing settings take Kafka names and are checked', async (t) => {
  const c = resolveBrokerConfig({
    env: { SAMSA_AUTO_LEADER_REBALANCE: 'false' },
    flags: { 'leader.imbalance.check.interval.seconds': '30' },
  });
  t.equal(c.autoLeaderRebalance, false);
  t.equal(c.leaderImbalanceCheckIntervalSeconds, 30);
  t.throws(() => resolveBrokerConfig({ env: {}, flags: { leaderImbalanceCheckIntervalSeconds: '0' } }), {
    message: /leaderImbalanceCheckIntervalSeconds must be greater than 0/,
  });
});

t.test(
  'advertised.port: the listen port by default, 1..65535 when set, and it is what metadata says',
  async (t) => {
    t.equal(resolveBrokerConfig({ env: {} }).advertisedPort, -1, 'default: the listen port');
    const dir = mkdtempSync(join(tmpdir(), 'samsa-config-'));
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'broker.properties');
    writeFileSync(file, 'advertised.port=19092\nadvertised.host.name=proxy.example\n');
    const fromFile = resolveBrokerConfig({ file, env: {} });
    t.same(
      [fromFile.advertisedPort, fromFile.advertisedHost],
      [19092, 'proxy.example'],
      'Kafka names in a file',
    );
    t.equal(
      resolveBrokerConfig({ env: {}, flags: { advertisedPort: '29092' } }).advertisedPort,
      29092,
      'the flag',
    );
    t.equal(
      resolveBrokerConfig({ env: { SAMSA_ADVERTISED_PORT: '39092' } }).advertisedPort,
      39092,
      'the environment',
    );
    t.throws(
      () => resolveBrokerConfig({ env: {}, flags: { advertisedPort: '0' } }),
      /advertised.port must be between 1 and 65535/,
    );
    t.throws(() => resolveBrokerConfig({ env: {}, flags: { advertisedPort: '70000' } }), /got 70000/);
  },
);
