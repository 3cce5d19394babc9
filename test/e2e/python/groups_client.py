"""kafka-python (python3-kafka 2.0.2) consumer-group actions for the Samsa group tests.

Usage: /usr/bin/python3 groups_client.py '<json>'
The JSON names an "action" and its parameters; the script prints one JSON line as its result.

consume_group: a KafkaConsumer with a group_id subscribes to a topic, processes `count`
  records (or, without `count`, everything up to the end offsets it sees once assigned),
  commits exactly what it processed (commitSync of explicit offsets, with `metadata`), reads the
  commits back with committed(), and closes (LeaveGroup).
member: a long-running member that prints its events as JSON lines until SIGTERM (see member()).
committed: reads a group's committed offsets two ways (KafkaConsumer.committed per partition,
  KafkaAdminClient.list_consumer_group_offsets), with the end offsets and the group's state.
"""
import json
import sys
import time

from kafka import KafkaAdminClient, KafkaConsumer, TopicPartition
from kafka.structs import OffsetAndMetadata


def offset_and_metadata(offset, metadata):
    try:
        return OffsetAndMetadata(offset, metadata)
    except TypeError:  # kafka-python >= 2.1 adds leader_epoch
        return OffsetAndMetadata(offset, metadata, -1)


def dec(b):
    return None if b is None else b.decode("utf-8")


def consume_group(p):
    consumer = KafkaConsumer(bootstrap_servers=p["bootstrap"], client_id=p.get("client_id", "samsa-e2e-py-group"),
                             group_id=p["group"], enable_auto_commit=False, auto_offset_reset="earliest",
                             request_timeout_ms=15000, fetch_max_wait_ms=100, session_timeout_ms=10000,
                             heartbeat_interval_ms=500, max_poll_records=7)
    try:
        consumer.subscribe([p["topic"]])
        count = p.get("count")
        records = []
        next_offsets = {}
        end = None
        deadline = time.monotonic() + p.get("timeout_s", 20)
        while time.monotonic() < deadline:
            if count is not None and len(records) >= count:
                break
            batch = consumer.poll(timeout_ms=200)
            for tp_records in batch.values():
                for r in tp_records:
                    if count is not None and len(records) >= count:
                        break
                    records.append({"partition": r.partition, "offset": r.offset, "value": dec(r.value)})
                    next_offsets[TopicPartition(r.topic, r.partition)] = r.offset + 1
            assigned = consumer.assignment()
            if count is None and assigned:
                if end is None:
                    end = consumer.end_offsets(list(assigned))
                if all(consumer.position(tp) >= off for tp, off in end.items()):
                    break
        assignment = sorted(tp.partition for tp in consumer.assignment())
        if next_offsets:
            consumer.commit({tp: offset_and_metadata(off, p.get("metadata", "")) for tp, off in next_offsets.items()})
        committed = {str(tp.partition): consumer.committed(tp) for tp in
                     [TopicPartition(p["topic"], part) for part in p["partitions"]]}
        return {"records": records, "assignment": assignment, "committed": committed,
                "timed_out": time.monotonic() >= deadline}
    finally:
        consumer.close()


def committed(p):
    consumer = KafkaConsumer(bootstrap_servers=p["bootstrap"], client_id="samsa-e2e-py-committed",
                             group_id=p["group"], enable_auto_commit=False, request_timeout_ms=15000)
    admin = KafkaAdminClient(bootstrap_servers=p["bootstrap"], client_id="samsa-e2e-py-admin",
                             request_timeout_ms=15000)
    try:
        tps = [TopicPartition(p["topic"], part) for part in p["partitions"]]
        by_consumer = {str(tp.partition): consumer.committed(tp) for tp in tps}
        end = consumer.end_offsets(tps)
        listed = admin.list_consumer_group_offsets(p["group"])
        by_admin = {str(tp.partition): om.offset for tp, om in listed.items() if tp.topic == p["topic"]}
        metadata = {str(tp.partition): om.metadata for tp, om in listed.items() if tp.topic == p["topic"]}
        described = admin.describe_consumer_groups([p["group"]])
        return {
            "consumer": by_consumer,
            "admin": by_admin,
            "metadata": metadata,
            "end_offsets": {str(tp.partition): off for tp, off in end.items()},
            "state": described[0].state if described else None,
        }
    finally:
        consumer.close()
        admin.close()


def emit(event):
    sys.stdout.write(json.dumps(event) + "\n")
    sys.stdout.flush()


def member(p):
    """A long-running group member: prints one JSON line per event (assigned, revoked, record,
    commit_failed, closed), commits what it processed after every poll and before partitions are
    revoked, and leaves the group (close) on SIGTERM."""
    import signal

    from kafka import ConsumerRebalanceListener

    stop = {"now": False}
    signal.signal(signal.SIGTERM, lambda *_: stop.update(now=True))
    consumer = KafkaConsumer(bootstrap_servers=p["bootstrap"], client_id=p.get("client_id", "samsa-e2e-py-member"),
                             group_id=p["group"], enable_auto_commit=False, auto_offset_reset="earliest",
                             request_timeout_ms=15000, fetch_max_wait_ms=100, session_timeout_ms=6000,
                             heartbeat_interval_ms=200)
    processed = {}
    committed_upto = {}

    def commit(tps):
        offsets = {tp: offset_and_metadata(processed[tp], "") for tp in tps
                   if tp in processed and committed_upto.get(tp) != processed[tp]}
        if not offsets:
            return
        try:
            consumer.commit(offsets)
            committed_upto.update({tp: om.offset for tp, om in offsets.items()})
        except Exception as e:  # a rebalance under way: the next owner resumes from the last commit
            emit({"event": "commit_failed", "error": type(e).__name__})

    class Listener(ConsumerRebalanceListener):
        def on_partitions_revoked(self, revoked):
            commit(list(revoked))
            emit({"event": "revoked", "partitions": sorted(tp.partition for tp in revoked)})

        def on_partitions_assigned(self, assigned):
            emit({"event": "assigned", "partitions": sorted(tp.partition for tp in assigned)})

    consumer.subscribe([p["topic"]], listener=Listener())
    while not stop["now"]:
        batch = consumer.poll(timeout_ms=100)
        for tp, records in batch.items():
            for r in records:
                emit({"event": "record", "partition": r.partition, "offset": r.offset, "value": dec(r.value)})
                processed[tp] = r.offset + 1
        commit([tp for tp in processed if tp in consumer.assignment()])
    consumer.close()
    emit({"event": "closed"})
    return None


ACTIONS = {"consume_group": consume_group, "committed": committed, "member": member}

if __name__ == "__main__":
    params = json.loads(sys.argv[1])
    result = ACTIONS[params["action"]](params)
    if result is not None:
        sys.stdout.write(json.dumps(result) + "\n")
