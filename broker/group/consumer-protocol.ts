/**
 * The topics a "consumer" protocol member subscribes to, read from its JoinGroup metadata with
 * protocol/consumer-protocol.ts, so the coordinator knows which topics a group consumes
 * (OffsetDelete's GROUP_SUBSCRIBED_TO_TOPIC and offset expiration). Anything malformed yields
 * null: the coordinator then does not know.
 */
import { ConsumerProtocolError, decodeSubscription } from '../../protocol/consumer-protocol.js';

export { CONSUMER_PROTOCOL_TYPE } from '../../protocol/consumer-protocol.js';

export function subscriptionTopics(metadata: Buffer): string[] | null {
  try {
    const s = decodeSubscription(metadata);
    return s.version < 0 ? null : s.topics;
  } catch (err) {
    if (err instanceof ConsumerProtocolError) return null;
    throw err;
  }
}
