#include "common/storage/base_schema.h"

#include "absl/strings/str_cat.h"

namespace sokei::storage {

std::string RecordSchemaSql(const std::string& p) {
  return absl::StrCat("CREATE TABLE ", p, "_resources (\n"
                      "  name TEXT PRIMARY KEY,\n"
                      "  kind TEXT NOT NULL,\n"
                      "  municipality TEXT NOT NULL,\n"
                      "  parent TEXT NOT NULL,\n"
                      "  code TEXT NOT NULL,\n"
                      "  sort_key BIGINT NOT NULL,\n"
                      "  revision BIGINT NOT NULL,\n"
                      "  data BYTEA NOT NULL\n"
                      ");\n",
                      "CREATE INDEX ", p, "_resources_parent ON ", p,
                      "_resources (kind, parent, sort_key, name);\n",
                      "CREATE UNIQUE INDEX ", p, "_resources_code ON ", p,
                      "_resources (kind, parent, code) WHERE code <> '';\n");
}

std::string GenerationSchemaSql(const std::string& p) {
  return absl::StrCat("CREATE TABLE ", p, "_generations (\n"
                      "  municipality TEXT PRIMARY KEY,\n"
                      "  generation BIGINT NOT NULL\n"
                      ");\n");
}

std::string AuditSchemaSql(const std::string& p) {
  return absl::StrCat("CREATE TABLE ", p, "_audit_events (\n"
                      "  municipality TEXT NOT NULL,\n"
                      "  seq BIGINT NOT NULL,\n"
                      "  time_micros BIGINT NOT NULL,\n"
                      "  actor TEXT NOT NULL,\n"
                      "  method TEXT NOT NULL,\n"
                      "  resource TEXT NOT NULL,\n"
                      "  request_id TEXT NOT NULL,\n"
                      "  before_json TEXT NOT NULL,\n"
                      "  after_json TEXT NOT NULL,\n"
                      "  PRIMARY KEY (municipality, seq)\n"
                      ");\n",
                      "CREATE TABLE ", p, "_idempotency (\n"
                      "  municipality TEXT NOT NULL,\n"
                      "  request_id TEXT NOT NULL,\n"
                      "  method TEXT NOT NULL,\n"
                      "  fingerprint TEXT NOT NULL,\n"
                      "  response BYTEA NOT NULL,\n"
                      "  time_micros BIGINT NOT NULL,\n"
                      "  PRIMARY KEY (municipality, request_id)\n"
                      ");\n");
}

std::string ChangeSchemaSql(const std::string& p) {
  return absl::StrCat("CREATE TABLE ", p, "_changes (\n"
                      "  seq BIGINT PRIMARY KEY,\n"
                      "  municipality TEXT NOT NULL,\n"
                      "  time_micros BIGINT NOT NULL,\n"
                      "  resource TEXT NOT NULL,\n"
                      "  resource_type TEXT NOT NULL,\n"
                      "  change_type BIGINT NOT NULL,\n"
                      "  etag TEXT NOT NULL,\n"
                      "  plans TEXT NOT NULL,\n"
                      "  public_visible BIGINT NOT NULL,\n"
                      "  request_id TEXT NOT NULL,\n"
                      "  value BYTEA NOT NULL\n"
                      ");\n",
                      "CREATE INDEX ", p, "_changes_municipality ON ", p,
                      "_changes (municipality, seq);\n",
                      "CREATE INDEX ", p, "_changes_time ON ", p, "_changes (time_micros);\n");
}

std::vector<Migration> WithBase(std::vector<Migration> migrations, int version,
                                const std::string& sql) {
  for (Migration& m : migrations) {
    if (m.version == version) m.sql = sql + m.sql;
  }
  return migrations;
}

}  // namespace sokei::storage
