#!/bin/sh
# Installs the peer brokers the benchmark suite compares Samsa with (Debian 12 packages; no
# service is started). Their Node clients are devDependencies: npm install brings them.
# Then: node dist/scripts/bench/peers.bench.js --records 200000 --record-bytes 100
set -eu
apt-get update
apt-get install -y nats-server redis-server rabbitmq-server
