-- Plan service schema. Resources are stored as protobuf bytes with the columns the service looks
-- them up by (its own table: plans and collections); the audit trail and the request ids come
-- from the shared base schema (common/storage/base_schema), run before this file. The same SQL runs
-- on SQLite 3.40 and PostgreSQL 15.
CREATE TABLE plan_resources (
  name TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  municipality TEXT NOT NULL,
  plan TEXT NOT NULL,
  collection TEXT NOT NULL,
  code TEXT NOT NULL,
  sort_key BIGINT NOT NULL,
  revision BIGINT NOT NULL,
  data BYTEA NOT NULL
);
CREATE INDEX plan_resources_collection ON plan_resources (kind, collection, sort_key, name);
CREATE INDEX plan_resources_plan ON plan_resources (kind, plan, sort_key, name);
CREATE INDEX plan_resources_municipality ON plan_resources (kind, municipality);
CREATE UNIQUE INDEX plan_resources_code ON plan_resources (kind, collection, code) WHERE code <> '';
