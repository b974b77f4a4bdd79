#include "common/storage/change_log.h"

#include "absl/strings/str_cat.h"
#include "common/status/status.h"

namespace sokei::storage {

ChangeTables::ChangeTables(const std::string& prefix)
    : insert_(absl::StrCat("INSERT INTO ", prefix,
                           "_changes (seq, municipality, time_micros, resource, resource_type, "
                           "change_type, etag, plans, public_visible, request_id, value)"),
              11) {
  const std::string t = prefix + "_changes";
  next_seq_ = absl::StrCat("SELECT COALESCE(MAX(seq), 0) + 1 FROM ", t);
  after_ = absl::StrCat(
      "SELECT seq, municipality, time_micros, resource, resource_type, change_type, etag, plans, "
      "public_visible, request_id, value FROM ",
      t, " WHERE municipality = $1 AND seq > $2 ORDER BY seq LIMIT $3");
  after_all_ = absl::StrCat(
      "SELECT seq, municipality, time_micros, resource, resource_type, change_type, etag, plans, "
      "public_visible, request_id, value FROM ",
      t, " WHERE seq > $1 ORDER BY seq LIMIT $2");
  bounds_ = absl::StrCat("SELECT COALESCE(MIN(seq), 0), COALESCE(MAX(seq), 0) FROM ", t);
  prune_ = absl::StrCat("DELETE FROM ", t,
                        " WHERE time_micros < $1 AND seq < (SELECT MAX(seq) FROM ", t, ")");
}

absl::StatusOr<int64_t> ChangeTables::NextSeq(Connection& c, int64_t* next_seq) const {
  if (*next_seq == 0) {
    SOKEI_ASSIGN_OR_RETURN(auto rows, c.Query(next_seq_, {}));
    *next_seq = rows.empty() ? 1 : AsInt(rows.front()[0]);
  }
  return (*next_seq)++;
}

absl::Status ChangeTables::Insert(Connection& c, const std::vector<ChangeRow>& rows) const {
  return insert_.Run(c, rows.size(), [&](size_t i, std::vector<Value>* out) {
    const ChangeRow& r = rows[i];
    out->insert(out->end(),
                {r.seq, r.municipality, r.time_micros, r.resource, r.resource_type,
                 static_cast<int64_t>(r.change_type), r.etag, r.plans,
                 static_cast<int64_t>(r.public_visible ? 1 : 0), r.request_id, Blob{r.value}});
  });
}

absl::StatusOr<std::vector<ChangeRow>> ChangeTables::After(Connection& c, const std::string& m,
                                                           int64_t after_seq, int64_t limit) const {
  SOKEI_ASSIGN_OR_RETURN(auto rows, m == kEveryMunicipality
                                        ? c.Query(after_all_, {after_seq, limit})
                                        : c.Query(after_, {m, after_seq, limit}));
  std::vector<ChangeRow> out;
  out.reserve(rows.size());
  for (Row& r : rows) {
    ChangeRow row;
    row.seq = AsInt(r[0]);
    row.municipality = Take(r[1]);
    row.time_micros = AsInt(r[2]);
    row.resource = Take(r[3]);
    row.resource_type = Take(r[4]);
    row.change_type = static_cast<int>(AsInt(r[5]));
    row.etag = Take(r[6]);
    row.plans = Take(r[7]);
    row.public_visible = AsInt(r[8]) != 0;
    row.request_id = Take(r[9]);
    row.value = Take(r[10]);
    out.push_back(std::move(row));
  }
  return out;
}

absl::StatusOr<ChangeBounds> ChangeTables::Bounds(Connection& c) const {
  SOKEI_ASSIGN_OR_RETURN(auto rows, c.Query(bounds_, {}));
  if (rows.empty()) return ChangeBounds{};
  return ChangeBounds{AsInt(rows.front()[0]), AsInt(rows.front()[1])};
}

absl::Status ChangeTables::Prune(Connection& c, int64_t before_micros) const {
  return c.Exec(prune_, {before_micros});
}

}  // namespace sokei::storage
