-- Contexts: every context (Confluent's `:.ctx:` namespaces) has its own schema ids, so the id
-- space and the fingerprint uniqueness become per context. `context` is '.' for the default
-- context, else the context's name ('.ctx'). Subjects keep their qualified names
-- (':.ctx:orders'); subject_versions repeats the context so its schema id can reference the
-- schema row of its own context. Existing rows land in the default context.

ALTER TABLE schema_references DROP CONSTRAINT schema_references_schema_id_fkey;
ALTER TABLE subject_versions DROP CONSTRAINT subject_versions_schema_id_fkey;

ALTER TABLE schemas ADD COLUMN context TEXT NOT NULL DEFAULT '.';
ALTER TABLE schemas DROP CONSTRAINT schemas_pkey;
ALTER TABLE schemas DROP CONSTRAINT schemas_fingerprint_key;
ALTER TABLE schemas ADD PRIMARY KEY (context, id);
ALTER TABLE schemas ADD CONSTRAINT schemas_context_fingerprint_key UNIQUE (context, fingerprint);

ALTER TABLE schema_references ADD COLUMN context TEXT NOT NULL DEFAULT '.';
ALTER TABLE schema_references DROP CONSTRAINT schema_references_pkey;
ALTER TABLE schema_references ADD PRIMARY KEY (context, schema_id, position);
ALTER TABLE schema_references ADD CONSTRAINT schema_references_schema_fkey
    FOREIGN KEY (context, schema_id) REFERENCES schemas (context, id);

ALTER TABLE subject_versions ADD COLUMN context TEXT NOT NULL DEFAULT '.';
ALTER TABLE subject_versions ADD CONSTRAINT subject_versions_schema_fkey
    FOREIGN KEY (context, schema_id) REFERENCES schemas (context, id);
DROP INDEX subject_versions_schema;
CREATE INDEX subject_versions_schema ON subject_versions (context, schema_id);

-- Erased ids are per context too.
ALTER TABLE erasures ADD COLUMN context TEXT NOT NULL DEFAULT '.';
