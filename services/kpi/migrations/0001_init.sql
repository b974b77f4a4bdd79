-- KPI service schema. The record store (kpi_resources), the audit trail and the request ids come
-- from the shared base schema (common/storage/base_schema), run before this file; here only what
-- is the KPI service's own: plan membership of indicators. The same SQL runs on SQLite 3.40 and
-- PostgreSQL 15.

CREATE TABLE kpi_plan_members (
  plan TEXT NOT NULL,
  indicator TEXT NOT NULL,
  PRIMARY KEY (plan, indicator)
);
CREATE INDEX kpi_plan_members_indicator ON kpi_plan_members (indicator);
