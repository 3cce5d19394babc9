/**
 * Partition assignors of the classic consumer protocol, and the encoding of its member
 * metadata (ConsumerProtocolSubscription) and assignments (ConsumerProtocolAssignment) —
 * non-flexible Kafka encodings, readable by the Java client and kafkajs.
 *
 * - `range`: per topic, consecutive partition ranges to members sorted by id (eager).
 * - `roundrobin`: every topic-partition dealt in turn to the subscribed members (eager).
 * - `cooperative-sticky`: balanced, keeps what members own, and never hands over a partition in
 *   the same rebalance it is taken away (KIP-429): the owner revokes it first, then rejoins.
 */
import {
  ConsumerProtocolError,
  decodeAssignment as decodeAssignmentBytes,
  decodeSubscription as decodeSubscriptionBytes,
  type TopicPartitions,
} from '../protocol/consumer-protocol.js';
import { SamsaError } from './errors.js';

export { encodeAssignment, encodeSubscription, type TopicPartitions } from '../protocol/consumer-protocol.js';

/** Malformed consumer-protocol bytes surface as SAMSA_PROTOCOL errors. */
function asSamsaError<T>(decode: () => T): T {
  try {
    return decode();
  } catch (err) {
    if (err instanceof ConsumerProtocolError) throw new SamsaError('SAMSA_PROTOCOL', err.message);
    throw err;
  }
}

export const decodeSubscription = (buf: Buffer) => asSamsaError(() => decodeSubscriptionBytes(buf));
export const decodeAssignment = (buf: Buffer) => asSamsaError(() => decodeAssignmentBytes(buf));

/** What a member sent in JoinGroup. */
export interface MemberSubscription {
  memberId: string;
  groupInstanceId: string | null;
  topics: string[];
  /** Partitions the member owns now (cooperative protocol; empty for eager). */
  ownedPartitions: TopicPartitions[];
  userData: Buffer | null;
}

export type RebalanceProtocol = 'EAGER' | 'COOPERATIVE';

/** A partition assignor run by the group leader. */
export interface Assignor {
  readonly name: string;
  readonly protocol: RebalanceProtocol;
  /** Member id -> assigned partitions. `partitionsPerTopic` holds every subscribed topic. */
  assign(
    members: MemberSubscription[],
    partitionsPerTopic: Map<string, number>,
  ): Map<string, TopicPartitions[]>;
}

// ---- helpers ----

type Flat = { topic: string; partition: number };

function toLists(m: Map<string, Flat[]>): Map<string, TopicPartitions[]> {
  const out = new Map<string, TopicPartitions[]>();
  for (const [member, flat] of m) {
    const byTopic = new Map<string, number[]>();
    for (const f of flat) {
      let l = byTopic.get(f.topic);
      if (!l) {
        l = [];
        byTopic.set(f.topic, l);
      }
      l.push(f.partition);
    }
    out.set(
      member,
      [...byTopic]
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([topic, ps]) => ({ topic, partitions: ps.sort((a, b) => a - b) })),
    );
  }
  return out;
}

/** Members sorted the way Kafka does: static members by instance id first, then by member id. */
function sortedMembers(members: MemberSubscription[]): MemberSubscription[] {
  return [...members].sort((a, b) => {
    const ka = a.groupInstanceId ?? `\uffff${a.memberId}`;
    const kb = b.groupInstanceId ?? `\uffff${b.memberId}`;
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  });
}

function emptyResult(members: MemberSubscription[]): Map<string, Flat[]> {
  return new Map(members.map((m) => [m.memberId, [] as Flat[]]));
}

// ---- assignors ----

export const rangeAssignor: Assignor = {
  name: 'range',
  protocol: 'EAGER',
  assign(members, partitionsPerTopic) {
    const out = emptyResult(members);
    const sorted = sortedMembers(members);
    for (const [topic, count] of [...partitionsPerTopic].sort()) {
      const subs = sorted.filter((m) => m.topics.includes(topic));
      if (subs.length === 0) continue;
      const per = Math.floor(count / subs.length);
      const extra = count % subs.length;
      let next = 0;
      subs.forEach((m, i) => {
        const n = per + (i < extra ? 1 : 0);
        for (let p = next; p < next + n; p++) out.get(m.memberId)!.push({ topic, partition: p });
        next += n;
      });
    }
    return toLists(out);
  },
};

export const roundRobinAssignor: Assignor = {
  name: 'roundrobin',
  protocol: 'EAGER',
  assign(members, partitionsPerTopic) {
    const out = emptyResult(members);
    const sorted = sortedMembers(members);
    if (sorted.length === 0) return toLists(out);
    let i = 0;
    for (const [topic, count] of [...partitionsPerTopic].sort()) {
      for (let p = 0; p < count; p++) {
        for (let tries = 0; tries < sorted.length; tries++) {
          const m = sorted[i % sorted.length]!;
          i++;
          if (m.topics.includes(topic)) {
            out.get(m.memberId)!.push({ topic, partition: p });
            break;
          }
        }
      }
    }
    return toLists(out);
  },
};

export const cooperativeStickyAssignor: Assignor = {
  name: 'cooperative-sticky',
  protocol: 'COOPERATIVE',
  assign(members, partitionsPerTopic) {
    const sorted = sortedMembers(members);
    const out = emptyResult(sorted);
    const all: Flat[] = [];
    for (const [topic, count] of [...partitionsPerTopic].sort())
      for (let p = 0; p < count; p++) all.push({ topic, partition: p });
    const n = sorted.length;
    if (n === 0) return toLists(out);
    const ceil = Math.ceil(all.length / n);
    const key = (f: Flat) => `${f.topic}\u0000${f.partition}`;
    const exists = new Set(all.map(key));
    const owner = new Map<string, string>();
    // 1. Keep owned partitions (valid, subscribed, not claimed twice) up to the ceiling.
    for (const m of sorted) {
      for (const tp of m.ownedPartitions) {
        if (!m.topics.includes(tp.topic)) continue;
        for (const p of tp.partitions) {
          const f = { topic: tp.topic, partition: p };
          const k = key(f);
          if (!exists.has(k) || owner.has(k)) continue;
          owner.set(k, m.memberId);
          if (out.get(m.memberId)!.length < ceil) out.get(m.memberId)!.push(f);
        }
      }
    }
    // Members above the floor beyond the number of "ceil" slots give partitions back.
    const floor = Math.floor(all.length / n);
    let ceilSlots = all.length - floor * n;
    const assigned = new Set<string>();
    for (const m of sorted) {
      const list = out.get(m.memberId)!;
      let allowed = floor;
      if (list.length > floor && ceilSlots > 0) {
        allowed = floor + 1;
        ceilSlots--;
      }
      list.splice(allowed);
      for (const f of list) assigned.add(key(f));
    }
    // 2. Hand out the rest, each to the subscribed member with the fewest partitions.
    for (const f of all) {
      if (assigned.has(key(f))) continue;
      let best: MemberSubscription | undefined;
      for (const m of sorted) {
        if (!m.topics.includes(f.topic)) continue;
        if (!best || out.get(m.memberId)!.length < out.get(best.memberId)!.length) best = m;
      }
      if (best) {
        out.get(best.memberId)!.push(f);
        assigned.add(key(f));
      }
    }
    // 3. Cooperative: a partition still owned by another member is not given away yet.
    for (const m of sorted) {
      const list = out.get(m.memberId)!;
      out.set(
        m.memberId,
        list.filter((f) => {
          const o = owner.get(key(f));
          return o === undefined || o === m.memberId || !sorted.some((x) => x.memberId === o);
        }),
      );
    }
    return toLists(out);
  },
};

/** Assignors by name. */
export const assignors: Record<string, Assignor> = {
  range: rangeAssignor,
  roundrobin: roundRobinAssignor,
  'cooperative-sticky': cooperativeStickyAssignor,
};
