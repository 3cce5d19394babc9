/**
 * Reads the topic list out of a "consumer" protocol subscription (ConsumerProtocolSubscription,
 * every version starts with: int16 version, int32 topic count, int16-length topic names), so the
 * coordinator knows which topics a group consumes (OffsetDelete's GROUP_SUBSCRIBED_TO_TOPIC and
 * offset expiration). Anything malformed yields null: the coordinator then does not know.
 */

export const CONSUMER_PROTOCOL_TYPE = 'consumer';

const VERSION_BYTES = 2;
const COUNT_BYTES = 4;
const STRING_LENGTH_BYTES = 2;

export function subscriptionTopics(metadata: Buffer): string[] | null {
  if (metadata.length < VERSION_BYTES + COUNT_BYTES) return null;
  const version = metadata.readInt16BE(0);
  if (version < 0) return null;
  const count = metadata.readInt32BE(VERSION_BYTES);
  let pos = VERSION_BYTES + COUNT_BYTES;
  // Every topic takes at least its length prefix: a larger count cannot be honest.
  if (count < 0 || count > (metadata.length - pos) / STRING_LENGTH_BYTES) return null;
  const topics: string[] = [];
  for (let i = 0; i < count; i++) {
    if (pos + STRING_LENGTH_BYTES > metadata.length) return null;
    const len = metadata.readInt16BE(pos);
    pos += STRING_LENGTH_BYTES;
    if (len < 0 || pos + len > metadata.length) return null;
    topics.push(metadata.toString('utf8', pos, pos + len));
    pos += len;
  }
  return topics;
}
