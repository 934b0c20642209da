#!/usr/bin/env python3
"""Fixtures for bench/run: registers schemas over HTTP (one kept-alive connection, standard
library only), dumps by-id answers for the ceiling server, and writes the large SQLite fixture
directly into a registry's database file.

Subcommands (all talk to 127.0.0.1 only; every loop is bounded by its count):
  register BASE COUNT            COUNT distinct small Avro schemas under COUNT subjects
  bodies BASE COUNT FILE         GET /schemas/ids/1..COUNT into FILE as ID<TAB>JSON lines
  versions BASE SUBJECT FIELDS COUNT [START]
                                 COUNT versions of one FIELDS-field record under SUBJECT
                                 (version k differs from the others by a default value only,
                                 so every version is backward compatible with every other)
  record FIELDS K                print the body of version K of that record (for curl)
  sqlite FILE SCHEMAS SUBJECTS   fill FILE (migrated by the registry, then stopped) with
                                 SCHEMAS schemas, SCHEMAS/SUBJECTS versions per subject
"""

import hashlib
import http.client
import json
import sqlite3
import sys
import urllib.parse

MEDIA = "application/vnd.schemaregistry.v1+json"


def small_schema(i):
    return json.dumps(
        {
            "type": "record",
            "name": f"Event{i}",
            "namespace": "bench",
            "fields": [
                {"name": "id", "type": "long"},
                {"name": "payload", "type": "string", "default": ""},
            ],
        },
        separators=(",", ":"),
    )


def wide_record(fields, k):
    """Version k of a record with `fields` fields; only f0's default changes with k."""
    members = [{"name": "f0", "type": "string", "default": f"v{k}"}]
    for n in range(1, fields):
        kind = ("long", "string", "double", "boolean")[n % 4]
        members.append({"name": f"f{n}", "type": kind})
    return json.dumps(
        {"type": "record", "name": "Wide", "namespace": "bench", "fields": members},
        separators=(",", ":"),
    )


class Client:
    def __init__(self, base):
        url = urllib.parse.urlsplit(base)
        self.conn = http.client.HTTPConnection(url.hostname, url.port, timeout=60)

    def call(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        headers = {"Content-Type": MEDIA} if data is not None else {}
        self.conn.request(method, path, body=data, headers=headers)
        answer = self.conn.getresponse()
        text = answer.read().decode()
        if answer.status != 200:
            sys.exit(f"error: {method} {path}: {answer.status} {text}")
        return text


def register(base, count):
    client = Client(base)
    for i in range(1, count + 1):
        client.call("POST", f"/subjects/bench-{i}-value/versions", {"schema": small_schema(i)})


def bodies(base, count, path):
    client = Client(base)
    with open(path, "w") as out:
        for i in range(1, count + 1):
            out.write(f"{i}\t{client.call('GET', f'/schemas/ids/{i}')}\n")


def versions(base, subject, fields, count, start=1):
    client = Client(base)
    for k in range(start, start + count):
        path = f"/subjects/{urllib.parse.quote(subject, safe='')}/versions"
        client.call("POST", path, {"schema": wide_record(fields, k)})


def fill_sqlite(path, schemas, subjects):
    per_subject = max(1, schemas // subjects)
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=OFF")
    with db:
        schema_rows = []
        version_rows = []
        for i in range(1, schemas + 1):
            text = small_schema(i)
            # Not the registry's own identity hash (that one covers the engine's canonical
            # form); unique per schema, which is all reads and start-up look at.
            fingerprint = hashlib.sha256(text.encode()).hexdigest()
            schema_rows.append((".", i, fingerprint, "AVRO", text))
            subject = f"fixture-{(i - 1) // per_subject + 1}-value"
            version_rows.append((".", subject, (i - 1) % per_subject + 1, i))
        db.executemany(
            "INSERT INTO schemas (context, id, fingerprint, schema_type, schema) VALUES (?, ?, ?, ?, ?)",
            schema_rows,
        )
        db.executemany(
            "INSERT INTO subject_versions (context, subject, version, schema_id) VALUES (?, ?, ?, ?)",
            version_rows,
        )
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()


def main(argv):
    if len(argv) < 2:
        sys.exit(__doc__)
    command, args = argv[1], argv[2:]
    if command == "register" and len(args) == 2:
        register(args[0], int(args[1]))
    elif command == "bodies" and len(args) == 3:
        bodies(args[0], int(args[1]), args[2])
    elif command == "versions" and len(args) in (4, 5):
        versions(args[0], args[1], int(args[2]), int(args[3]), int(args[4]) if len(args) == 5 else 1)
    elif command == "record" and len(args) == 2:
        print(json.dumps({"schema": wide_record(int(args[0]), int(args[1]))}))
    elif command == "sqlite" and len(args) == 3:
        fill_sqlite(args[0], int(args[1]), int(args[2]))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
