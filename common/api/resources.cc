#include "common/api/resources.h"

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "common/api/hash.h"
#include "common/api/names.h"
#include "common/jp/text.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/dynamic_message.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/protobuf/util/field_mask_util.h"
#include "google/protobuf/util/json_util.h"

namespace sokei::api {

using google::protobuf::Message;
using google::protobuf::util::FieldMaskUtil;

int64_t Micros(absl::Time t) { return absl::ToUnixMicros(t); }

google::protobuf::Timestamp ToTimestamp(absl::Time t) {
  google::protobuf::Timestamp ts;
  const int64_t us = Micros(t);
  ts.set_seconds(us / 1000000);
  ts.set_nanos(static_cast<int32_t>((us % 1000000) * 1000));
  return ts;
}

std::string ToJson(const Message* m) {
  if (m == nullptr) return "";
  std::string out;
  google::protobuf::util::JsonPrintOptions opts;
  (void)google::protobuf::util::MessageToJsonString(*m, &out, opts);
  return out;
}

std::string AuditPayload(const Message* m) {
  if (m == nullptr) return "";
  return AuditPayload(m->GetDescriptor()->full_name(), m->SerializeAsString());
}

std::string AuditPayload(const std::string& full_name, const std::string& bytes) {
  return absl::StrCat("pb:", full_name, ":", absl::Base64Escape(bytes));
}

std::string AuditPayloadToJson(const std::string& payload) {
  if (payload.rfind("pb:", 0) != 0) return payload;
  const size_t colon = payload.find(':', 3);
  if (colon == std::string::npos) return "";
  const auto* desc = google::protobuf::DescriptorPool::generated_pool()->FindMessageTypeByName(
      payload.substr(3, colon - 3));
  std::string bytes;
  if (desc == nullptr || !absl::Base64Unescape(payload.substr(colon + 1), &bytes)) return "";
  std::unique_ptr<Message> msg(
      google::protobuf::MessageFactory::generated_factory()->GetPrototype(desc)->New());
  if (!msg->ParseFromString(bytes)) return "";
  return ToJson(msg.get());
}

std::string Fingerprint(const Message& m) {
  std::string bytes;
  google::protobuf::io::StringOutputStream out(&bytes);
  google::protobuf::io::CodedOutputStream coded(&out);
  coded.SetSerializationDeterministic(true);
  m.SerializeToCodedStream(&coded);
  coded.Trim();
  return absl::StrCat(absl::Hex(Fnv1a64(bytes)));
}

absl::Status CheckRequestId(const std::string& id) {
  if (id.size() > 128 || jp::HasControlCharacters(id)) {
    return status::InvalidField("REQUEST_ID_INVALID", "request_id",
                                "at most 128 printable characters (a UUID is recommended)");
  }
  return absl::OkStatus();
}

absl::Status CheckId(const std::string& field, const std::string& id) {
  if (!IsValidId(id)) {
    return status::InvalidField(
        "ID_INVALID", field, "must be 1–63 lower-case letters, digits or '-' (not at either end)");
  }
  return absl::OkStatus();
}

absl::Status ApplyMask(const Message& src, const google::protobuf::FieldMask& mask,
                       const std::set<std::string>& mutable_paths, Message* dst) {
  if (mask.paths_size() == 0) {
    return status::InvalidField("UPDATE_MASK_INVALID", "update_mask",
                                "is required: list the fields to change");
  }
  const auto* desc = src.GetDescriptor();
  Violations v;
  for (int i = 0; i < mask.paths_size(); ++i) {
    const std::string& path = mask.paths(i);
    const std::string top = path.substr(0, path.find('.'));
    const std::string field = absl::StrCat("update_mask.paths[", i, "]");
    if (desc->FindFieldByName(top) == nullptr) {
      v.Add(field, absl::StrCat(status::Quote(path), " is not a field of ", desc->name()));
    } else if (mutable_paths.count(top) == 0) {
      v.Add(field,
            absl::StrCat(status::Quote(path), " cannot be changed (immutable or output only)"));
    }
  }
  SOKEI_RETURN_IF_ERROR(v.ToStatus("UPDATE_MASK_INVALID"));
  FieldMaskUtil::MergeOptions opts;
  opts.set_replace_message_fields(true);
  opts.set_replace_repeated_fields(true);
  google::protobuf::FieldMask top_mask;
  for (const auto& path : mask.paths()) top_mask.add_paths(path.substr(0, path.find('.')));
  FieldMaskUtil::MergeMessageTo(src, top_mask, opts, dst);
  return absl::OkStatus();
}

absl::Status PrefixFields(const absl::Status& s, const std::string& prefix) {
  if (s.code() != absl::StatusCode::kInvalidArgument) return s;
  auto violations = status::GetFieldViolations(s);
  if (violations.empty()) return s;
  for (auto& v : violations) v.field = prefix + v.field;
  auto info = status::GetErrorInfo(s);
  return status::InvalidArgument(info ? info->reason : "REQUEST_INVALID", violations);
}

absl::Status Violations::ToStatus(absl::string_view reason) const {
  if (list_.empty()) return absl::OkStatus();
  return status::InvalidArgument(reason, list_);
}

void Violations::Text(const std::string& field, const std::string& value, size_t max_chars,
                      bool required) {
  if (value.empty()) {
    if (required) Add(field, "is required");
    return;
  }
  if (jp::HasControlCharacters(value)) Add(field, "must not contain control characters");
  const size_t n = jp::CodePointCount(value);
  if (n > max_chars) Add(field, absl::StrCat("is ", n, " characters; at most ", max_chars));
}

}  // namespace sokei::api
