-- Contexts: every context (Confluent's `:.ctx:` namespaces) has its own schema ids, so the id
-- space and the fingerprint uniqueness become per context. `context` is '.' for the default
-- context, else the context's name ('.ctx'). Subjects keep their qualified names
-- (':.ctx:orders'); subject_versions repeats the context so its schema id can reference the
-- schema row of its own context.
--
-- SQLite cannot change a primary key in place: the tables are renamed, rebuilt and copied.
-- Renaming `schemas` first rewrites the old children's foreign keys to the renamed table, so
-- the copies never violate a constraint, and existing rows land in the default context.

DROP INDEX schema_references_target;
DROP INDEX subject_versions_schema;
ALTER TABLE subject_versions RENAME TO subject_versions_0001;
ALTER TABLE schema_references RENAME TO schema_references_0001;
ALTER TABLE schemas RENAME TO schemas_0001;

CREATE TABLE schemas (
    context     TEXT    NOT NULL DEFAULT '.',
    id          INTEGER NOT NULL,
    fingerprint TEXT    NOT NULL,
    schema_type TEXT    NOT NULL,
    schema      TEXT    NOT NULL,
    metadata    TEXT,
    rule_set    TEXT,
    PRIMARY KEY (context, id),
    UNIQUE (context, fingerprint)
);

CREATE TABLE schema_references (
    context     TEXT    NOT NULL DEFAULT '.',
    schema_id   INTEGER NOT NULL,
    position    INTEGER NOT NULL,
    name        TEXT    NOT NULL,
    subject     TEXT    NOT NULL,
    version     INTEGER NOT NULL,
    PRIMARY KEY (context, schema_id, position),
    FOREIGN KEY (context, schema_id) REFERENCES schemas (context, id)
);
CREATE INDEX schema_references_target ON schema_references (subject, version);

CREATE TABLE subject_versions (
    subject     TEXT    NOT NULL,
    version     INTEGER NOT NULL CHECK (version > 0),
    context     TEXT    NOT NULL DEFAULT '.',
    schema_id   INTEGER NOT NULL,
    deleted     BOOLEAN NOT NULL DEFAULT FALSE,
    PRIMARY KEY (subject, version),
    FOREIGN KEY (context, schema_id) REFERENCES schemas (context, id)
);
CREATE INDEX subject_versions_schema ON subject_versions (context, schema_id);

INSERT INTO schemas (context, id, fingerprint, schema_type, schema, metadata, rule_set)
    SELECT '.', id, fingerprint, schema_type, schema, metadata, rule_set FROM schemas_0001;
INSERT INTO schema_references (context, schema_id, position, name, subject, version)
    SELECT '.', schema_id, position, name, subject, version FROM schema_references_0001;
INSERT INTO subject_versions (subject, version, context, schema_id, deleted)
    SELECT subject, version, '.', schema_id, deleted FROM subject_versions_0001;

DROP TABLE subject_versions_0001;
DROP TABLE schema_references_0001;
DROP TABLE schemas_0001;
