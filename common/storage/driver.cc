#include "common/storage/driver.h"

namespace sokei::storage {

int64_t AsInt(const Value& v) {
  if (const auto* i = std::get_if<int64_t>(&v)) return *i;
  if (const auto* d = std::get_if<double>(&v)) return static_cast<int64_t>(*d);
  if (const auto* s = std::get_if<std::string>(&v)) return std::strtoll(s->c_str(), nullptr, 10);
  return 0;
}

const std::string& AsText(const Value& v) {
  static const std::string kEmpty;
  if (const auto* s = std::get_if<std::string>(&v)) return *s;
  if (const auto* b = std::get_if<Blob>(&v)) return b->bytes;
  return kEmpty;
}

absl::Status InTransaction(Database& db, TxMode mode,
                           const std::function<absl::Status(Connection&)>& fn) {
  auto conn = db.Acquire();
  absl::Status s = conn->Begin(mode);
  if (!s.ok()) return s;
  s = fn(*conn);
  if (!s.ok()) {
    conn->Rollback();
    return s;
  }
  s = conn->Commit();
  if (!s.ok()) conn->Rollback();
  return s;
}

}  // namespace sokei::storage
