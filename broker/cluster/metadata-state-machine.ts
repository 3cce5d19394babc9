/**
 * The metadata log's state machine: what every broker runs over the committed entries of the
 * Raft metadata quorum. Records are applied to the {@link MetadataImage}; requests are decided
 * against the image as of their entry (controller-decisions.ts) and the resulting records are
 * applied in their place. Every broker therefore holds the same image and the same outcome for
 * each request, and the "controller" has no state of its own to lose on failover: the active
 * controller only notices time (broker sessions, preferred leaders) and proposes requests.
 *
 * Outcomes are kept by request id for the {@link resultsMax} most recent requests, in the
 * snapshot too, so a retried request (same id) is answered, not applied twice.
 */
import { Packr } from 'msgpackr';
import { ErrorCode as E } from '../../protocol/error-codes.js';
import {
  alterPartition,
  createTopic,
  fenceBroker,
  placeReplicas,
  preferredLeaderElections,
  unfenceBroker,
} from './controller-decisions.js';
import { MetadataImage } from './metadata-image.js';
import {
  checkMetadataEntry,
  decodeMetadataRecord,
  type MetadataEntry,
  type MetadataRecord,
  MetadataRecordError,
  type MetadataRequest,
} from './metadata-records.js';

/** What became of a request. */
export interface RequestResult {
  /** The metadata log offset of the request. */
  offset: number;
  errorCode: number;
  message: string | null;
}

/** Outcomes remembered for retries and for the asker (oldest forgotten first). */
export const resultsMax = 10_000;

export interface AppliedEvent {
  offset: number;
  entry: MetadataEntry | undefined;
  /** The records that changed the image (a request's decisions; a record itself). */
  records: MetadataRecord[];
  result?: RequestResult;
}

const packr = new Packr({ useRecords: false, mapsAsObjects: true });

export class MetadataStateMachine {
  image = new MetadataImage();
  private results = new Map<string, RequestResult>();
  private readonly listeners = new Set<(e: AppliedEvent) => void>();

  constructor(private readonly log?: { warn(o: object, msg: string): void }) {}

  /** Called after each applied entry, in log order. */
  onApplied(listener: (e: AppliedEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  resultOf(requestId: string): RequestResult | undefined {
    return this.results.get(requestId);
  }

  /** Apply one committed entry at `offset` (the Raft index). */
  apply(entry: { index: number; data: Uint8Array }): void {
    const offset = entry.index;
    let decoded: MetadataEntry;
    try {
      decoded = decodeMetadataRecord(entry.data);
    } catch (err) {
      if (!(err instanceof MetadataRecordError)) throw err;
      // Deterministic on every broker: the entry is skipped everywhere alike.
      this.image.offset = offset;
      this.log?.warn({ offset, err: err.message }, 'metadata log entry skipped');
      this.emit({ offset, entry: undefined, records: [] });
      return;
    }
    if (!('requestId' in decoded)) {
      const r = this.image.apply(decoded, offset);
      if (!r.applied)
        this.log?.warn({ offset, type: decoded.type, reason: r.reason }, 'metadata record skipped');
      this.emit({ offset, entry: decoded, records: r.applied ? [decoded] : [] });
      return;
    }
    const known = this.results.get(decoded.requestId);
    if (known) {
      this.image.offset = offset;
      this.emit({ offset, entry: decoded, records: [], result: known });
      return;
    }
    this.image.offset = offset;
    const decision = this.decide(decoded);
    const records = 'records' in decision ? decision.records : [];
    for (const r of records) {
      const applied = this.image.apply(r, offset);
      if (!applied.applied)
        this.log?.warn({ offset, type: r.type, reason: applied.reason }, 'decided record skipped (a bug)');
    }
    const result: RequestResult =
      'records' in decision
        ? { offset, errorCode: 0, message: null }
        : { offset, errorCode: decision.errorCode, message: decision.message };
    this.remember(decoded.requestId, result);
    this.emit({ offset, entry: decoded, records, result });
  }

  /** The image and outcomes, as of the last applied entry. */
  snapshot(): Uint8Array {
    return packr.pack({
      offset: this.image.offset,
      records: this.image.toRecords(),
      results: [...this.results],
    });
  }

  /**
   * Replace the state with a snapshot's (from this broker's disk, or sent by the quorum
   * leader). Its shape is checked before anything is replaced; a malformed snapshot throws
   * MetadataRecordError, which stops the quorum member rather than applying half of it.
   */
  restore(snapshot: { index: number; data: Uint8Array }): void {
    let s: unknown;
    try {
      s = packr.unpack(snapshot.data);
    } catch (err) {
      throw new MetadataRecordError(`metadata snapshot is not msgpack: ${(err as Error).message}`);
    }
    const o = s as { records?: unknown; results?: unknown };
    if (typeof s !== 'object' || s === null || !Array.isArray(o.records) || !Array.isArray(o.results))
      throw new MetadataRecordError('metadata snapshot lacks its records or results');
    const records = o.records.map((r) => {
      const e = checkMetadataEntry(r);
      if ('requestId' in e) throw new MetadataRecordError(`metadata snapshot holds a request (${e.type})`);
      return e;
    });
    const results = o.results.map((x): [string, RequestResult] => {
      const [id, r] = Array.isArray(x) ? x : [];
      const ok =
        typeof id === 'string' &&
        typeof r === 'object' &&
        r !== null &&
        Number.isSafeInteger(r.offset) &&
        Number.isSafeInteger(r.errorCode) &&
        (r.message === null || typeof r.message === 'string');
      if (!ok) throw new MetadataRecordError('metadata snapshot has a malformed request outcome');
      return [id, { offset: r.offset, errorCode: r.errorCode, message: r.message }];
    });
    if (results.length > resultsMax)
      throw new MetadataRecordError(`metadata snapshot has ${results.length} outcomes`);
    this.image = MetadataImage.fromRecords(records, snapshot.index);
    this.results = new Map(results);
  }

  private decide(
    req: MetadataRequest,
  ): { records: MetadataRecord[] } | { errorCode: number; message: string } {
    const image = this.image;
    switch (req.type) {
      case 'create-topic':
        return createTopic(image, req);
      case 'delete-topic':
        return image.topics.has(req.name)
          ? { records: [{ type: 'remove-topic', name: req.name }] }
          : { errorCode: E.UNKNOWN_TOPIC_OR_PARTITION, message: `topic "${req.name}" does not exist` };
      case 'create-partitions': {
        const t = image.topics.get(req.topic);
        if (!t)
          return { errorCode: E.UNKNOWN_TOPIC_OR_PARTITION, message: `topic "${req.topic}" does not exist` };
        const have = t.partitions.length;
        if (req.count <= have)
          return {
            errorCode: E.INVALID_PARTITIONS,
            message: `topic "${req.topic}" has ${have} partitions; ask for more than that`,
          };
        const rf = t.partitions[0]?.replicas.length ?? 1;
        const live = image.liveBrokerIds();
        if (rf > live.length)
          return {
            errorCode: E.INVALID_REPLICATION_FACTOR,
            message: `topic "${req.topic}" has ${rf} replicas per partition but ${live.length} broker(s) are live`,
          };
        const placement = placeReplicas(live, req.count - have, rf, have);
        return {
          records: placement.map((replicas, i) => ({
            type: 'partition' as const,
            topic: req.topic,
            partition: have + i,
            replicas,
            isr: [...replicas],
            leader: replicas[0]!,
            leaderEpoch: 0,
            partitionEpoch: 0,
          })),
        };
      }
      case 'alter-topic-configs':
        if (!image.topics.has(req.topic))
          return { errorCode: E.UNKNOWN_TOPIC_OR_PARTITION, message: `topic "${req.topic}" does not exist` };
        return {
          records: Object.entries(req.configs).map(([key, value]) => ({
            type: 'topic-config' as const,
            topic: req.topic,
            key,
            value,
          })),
        };
      case 'alter-partition':
        return alterPartition(image, req);
      case 'broker-session-expired':
      case 'broker-ready': {
        const b = image.brokers.get(req.brokerId);
        if (!b || b.brokerEpoch !== req.brokerEpoch)
          return {
            errorCode: E.STALE_BROKER_EPOCH,
            message: `broker ${req.brokerId} epoch ${req.brokerEpoch} is not its current registration`,
          };
        return {
          records:
            req.type === 'broker-session-expired'
              ? fenceBroker(image, req.brokerId)
              : unfenceBroker(image, req.brokerId),
        };
      }
      case 'elect-preferred-leaders':
        return { records: preferredLeaderElections(image) };
    }
  }

  private remember(requestId: string, result: RequestResult): void {
    this.results.set(requestId, result);
    if (this.results.size > resultsMax) this.results.delete(this.results.keys().next().value!);
  }

  private emit(e: AppliedEvent): void {
    for (const l of this.listeners) l(e);
  }
}
