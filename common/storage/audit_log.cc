#include "common/storage/audit_log.h"

#include "absl/strings/str_cat.h"
#include "common/status/status.h"

namespace sokei::storage {

AuditTables::AuditTables(const std::string& prefix)
    : insert_(absl::StrCat("INSERT INTO ", prefix,
                           "_audit_events (municipality, seq, time_micros, actor, method, "
                           "resource, request_id, before_json, after_json)"),
              9) {
  const std::string audit = prefix + "_audit_events", idem = prefix + "_idempotency";
  next_seq_ =
      absl::StrCat("SELECT COALESCE(MAX(seq), 0) + 1 FROM ", audit, " WHERE municipality = $1");
  // Prefix match without LIKE (whose escaping and case rules differ between databases).
  list_ = absl::StrCat(
      "SELECT municipality, seq, time_micros, actor, method, resource, request_id, before_json, "
      "after_json FROM ",
      audit,
      " WHERE municipality = $1 AND ($2 = '' OR substr(resource, 1, length($2)) = $2) "
      "AND ($3 = '' OR actor = $3) ORDER BY seq DESC LIMIT $4 OFFSET $5");
  get_idem_ = absl::StrCat(
      "SELECT municipality, request_id, method, fingerprint, response, time_micros FROM ", idem,
      " WHERE municipality = $1 AND request_id = $2");
  put_idem_ = absl::StrCat("INSERT INTO ", idem,
                           " (municipality, request_id, method, fingerprint, response, "
                           "time_micros) VALUES ($1, $2, $3, $4, $5, $6)");
}

absl::StatusOr<int64_t> AuditTables::NextSeq(Connection& c, const std::string& municipality,
                                             std::map<std::string, int64_t>* next_seq) const {
  auto it = next_seq->find(municipality);
  if (it == next_seq->end()) {
    SOKEI_ASSIGN_OR_RETURN(auto rows, c.Query(next_seq_, {municipality}));
    it = next_seq->emplace(municipality, rows.empty() ? 1 : AsInt(rows.front()[0])).first;
  }
  return it->second++;
}

absl::Status AuditTables::Insert(Connection& c, const std::vector<AuditRow>& rows) const {
  return insert_.Run(c, rows.size(), [&](size_t i, std::vector<Value>* out) {
    const AuditRow& r = rows[i];
    out->insert(out->end(), {r.municipality, r.seq, r.time_micros, r.actor, r.method, r.resource,
                             r.request_id, r.before_json, r.after_json});
  });
}

absl::StatusOr<std::vector<AuditRow>> AuditTables::List(Connection& c, const std::string& m,
                                                        const std::string& prefix,
                                                        const std::string& actor, int64_t offset,
                                                        int64_t limit) const {
  SOKEI_ASSIGN_OR_RETURN(auto rows, c.Query(list_, {m, prefix, actor, limit, offset}));
  std::vector<AuditRow> out;
  for (const Row& r : rows) {
    out.push_back({AsText(r[0]), AsInt(r[1]), AsInt(r[2]), AsText(r[3]), AsText(r[4]), AsText(r[5]),
                   AsText(r[6]), AsText(r[7]), AsText(r[8])});
  }
  return out;
}

absl::StatusOr<std::optional<IdempotencyRow>> AuditTables::GetIdempotency(
    Connection& c, const std::string& m, const std::string& id) const {
  SOKEI_ASSIGN_OR_RETURN(auto rows, c.Query(get_idem_, {m, id}));
  if (rows.empty()) return std::nullopt;
  const Row& r = rows.front();
  return IdempotencyRow{AsText(r[0]), AsText(r[1]), AsText(r[2]),
                        AsText(r[3]), AsText(r[4]), AsInt(r[5])};
}

absl::Status AuditTables::PutIdempotency(Connection& c, const IdempotencyRow& row) const {
  return c.Exec(put_idem_, {row.municipality, row.request_id, row.method, row.fingerprint,
                            Blob{row.response}, row.time_micros});
}

}  // namespace sokei::storage
