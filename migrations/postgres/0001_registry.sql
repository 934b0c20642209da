-- The registry's schema on PostgreSQL: the same tables and uniqueness rules as the SQLite
-- store (migrations/sqlite), plus `erasures`, which lets every node sharing the database learn
-- about permanent deletes. Every uniqueness rule of the Confluent API is a constraint here, so
-- no interleaving of nodes can create a duplicate id or version; the store's advisory locks
-- only make the numbering gap-free.

-- One row per distinct schema, whatever the number of subjects using it. `fingerprint` covers
-- the format, the canonical text, the references, metadata and rule set. Rows are never
-- deleted: an id written into Kafka messages must never come to mean another schema.
-- `metadata` and `rule_set` are JSON text kept as sent (jsonb would reorder keys).
CREATE TABLE schemas (
    id          INTEGER PRIMARY KEY CHECK (id > 0),
    fingerprint TEXT    NOT NULL UNIQUE,
    schema_type TEXT    NOT NULL,
    schema      TEXT    NOT NULL,
    metadata    TEXT,
    rule_set    TEXT
);

-- The `references` of a schema, in the order they were given.
CREATE TABLE schema_references (
    schema_id   INTEGER NOT NULL REFERENCES schemas (id),
    position    INTEGER NOT NULL,
    name        TEXT    NOT NULL,
    subject     TEXT    NOT NULL,
    version     INTEGER NOT NULL,
    PRIMARY KEY (schema_id, position)
);
CREATE INDEX schema_references_target ON schema_references (subject, version);

-- Versions of subjects. A soft-deleted version keeps its row (it still counts for the next
-- version number and still resolves by id); a permanent delete removes it.
CREATE TABLE subject_versions (
    subject     TEXT    NOT NULL,
    version     INTEGER NOT NULL CHECK (version > 0),
    schema_id   INTEGER NOT NULL REFERENCES schemas (id),
    deleted     BOOLEAN NOT NULL DEFAULT FALSE,
    PRIMARY KEY (subject, version)
);
CREATE INDEX subject_versions_schema ON subject_versions (schema_id);

-- Compatibility configuration per scope: '__GLOBAL' (a reserved subject name) or a subject.
-- `body` is the JSON object of the fields that were set.
CREATE TABLE configs (
    scope       TEXT    PRIMARY KEY,
    body        TEXT    NOT NULL
);

-- Mode per scope, same scopes as configs.
CREATE TABLE modes (
    scope       TEXT    PRIMARY KEY,
    mode        TEXT    NOT NULL
);

-- One row per schema id whose subject version was permanently deleted. Nodes cache schemas by
-- id; they drop an id when told on the `stele_erasures` channel (NOTIFY) and, because a
-- notification is lost while a node's listening connection is down, also by polling rows past
-- the last `seq` they saw. Erasures take a global lock before drawing `seq`, so rows commit in
-- `seq` order and a poll never skips one. Rows older than a week are pruned.
CREATE TABLE erasures (
    seq         BIGSERIAL   PRIMARY KEY,
    schema_id   INTEGER     NOT NULL,
    erased_at   TIMESTAMPTZ NOT NULL DEFAULT now()
);
