import t from 'tap';
import { PeerClient } from '../../../broker/cluster/peer-client.js';
import { startTestBroker } from '../../helpers/broker.js';
import { ChaosProxy } from '../../helpers/chaos-proxy.js';

const listOffsets = { replicaId: -1, isolationLevel: 0, topics: [] };

t.test('the chaos proxy passes, blackholes and resets broker traffic on command', async (t) => {
  const b = await startTestBroker(t);
  const proxy = await ChaosProxy.start(t, { host: b.host, port: b.port });
  const via = () =>
    PeerClient.connect({ host: '127.0.0.1', port: proxy.port, brokerId: 9, requestTimeoutMs: 200 });

  const c1 = await via();
  t.same((await c1.request(2, 5, listOffsets)).topics, [], 'pass: answered through the proxy');
  t.ok(proxy.forwardedBytes > 0);

  proxy.setMode('blackhole');
  await t.rejects(c1.request(2, 5, listOffsets), /no answer to api 2 within 200 ms/, 'blackhole: silence');
  t.ok(proxy.droppedBytes > 0);

  proxy.setMode('pass');
  const c2 = await via();
  t.same((await c2.request(2, 5, listOffsets)).topics, [], 'healed');

  proxy.setMode('reset');
  await t.rejects(c2.request(2, 5, listOffsets), /closed|ECONNRESET/, 'reset: open connections die');
  const c3 = await via();
  await t.rejects(c3.request(2, 5, listOffsets), /closed|ECONNRESET/, 'reset: new connections are closed');
});
