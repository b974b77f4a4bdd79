// Helpers every service's domain uses for stored resources: timestamps, audit JSON, request_id
// fingerprints, ids, update masks, pagination, and field-violation collection.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/api/listing.h"
#include "common/status/status.h"
#include "google/protobuf/field_mask.pb.h"
#include "google/protobuf/message.h"
#include "google/protobuf/timestamp.pb.h"

namespace sokei::api {

int64_t Micros(absl::Time t);
google::protobuf::Timestamp ToTimestamp(absl::Time t);
// Proto3 JSON of a message for audit rows ("" for null).
std::string ToJson(const google::protobuf::Message* m);
// Audit payloads: writes store the message as "pb:<full name>:<base64 bytes>" (cheap: a write
// transaction of 10,000 rows spent a third of its time printing JSON); reads render it as proto3
// JSON. Anything else (older rows) is returned as it is.
std::string AuditPayload(const google::protobuf::Message* m);
// The same payload from a message's type name and its serialized bytes (already at hand).
std::string AuditPayload(const std::string& full_name, const std::string& bytes);
std::string AuditPayloadToJson(const std::string& payload);
// A stable hash of a request's deterministic serialization: the same request_id with another
// request is refused.
std::string Fingerprint(const google::protobuf::Message& m);
absl::Status CheckRequestId(const std::string& id);
absl::Status CheckId(const std::string& field, const std::string& id);

// Validates update_mask against the fields a client may change and merges them into `dst`.
absl::Status ApplyMask(const google::protobuf::Message& src,
                       const google::protobuf::FieldMask& mask,
                       const std::set<std::string>& mutable_paths, google::protobuf::Message* dst);

// Rewrites the field violations of a nested request (requests[3].node.code).
absl::Status PrefixFields(const absl::Status& s, const std::string& prefix);

// Sets create_time (first revision only), update_time and the etag ("<created µs hex>.<revision>")
// of a resource about to be stored; returns its new revision (previous_revision 0 = new).
template <typename T>
int64_t StampRevision(T* msg, absl::Time now, int64_t previous_revision) {
  const int64_t revision = previous_revision + 1;
  if (previous_revision == 0) *msg->mutable_create_time() = ToTimestamp(now);
  *msg->mutable_update_time() = ToTimestamp(now);
  const int64_t created =
      msg->create_time().seconds() * 1000000 + msg->create_time().nanos() / 1000;
  msg->set_etag(absl::StrCat(absl::Hex(created), ".", revision));
  return revision;
}

template <typename T>
std::vector<T> Paginate(std::vector<T> all, const Page& page) {
  std::vector<T> out;
  for (int64_t i = page.offset; i < static_cast<int64_t>(all.size()) && i < page.offset + page.size;
       ++i) {
    out.push_back(std::move(all[i]));
  }
  return out;
}

// Collects every problem of a request so one error names them all.
class Violations {
 public:
  void Add(std::string field, std::string description) {
    list_.push_back({std::move(field), std::move(description)});
  }
  bool empty() const { return list_.empty(); }
  // INVALID_ARGUMENT with every violation, or OK.
  absl::Status ToStatus(absl::string_view reason) const;
  // Text checks: control characters, length in characters, required.
  void Text(const std::string& field, const std::string& value, size_t max_chars, bool required);

 private:
  std::vector<status::FieldViolation> list_;
};

}  // namespace sokei::api
