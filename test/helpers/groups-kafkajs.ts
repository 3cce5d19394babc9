/**
 * kafkajs 2.2.4 group consumers that record what the group gave them: every assignment with
 * its generation (kafkajs logs "Received assignment" with generationId, memberId and the decoded
 * assignment at debug level; this client captures those log entries), every GROUP_JOIN and
 * COMMIT_OFFSETS event, and every record processed. Disconnected in teardown.
 */
import kafkajs, { type Consumer, type ConsumerConfig, type Kafka } from 'kafkajs';

// kafkajs is CommonJS: Node's ESM loader cannot see all of its named exports.
const { Kafka: KafkaClass, logLevel } = kafkajs;

interface TestLike {
  teardown(fn: () => void | Promise<void>): void;
}

/** One assignment a member received in SyncGroup. */
export interface AssignmentSeen {
  member: string;
  memberId: string;
  generationId: number;
  /** Partitions of the tracked topic, sorted. */
  partitions: number[];
}

export interface ProcessedRecord {
  member: string;
  partition: number;
  offset: number;
  value: string;
}

export interface CommitSeen {
  member: string;
  generationId: number;
  partitions: { partition: number; offset: number }[];
}

type Listener = () => void;

/** Everything every tracked consumer of one test saw, in arrival order. */
export class GroupObserver {
  readonly assignments: AssignmentSeen[] = [];
  readonly records: ProcessedRecord[] = [];
  readonly commits: CommitSeen[] = [];
  readonly errors: { member: string; message: string }[] = [];
  private listeners = new Set<Listener>();

  constructor(readonly topic: string) {}

  /** Calls `fn` after every change (assignment, record, commit); returns an unsubscribe. */
  onChange(fn: Listener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  changed(): void {
    for (const fn of [...this.listeners]) fn();
  }

  /** Resolves when `probe` holds, re-checking after every change; rejects after `timeoutMs`. */
  until<T>(what: string, probe: () => T | undefined | null | false, timeoutMs = 20_000): Promise<T> {
    const now = probe();
    if (now) return Promise.resolve(now);
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        off();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}\n${this.describe()}`));
      }, timeoutMs);
      const off = this.onChange(() => {
        const v = probe();
        if (!v) return;
        clearTimeout(timer);
        off();
        resolve(v);
      });
    });
  }

  /** The latest assignment of each member named in `members`. */
  latest(members: string[]): Map<string, AssignmentSeen> {
    const out = new Map<string, AssignmentSeen>();
    for (const a of this.assignments) if (members.includes(a.member)) out.set(a.member, a);
    return out;
  }

  /**
   * The generation in which exactly `members` hold every one of `partitions` partitions, once
   * each: every member's latest assignment is of that same generation. Undefined until then.
   */
  stableGeneration(members: string[], partitions: number): number | undefined {
    const latest = this.latest(members);
    if (latest.size !== members.length) return undefined;
    const gens = new Set([...latest.values()].map((a) => a.generationId));
    if (gens.size !== 1) return undefined;
    const all = [...latest.values()].flatMap((a) => a.partitions).sort((x, y) => x - y);
    if (all.length !== partitions || all.some((p, i) => p !== i)) return undefined;
    return [...gens][0];
  }

  /** partition -> member ids per generation, from every assignment seen. */
  ownersByGeneration(): Map<number, Map<number, Set<string>>> {
    const out = new Map<number, Map<number, Set<string>>>();
    for (const a of this.assignments) {
      let gen = out.get(a.generationId);
      if (!gen) out.set(a.generationId, (gen = new Map()));
      for (const p of a.partitions) {
        let owners = gen.get(p);
        if (!owners) gen.set(p, (owners = new Set()));
        owners.add(a.memberId);
      }
    }
    return out;
  }

  describe(): string {
    const assignments = this.assignments
      .map((a) => `  gen ${a.generationId} ${a.member} (${a.memberId}): [${a.partitions.join(',')}]`)
      .join('\n');
    const errors = this.errors.map((e) => `  ${e.member}: ${e.message}`).join('\n');
    return `assignments seen:\n${assignments}\nrecords processed: ${this.records.length}\nclient errors:\n${errors}`;
  }
}

export interface TrackedConsumer {
  name: string;
  kafka: Kafka;
  consumer: Consumer;
  /** Disconnects (LeaveGroup after committing); idempotent. */
  stop(): Promise<void>;
  readonly stopped: boolean;
}

export interface TrackedConsumerOptions {
  bootstrap: string;
  groupId: string;
  name: string;
  observer: GroupObserver;
  fromBeginning?: boolean;
  consumerConfig?: Partial<ConsumerConfig>;
  /** Called for every record after it is recorded (before the batch's offsets are resolved). */
  onRecord?: (r: ProcessedRecord) => void | Promise<void>;
}

/**
 * A kafkajs consumer subscribed to `observer.topic` and running, with short heartbeats so
 * rebalances are noticed quickly and offsets committed after every batch.
 */
export async function trackedConsumer(t: TestLike, o: TrackedConsumerOptions): Promise<TrackedConsumer> {
  const { observer, name } = o;
  const kafka = new KafkaClass({
    clientId: `samsa-e2e-${name}`,
    brokers: [o.bootstrap],
    logLevel: logLevel.DEBUG,
    connectionTimeout: 5000,
    requestTimeout: 15_000,
    retry: { retries: 8, initialRetryTime: 100, maxRetryTime: 1000 },
    logCreator:
      () =>
      ({ namespace, level, log }) => {
        if (namespace === 'ConsumerGroup' && log.message === 'Received assignment') {
          const assigned = (log['memberAssignment'] ?? {}) as Record<string, number[]>;
          observer.assignments.push({
            member: name,
            memberId: String(log['memberId']),
            generationId: Number(log['generationId']),
            partitions: [...(assigned[observer.topic] ?? [])].sort((x, y) => x - y),
          });
          observer.changed();
        } else if (level === logLevel.ERROR && namespace !== 'Connection') {
          observer.errors.push({
            member: name,
            message: `${namespace}: ${log.message} ${log['error'] ?? ''}`,
          });
        }
      },
  });
  const consumer = kafka.consumer({
    groupId: o.groupId,
    sessionTimeout: 10_000,
    rebalanceTimeout: 10_000,
    heartbeatInterval: 100,
    maxWaitTimeInMs: 100,
    // A crashed consumer stays down (its CRASH is recorded) instead of restarting forever, e.g.
    // against a broker that teardown already stopped.
    retry: { retries: 8, initialRetryTime: 100, maxRetryTime: 1000, restartOnFailure: async () => false },
    ...o.consumerConfig,
  });
  consumer.on(consumer.events.COMMIT_OFFSETS, (e) => {
    const payload = e.payload as unknown as {
      groupGenerationId: number;
      topics: { topic: string; partitions: { partition: number; offset: string }[] }[];
    };
    observer.commits.push({
      member: name,
      generationId: payload.groupGenerationId,
      partitions: payload.topics
        .filter((x) => x.topic === observer.topic)
        .flatMap((x) =>
          x.partitions.map((p) => ({ partition: Number(p.partition), offset: Number(p.offset) })),
        ),
    });
    observer.changed();
  });
  consumer.on(consumer.events.CRASH, (e) => {
    observer.errors.push({ member: name, message: `CRASH ${String(e.payload.error)}` });
    observer.changed();
  });
  let stopped = false;
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= consumer.disconnect().finally(() => {
      stopped = true;
    });
    return stopping;
  };
  t.teardown(stop);
  await consumer.connect();
  await consumer.subscribe({ topics: [observer.topic], fromBeginning: o.fromBeginning ?? true });
  await consumer.run({
    autoCommitThreshold: 1,
    eachMessage: async ({ partition, message }) => {
      const r: ProcessedRecord = {
        member: name,
        partition,
        offset: Number(message.offset),
        value: message.value?.toString() ?? '',
      };
      observer.records.push(r);
      await o.onRecord?.(r);
      observer.changed();
    },
  });
  return {
    name,
    kafka,
    consumer,
    stop,
    get stopped() {
      return stopped;
    },
  };
}
