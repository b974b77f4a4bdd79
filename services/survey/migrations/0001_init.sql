-- Survey service schema: surveys and questions as protobuf records with lookup columns, one row
-- per respondent (microdata: never cached, read only by the service), audit, idempotency and the
-- per-municipality generation. The same SQL runs on SQLite 3.40 and PostgreSQL 15.
CREATE TABLE survey_resources (
  name TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  municipality TEXT NOT NULL,
  parent TEXT NOT NULL,
  code TEXT NOT NULL,
  sort_key BIGINT NOT NULL,
  revision BIGINT NOT NULL,
  data BYTEA NOT NULL
);
CREATE INDEX survey_resources_parent ON survey_resources (kind, parent, sort_key, name);
CREATE UNIQUE INDEX survey_resources_code ON survey_resources (kind, parent, code) WHERE code <> '';

CREATE TABLE survey_respondents (
  survey TEXT NOT NULL,
  respondent TEXT NOT NULL,
  seq BIGINT NOT NULL,
  data BYTEA NOT NULL,
  PRIMARY KEY (survey, respondent)
);
CREATE INDEX survey_respondents_seq ON survey_respondents (survey, seq);

CREATE TABLE survey_generations (
  municipality TEXT PRIMARY KEY,
  generation BIGINT NOT NULL
);

CREATE TABLE survey_audit_events (
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

CREATE TABLE survey_idempotency (
  municipality TEXT NOT NULL,
  request_id TEXT NOT NULL,
  method TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  response BYTEA NOT NULL,
  time_micros BIGINT NOT NULL,
  PRIMARY KEY (municipality, request_id)
);
