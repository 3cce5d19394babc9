/**
 * The admin HTTP server (fastify), on its own port (default 9644, 127.0.0.1):
 *   GET /healthz           the process is up
 *   GET /readyz            storage loaded and the Kafka listener accepting (503 otherwise)
 *   GET /metrics           Prometheus text format
 *   GET /v1/brokers        brokers in the cluster
 *   GET /v1/topics         topics with partition counts and config overrides
 *   GET /v1/topics/:name   one topic: partitions, leaders, replicas, ISR, offsets, sizes
 *   GET /v1/groups         consumer groups
 *   GET /v1/groups/:id     one group: members, assignments, committed offsets and lag
 * Parameters are validated with fastify schemas; errors are JSON `{ error, message }`.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import type { BrokerCore } from './request-context.js';
import { isInternalTopic, topicNameLengthMax } from './topic-names.js';

export interface GroupsView {
  list(): unknown[];
  describe(groupId: string): unknown | undefined;
}

export interface AdminHttpOptions {
  host: string;
  port: number;
  core: BrokerCore;
  ready: () => boolean;
  groups: () => GroupsView | undefined;
}

const groupIdLengthMax = 32_767;

export function topicView(core: BrokerCore, name: string) {
  const topics = core.topics;
  const count = topics.partitionCount(name);
  const partitions = [];
  for (let p = 0; p < count; p++) {
    const log = topics.partition(name, p);
    const online = log?.online ?? false;
    partitions.push({
      partition: p,
      leader: online ? core.self().nodeId : -1,
      replicas: [core.self().nodeId],
      isr: online ? [core.self().nodeId] : [],
      online,
      logStartOffset: log?.logStartOffset ?? -1,
      logEndOffset: log?.logEndOffset ?? -1,
      highWatermark: log?.highWatermark ?? -1,
      sizeBytes: log?.sizeBytes ?? 0,
    });
  }
  return {
    name,
    partitions,
    replicationFactor: 1,
    configs: topics.configOverrides(name) ?? {},
    sizeBytes: partitions.reduce((a, p) => a + p.sizeBytes, 0),
  };
}

export async function startAdminHttp(opts: AdminHttpOptions): Promise<FastifyInstance> {
  const { core } = opts;
  const app = Fastify({ logger: false });
  app.setErrorHandler((error, _req, reply) => {
    const err = error as Error & { statusCode?: number };
    const status = err.statusCode ?? 500;
    if (status >= 500) core.log.error({ err }, 'admin http request failed');
    void reply
      .status(status)
      .send({ error: status >= 500 ? 'internal' : 'bad_request', message: err.message });
  });
  app.setNotFoundHandler((req, reply) => {
    void reply.status(404).send({
      error: 'not_found',
      message: `no route ${req.method} ${req.url}; see /v1/topics, /v1/groups, /v1/brokers, /metrics, /healthz, /readyz`,
    });
  });

  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_req, reply) => {
    if (opts.ready()) return { status: 'ready' };
    return reply
      .status(503)
      .send({ status: 'not_ready', message: 'storage is loading or the listener is not accepting yet' });
  });
  app.get('/metrics', async (_req, reply) => {
    void reply.header('content-type', 'text/plain; version=0.0.4; charset=utf-8');
    return core.metrics.render();
  });
  app.get('/v1/brokers', async () => ({
    clusterId: core.clusterId,
    controllerId: core.controllerId(),
    brokers: core.brokers(),
  }));
  app.get('/v1/topics', async () => ({
    topics: core.topics
      .names()
      .sort()
      .map((name) => ({
        name,
        internal: isInternalTopic(name),
        partitions: core.topics.partitionCount(name),
        configs: core.topics.configOverrides(name) ?? {},
      })),
  }));
  app.get<{ Params: { name: string } }>(
    '/v1/topics/:name',
    {
      schema: {
        params: {
          type: 'object',
          properties: {
            name: {
              type: 'string',
              minLength: 1,
              maxLength: topicNameLengthMax,
              pattern: '^[a-zA-Z0-9._-]+$',
            },
          },
          required: ['name'],
        },
      },
    },
    async (req, reply) => {
      const { name } = req.params;
      if (!core.topics.exists(name)) {
        return reply.status(404).send({
          error: 'not_found',
          message: `topic "${name}" does not exist; create it with: samsa topic create ${name}`,
        });
      }
      return topicView(core, name);
    },
  );
  app.get('/v1/groups', async () => ({ groups: opts.groups()?.list() ?? [] }));
  app.get<{ Params: { id: string } }>(
    '/v1/groups/:id',
    {
      schema: {
        params: {
          type: 'object',
          properties: { id: { type: 'string', minLength: 1, maxLength: groupIdLengthMax } },
          required: ['id'],
        },
      },
    },
    async (req, reply) => {
      const g = opts.groups()?.describe(req.params.id);
      if (g === undefined) {
        return reply
          .status(404)
          .send({ error: 'not_found', message: `consumer group "${req.params.id}" does not exist` });
      }
      return g;
    },
  );
  await app.listen({ host: opts.host, port: opts.port });
  return app;
}
