/**
 * The "consumer" protocol's embedded encodings, carried as opaque bytes in JoinGroup and
 * SyncGroup: ConsumerProtocolSubscription (member metadata) and ConsumerProtocolAssignment
 * (a member's partitions) — non-flexible Kafka encodings, readable by the Java client and
 * kafkajs. The client writes and reads them; the broker reads subscriptions to know which
 * topics a group consumes. Malformed input throws ConsumerProtocolError.
 */

export const CONSUMER_PROTOCOL_TYPE = 'consumer';

export interface TopicPartitions {
  topic: string;
  partitions: number[];
}

export class ConsumerProtocolError extends Error {
  readonly code = 'CONSUMER_PROTOCOL_MALFORMED';
}

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
      throw new ConsumerProtocolError('consumer protocol data is truncated');
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
    if (n > this.buf.length) throw new ConsumerProtocolError(`consumer protocol array of ${n} is too long`);
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
