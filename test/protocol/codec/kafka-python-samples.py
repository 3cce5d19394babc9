# Prints, as JSON, random request and response bodies encoded by kafka-python's own protocol
# classes (Debian python3-kafka 2.0.2), for every (api key, version) it shares with Samsa.
# Usage: /usr/bin/python3 kafka-python-samples.py SEED RANGES_JSON
import importlib
import json
import random
import sys

from kafka.protocol.api import Request, Response
from kafka.protocol.types import Array, Boolean, Bytes, Int8, Int16, Int32, Int64, Schema, String

seed = int(sys.argv[1])
ranges = {int(k): v for k, v in json.loads(sys.argv[2]).items()}
rnd = random.Random(seed)


def value(t, depth=0):
    if isinstance(t, Schema):
        return tuple(value(f, depth + 1) for f in t.fields)
    if isinstance(t, Array):
        return [value(t.array_of, depth + 1) for _ in range(rnd.randint(0, 0 if depth > 4 else 3))]
    if t is Int8 or isinstance(t, Int8):
        return rnd.randint(-128, 127)
    if t is Int16 or isinstance(t, Int16):
        return rnd.randint(-32768, 32767)
    if t is Int32 or isinstance(t, Int32):
        return rnd.randint(-(2**31), 2**31 - 1)
    if t is Int64 or isinstance(t, Int64):
        return rnd.randint(-(2**50), 2**50)
    if t is Boolean or isinstance(t, Boolean):
        return rnd.random() < 0.5
    if isinstance(t, String) or t is String:
        return "".join(rnd.choice("abcxyz-._") for _ in range(rnd.randint(0, 12)))
    if t is Bytes or isinstance(t, Bytes):
        return bytes(rnd.randint(0, 255) for _ in range(rnd.randint(0, 20)))
    raise TypeError(repr(t))


out = []
skipped = []
for mod in ["admin", "commit", "fetch", "group", "metadata", "offset", "produce"]:
    m = importlib.import_module("kafka.protocol." + mod)
    for name in dir(m):
        cls = getattr(m, name)
        if not isinstance(cls, type) or cls in (Request, Response):
            continue
        kind = "request" if issubclass(cls, Request) else "response" if issubclass(cls, Response) else None
        if kind is None or not hasattr(cls, "SCHEMA") or not isinstance(getattr(cls, "API_KEY", None), int):
            continue
        key, ver = cls.API_KEY, cls.API_VERSION
        if key not in ranges or not (ranges[key][0] <= ver <= ranges[key][1]):
            continue
        try:
            for _ in range(3):
                body = cls.SCHEMA.encode(value(cls.SCHEMA))
                out.append({"name": name, "kind": kind, "apiKey": key, "version": ver, "hex": body.hex()})
        except TypeError:
            # A few kafka-python schemas cannot encode at all (a type class used in place of an
            # instance); kafka-python never sends those.
            skipped.append(name)
print(json.dumps({"samples": out, "skipped": skipped}))
