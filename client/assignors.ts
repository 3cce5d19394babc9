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
import { SamsaError } from './errors.js';

export interface TopicPartitions {
  topic: string;
  partitions: number[];
}

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

// ---- encoding ----

class Out {
  private readonly parts: Buffer[] = [];
  int16(v: number): this {
    const b = Buffer.allocUnsafe(2);
    b.writeInt16BE(v);
    this.parts.push(b);
    return this;
  }
  int32(v: number): this {
    const b = Buffer.allocUnsafe(4);
    b.writeInt32BE(v);
    this.parts.push(b);
    return this;
  }
  string(s: string): this {
    const b = Buffer.from(s, 'utf8');
    this.int16(b.length);
    this.parts.push(b);
    return this;
  }
  bytes(b: Buffer | null): this {
    if (b === null) return this.int32(-1);
    this.int32(b.length);
    this.parts.push(b);
    return this;
  }
  topicPartitions(list: TopicPartitions[]): this {
    this.int32(list.length);
    for (const tp of list) {
      this.string(tp.topic);
      this.int32(tp.partitions.length);
      for (const p of tp.partitions) this.int32(p);
    }
    return this;
  }
  finish(): Buffer {
    return Buffer.concat(this.parts);
  }
}

class In {
  pos = 0;
  constructor(private readonly buf: Buffer) {}
  private need(n: number): void {
    if (this.pos + n > this.buf.length)
      throw new SamsaError('SAMSA_PROTOCOL', 'consumer protocol data is truncated');
  }
  get done(): boolean {
    return this.pos >= this.buf.length;
  }
  int16(): number {
    this.need(2);
    const v = this.buf.readInt16BE(this.pos);
    this.pos += 2;
    return v;
  }
  int32(): number {
    this.need(4);
    const v = this.buf.readInt32BE(this.pos);
    this.pos += 4;
    return v;
  }
  string(): string {
    const n = this.int16();
    if (n < 0) return '';
    this.need(n);
    const s = this.buf.toString('utf8', this.pos, this.pos + n);
    this.pos += n;
    return s;
  }
  bytes(): Buffer | null {
    const n = this.int32();
    if (n < 0) return null;
    this.need(n);
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }
  count(): number {
    const n = this.int32();
    if (n < 0) return 0;
    if (n > this.buf.length)
      throw new SamsaError('SAMSA_PROTOCOL', `consumer protocol array of ${n} is too long`);
    return n;
  }
  topicPartitions(): TopicPartitions[] {
    const out: TopicPartitions[] = [];
    for (let i = this.count(); i > 0; i--) {
      const topic = this.string();
      const partitions: number[] = [];
      for (let j = this.count(); j > 0; j--) partitions.push(this.int32());
      out.push({ topic, partitions });
    }
    return out;
  }
}

/** ConsumerProtocolSubscription v1 (topics, user data, owned partitions). */
export function encodeSubscription(
  topics: string[],
  ownedPartitions: TopicPartitions[],
  userData: Buffer | null = null,
): Buffer {
  const o = new Out().int16(1).int32(topics.length);
  for (const t of topics) o.string(t);
  return o.bytes(userData).topicPartitions(ownedPartitions).finish();
}

export function decodeSubscription(buf: Buffer): {
  version: number;
  topics: string[];
  userData: Buffer | null;
  ownedPartitions: TopicPartitions[];
} {
  const r = new In(buf);
  const version = r.int16();
  const topics: string[] = [];
  for (let i = r.count(); i > 0; i--) topics.push(r.string());
  const userData = r.done ? null : r.bytes();
  const ownedPartitions = version >= 1 && !r.done ? r.topicPartitions() : [];
  return { version, topics, userData, ownedPartitions };
}

/** ConsumerProtocolAssignment v1. */
export function encodeAssignment(partitions: TopicPartitions[], userData: Buffer | null = null): Buffer {
  return new Out().int16(1).topicPartitions(partitions).bytes(userData).finish();
}

export function decodeAssignment(buf: Buffer): {
  version: number;
  partitions: TopicPartitions[];
  userData: Buffer | null;
} {
  if (buf.length === 0) return { version: 0, partitions: [], userData: null };
  const r = new In(buf);
  const version = r.int16();
  const partitions = r.topicPartitions();
  const userData = r.done ? null : r.bytes();
  return { version, partitions, userData };
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
