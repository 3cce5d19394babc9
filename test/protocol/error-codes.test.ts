import t from 'tap';
import {
  allErrors,
  ErrorCode,
  errorInfo,
  errorMessage,
  errorName,
  isRetriable,
} from '../../protocol/error-codes.js';

t.test('the table matches Kafka for well-known codes', async (t) => {
  t.equal(ErrorCode.NONE, 0);
  t.equal(ErrorCode.UNKNOWN_SERVER_ERROR, -1);
  t.equal(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 3);
  t.equal(ErrorCode.NOT_LEADER_OR_FOLLOWER, 6);
  t.equal(ErrorCode.UNSUPPORTED_VERSION, 35);
  t.equal(ErrorCode.TOPIC_ALREADY_EXISTS, 36);
  t.equal(ErrorCode.REBALANCE_IN_PROGRESS, 27);
  t.equal(ErrorCode.MEMBER_ID_REQUIRED, 79);
  t.equal(ErrorCode.FENCED_LEADER_EPOCH, 74);
  t.equal(ErrorCode.UNKNOWN_TOPIC_ID, 100);
  t.equal(isRetriable(ErrorCode.NOT_LEADER_OR_FOLLOWER), true);
  t.equal(isRetriable(ErrorCode.NOT_ENOUGH_REPLICAS), true);
  t.equal(isRetriable(ErrorCode.COORDINATOR_NOT_AVAILABLE), true);
  t.equal(isRetriable(ErrorCode.TOPIC_ALREADY_EXISTS), false);
  t.equal(isRetriable(ErrorCode.REBALANCE_IN_PROGRESS), false);
  t.equal(errorName(35), 'UNSUPPORTED_VERSION');
  t.equal(errorName(99), 'UNKNOWN_ERROR_99');
  t.equal(errorMessage(0), null);
  t.match(errorMessage(3), /does not host this topic-partition/);
  t.equal(errorInfo(12345), undefined);
});

t.test('codes are unique and contiguous except 99', async (t) => {
  const codes = allErrors().map((e) => e.code);
  t.equal(new Set(codes).size, codes.length);
  for (let c = -1; c <= 128; c++) if (c !== 99) t.ok(errorInfo(c), `code ${c}`);
  t.equal(Object.keys(ErrorCode).length, codes.length);
});
