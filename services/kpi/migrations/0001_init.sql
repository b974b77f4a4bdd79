-- KPI service schema: records as protobuf bytes with lookup columns, plan membership of
-- indicators, audit and idempotency. The same SQL runs on SQLite 3.40 and PostgreSQL 15.
CREATE TABLE kpi_resources (
  name TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  municipality TEXT NOT NULL,
  parent TEXT NOT NULL,
  code TEXT NOT NULL,
  sort_key BIGINT NOT NULL,
  revision BIGINT NOT NULL,
  data BYTEA NOT NULL
);
CREATE INDEX kpi_resources_parent ON kpi_resources (kind, parent, sort_key, name);
CREATE UNIQUE INDEX kpi_resources_code ON kpi_resources (kind, parent, code) WHERE code <> '';

CREATE TABLE kpi_plan_members (
  plan TEXT NOT NULL,
  indicator TEXT NOT NULL,
  PRIMARY KEY (plan, indicator)
);
CREATE INDEX kpi_plan_members_indicator ON kpi_plan_members (indicator);

CREATE TABLE kpi_audit_events (
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

CREATE TABLE kpi_idempotency (
  municipality TEXT NOT NULL,
  request_id TEXT NOT NULL,
  method TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  response BYTEA NOT NULL,
  time_micros BIGINT NOT NULL,
  PRIMARY KEY (municipality, request_id)
);
