"""kafka-python (python3-kafka 2.0.2) driven by the Samsa end-to-end tests.

Usage: /usr/bin/python3 kafka_client.py '<json>'
The JSON names an "action" and its parameters; the script prints one JSON line as its result.
Keys, values and header values travel as UTF-8 strings (null for None).
"""
import json
import sys
import time

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import NewTopic


def enc(s):
    return None if s is None else s.encode("utf-8")


def dec(b):
    return None if b is None else b.decode("utf-8")


def create_topics(p):
    admin = KafkaAdminClient(bootstrap_servers=p["bootstrap"], client_id="samsa-e2e-admin",
                             request_timeout_ms=15000)
    try:
        topics = [NewTopic(name=t["name"], num_partitions=t["partitions"], replication_factor=1,
                           topic_configs=t.get("configs", {})) for t in p["topics"]]
        try:
            response = admin.create_topics(topics, timeout_ms=10000)
            errors = [[e[0], e[1]] for e in response.topic_errors]
            failure = None
        except Exception as e:  # kafka-python raises on any topic error
            errors = []
            failure = type(e).__name__
        again = None
        if p.get("create_again"):
            try:
                admin.create_topics(topics, timeout_ms=10000)
                again = "NoError"
            except Exception as e:
                again = type(e).__name__
        listed = admin.list_topics()
        described = admin.describe_topics([t["name"] for t in p["topics"]])
        return {
            "api_version": list(admin.config["api_version"]),
            "topic_errors": errors,
            "failure": failure,
            "create_again": again,
            "listed": listed,
            "described": [{"topic": d["topic"], "error_code": d["error_code"],
                           "partitions": sorted(x["partition"] for x in d["partitions"]),
                           "leaders": sorted(set(x["leader"] for x in d["partitions"]))}
                          for d in described],
        }
    finally:
        admin.close()


def produce(p):
    producer = KafkaProducer(bootstrap_servers=p["bootstrap"], client_id="samsa-e2e-producer",
                             acks=p.get("acks", "all"), compression_type=p.get("compression"),
                             linger_ms=p.get("linger_ms", 0), request_timeout_ms=15000, max_block_ms=15000)
    try:
        futures = []
        for m in p["messages"]:
            headers = [(k, enc(v)) for k, v in m.get("headers", [])]
            futures.append(producer.send(p["topic"], key=enc(m.get("key")), value=enc(m.get("value")),
                                         headers=headers, partition=m.get("partition")))
        producer.flush(timeout=15)
        acks = []
        for f in futures:
            md = f.get(timeout=15)
            acks.append({"partition": md.partition, "offset": md.offset})
        return {"api_version": list(producer.config["api_version"]), "acks": acks}
    finally:
        producer.close(timeout=5)


def consume(p):
    consumer = KafkaConsumer(bootstrap_servers=p["bootstrap"], client_id="samsa-e2e-consumer", group_id=None,
                             enable_auto_commit=False, auto_offset_reset="earliest",
                             request_timeout_ms=15000, fetch_max_wait_ms=200)
    try:
        tps = [TopicPartition(p["topic"], part) for part in p["partitions"]]
        consumer.assign(tps)
        consumer.seek_to_beginning()
        end = consumer.end_offsets(tps)
        expected = p["expected"]
        records = []
        deadline = time.monotonic() + p.get("timeout_s", 20)
        while len(records) < expected and time.monotonic() < deadline:
            batch = consumer.poll(timeout_ms=500)
            for tp_records in batch.values():
                for r in tp_records:
                    records.append({"partition": r.partition, "offset": r.offset, "timestamp": r.timestamp,
                                    "key": dec(r.key), "value": dec(r.value),
                                    "headers": [[k, dec(v)] for k, v in r.headers]})
        return {
            "end_offsets": {str(tp.partition): off for tp, off in end.items()},
            "records": records,
        }
    finally:
        consumer.close()


ACTIONS = {"create_topics": create_topics, "produce": produce, "consume": consume}

if __name__ == "__main__":
    params = json.loads(sys.argv[1])
    result = ACTIONS[params["action"]](params)
    sys.stdout.write(json.dumps(result) + "\n")
