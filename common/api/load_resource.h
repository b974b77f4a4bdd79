// A stored resource read back as its message inside a transaction: NOT_FOUND with the caller's
// reason when there is none, INTERNAL (STORAGE_CORRUPT) when its bytes do not parse. For the
// services on the shared record store (`Tx` has Get(kind, name) returning an optional record with
// the serialized message in `data`).
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/status/status.h"

namespace sokei::api {

template <typename T, typename Tx, typename KindT>
absl::StatusOr<T> LoadOrNotFound(Tx& tx, KindT kind, const std::string& name,
                                 absl::string_view reason) {
  SOKEI_ASSIGN_OR_RETURN(auto rec, tx.Get(kind, name));
  if (!rec) return status::NotFound(reason, name);
  T msg;
  if (!msg.ParseFromString(rec->data)) return status::Internal("STORAGE_CORRUPT");
  return msg;
}

}  // namespace sokei::api
