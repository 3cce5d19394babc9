/**
 * The active controller's record of broker liveness (KRaft's BrokerHeartbeatManager, in
 * small): when each broker last heartbeated and how far it has applied the metadata log.
 * A broker that misses heartbeats for `sessionTimeoutMs` is to be fenced; a fenced broker
 * that heartbeats and has caught up with the metadata log (applied at least up to its own
 * registration) may be unfenced. Pure, with an injected clock; the controller turns the
 * answers into fence/unfence records.
 */
import type { MetadataImage } from './metadata-image.js';

interface Heartbeat {
  lastMs: number;
  appliedOffset: number;
}

export class BrokerHeartbeats {
  private readonly beats = new Map<number, Heartbeat>();

  constructor(
    private readonly sessionTimeoutMs: number,
    private readonly now: () => number,
  ) {}

  /** A broker heartbeated, having applied the metadata log up to `appliedOffset`. */
  heartbeat(brokerId: number, appliedOffset: number): void {
    this.beats.set(brokerId, { lastMs: this.now(), appliedOffset });
  }

  /**
   * This controller just became active: it knows nothing of anyone's heartbeats, so every
   * registered broker gets a full session from now before it can be fenced.
   */
  resetAll(image: MetadataImage): void {
    this.beats.clear();
    for (const b of image.brokers.values())
      this.beats.set(b.brokerId, { lastMs: this.now(), appliedOffset: -1 });
  }

  /** Unfenced brokers whose session expired. */
  toFence(image: MetadataImage): number[] {
    const t = this.now();
    const out: number[] = [];
    for (const b of image.brokers.values()) {
      if (b.fenced) continue;
      const hb = this.beats.get(b.brokerId);
      if (!hb || t - hb.lastMs > this.sessionTimeoutMs) out.push(b.brokerId);
    }
    return out;
  }

  /** Fenced brokers heartbeating within their session and caught up past their registration. */
  toUnfence(image: MetadataImage): number[] {
    const t = this.now();
    const out: number[] = [];
    for (const b of image.brokers.values()) {
      if (!b.fenced) continue;
      const hb = this.beats.get(b.brokerId);
      if (hb && t - hb.lastMs <= this.sessionTimeoutMs && hb.appliedOffset >= b.brokerEpoch)
        out.push(b.brokerId);
    }
    return out;
  }
}
