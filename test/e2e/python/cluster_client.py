"""kafka-python (python3-kafka 2.0.2) against a Samsa cluster whose brokers fail under it.

Usage: /usr/bin/python3 cluster_client.py '<json>'

produce_stream: a KafkaProducer (acks=all, retries, one request in flight so retries keep the
  order) sends "v0", "v1", ... to partition i % partitions, one at a time, until SIGTERM. It
  prints one JSON line per record: {"event": "ack", "i", "partition", "offset"} once the record
  is acknowledged, or {"event": "error", "i", "error"} when the send failed for good; then
  {"event": "closed"}. kafka-python finds new leaders by itself (metadata refresh on errors).
"""
import json
import signal
import sys

from kafka import KafkaProducer


def emit(event):
    sys.stdout.write(json.dumps(event) + "\n")
    sys.stdout.flush()


def produce_stream(p):
    stop = {"now": False}
    signal.signal(signal.SIGTERM, lambda *_: stop.update(now=True))
    producer = KafkaProducer(bootstrap_servers=p["bootstrap"], client_id="samsa-e2e-py-cluster-producer",
                             acks="all", retries=20, retry_backoff_ms=200, max_in_flight_requests_per_connection=1,
                             request_timeout_ms=10000, max_block_ms=20000, linger_ms=0,
                             metadata_max_age_ms=5000)
    i = 0
    while not stop["now"]:
        try:
            md = producer.send(p["topic"], value=("v%d" % i).encode(), partition=i % p["partitions"]).get(timeout=60)
            emit({"event": "ack", "i": i, "partition": md.partition, "offset": md.offset})
        except Exception as e:  # the record may or may not have been written; it was not acknowledged
            emit({"event": "error", "i": i, "error": type(e).__name__ + ": " + str(e)})
        i += 1
    producer.close(timeout=10)
    emit({"event": "closed"})


ACTIONS = {"produce_stream": produce_stream}

if __name__ == "__main__":
    ACTIONS[json.loads(sys.argv[1])["action"]](json.loads(sys.argv[1]))
