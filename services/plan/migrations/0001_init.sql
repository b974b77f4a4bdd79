-- Plan service schema. Resources are stored as protobuf bytes with the columns the service looks
-- them up by; the same SQL runs on SQLite 3.40 and PostgreSQL 15.
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

CREATE TABLE plan_audit_events (
  municipality TEXT NOT NULL,
  seq BIGINT NOT NULL,
  time_micros BIGINT NOT NULL,
  actor TEXT NOT NULL,
  method TEXT NOT NULL,
  resource TEXT NOT NULL,
  request_id TEXT NOT NULL,
  before_json TEXT NOT NULL,
  after_json TEXT NOT NULL,
  PRIMARY KEY (municipality, seq)
);

CREATE TABLE plan_idempotency (
  municipality TEXT NOT NULL,
  request_id TEXT NOT NULL,
  method TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  response BYTEA NOT NULL,
  time_micros BIGINT NOT NULL,
  PRIMARY KEY (municipality, request_id)
);
