-- Survey service schema. The record store (surveys and questions as protobuf records, the
-- per-municipality generation), the audit trail and the request ids come from the shared base
-- schema (common/storage/base_schema), run before this file; here only what is the survey
-- service's own: one row per respondent (microdata: never cached, read only by the service). The
-- same SQL runs on SQLite 3.40 and PostgreSQL 15.

CREATE TABLE survey_respondents (
  survey TEXT NOT NULL,
  respondent TEXT NOT NULL,
  seq BIGINT NOT NULL,
  data BYTEA NOT NULL,
  PRIMARY KEY (survey, respondent)
);
CREATE INDEX survey_respondents_seq ON survey_respondents (survey, seq);
