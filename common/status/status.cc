#include "common/status/status.h"

#include <algorithm>
#include <vector>

#include "absl/strings/cord.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/any.pb.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"

namespace sokei::status {
namespace {

constexpr char kTypePrefix[] = "type.googleapis.com/";

std::string TypeUrl(const google::protobuf::Message& m) {
  return absl::StrCat(kTypePrefix, m.GetDescriptor()->full_name());
}

template <typename T>
void SetDetail(absl::Status& s, const T& detail) {
  s.SetPayload(TypeUrl(detail), absl::Cord(detail.SerializeAsString()));
}

template <typename T>
std::optional<T> GetDetail(const absl::Status& s) {
  T detail;
  auto payload = s.GetPayload(TypeUrl(detail));
  if (!payload.has_value()) return std::nullopt;
  if (!detail.ParseFromString(std::string(*payload))) return std::nullopt;
  return detail;
}

}  // namespace

absl::Status WithReason(absl::StatusCode code, absl::string_view message, absl::string_view reason,
                        std::vector<std::pair<std::string, std::string>> metadata) {
  absl::Status s(code, message);
  google::rpc::ErrorInfo info;
  info.set_reason(std::string(reason));
  info.set_domain(std::string(kDomain));
  for (auto& [k, v] : metadata) (*info.mutable_metadata())[k] = v;
  SetDetail(s, info);
  return s;
}

absl::Status InvalidArgument(absl::string_view reason, std::vector<FieldViolation> violations) {
  std::string message = "invalid argument";
  if (!violations.empty()) {
    message = absl::StrCat(violations.front().field, ": ", violations.front().description);
    if (violations.size() > 1) absl::StrAppend(&message, " (and ", violations.size() - 1, " more)");
  }
  std::vector<std::pair<std::string, std::string>> md;
  if (!violations.empty()) md.emplace_back("field", violations.front().field);
  absl::Status s = WithReason(absl::StatusCode::kInvalidArgument, message, reason, md);
  google::rpc::BadRequest br;
  for (auto& v : violations) {
    auto* fv = br.add_field_violations();
    fv->set_field(v.field);
    fv->set_description(v.description);
  }
  SetDetail(s, br);
  return s;
}

absl::Status InvalidField(absl::string_view reason, std::string field, std::string description) {
  return InvalidArgument(reason, {{std::move(field), std::move(description)}});
}

absl::Status NotFound(absl::string_view reason, absl::string_view resource_name) {
  return WithReason(absl::StatusCode::kNotFound, absl::StrCat(resource_name, " not found"), reason,
                    {{"resource", std::string(resource_name)}});
}

absl::Status AlreadyExists(absl::string_view reason, absl::string_view resource_name) {
  return WithReason(absl::StatusCode::kAlreadyExists,
                    absl::StrCat(resource_name, " already exists"), reason,
                    {{"resource", std::string(resource_name)}});
}

absl::Status EtagMismatch(absl::string_view reason, absl::string_view resource_name) {
  absl::Status s = WithReason(
      absl::StatusCode::kAborted,
      absl::StrCat(resource_name, " was changed by someone else; read it again and retry"), reason,
      {{"resource", std::string(resource_name)}});
  google::rpc::PreconditionFailure pf;
  auto* v = pf.add_violations();
  v->set_type("ETAG");
  v->set_subject(std::string(resource_name));
  v->set_description("the etag does not match the stored resource");
  SetDetail(s, pf);
  return s;
}

absl::Status FailedPrecondition(absl::string_view reason, Violation violation) {
  absl::Status s = WithReason(absl::StatusCode::kFailedPrecondition,
                              absl::StrCat(violation.subject, ": ", violation.description), reason,
                              {{"resource", violation.subject}});
  google::rpc::PreconditionFailure pf;
  auto* v = pf.add_violations();
  v->set_type(violation.type);
  v->set_subject(violation.subject);
  v->set_description(violation.description);
  SetDetail(s, pf);
  return s;
}

absl::Status PermissionDenied(absl::string_view reason, absl::string_view message) {
  return WithReason(absl::StatusCode::kPermissionDenied, message, reason);
}
absl::Status Unauthenticated(absl::string_view reason, absl::string_view message) {
  return WithReason(absl::StatusCode::kUnauthenticated, message, reason);
}
absl::Status Unavailable(absl::string_view reason, absl::string_view message) {
  return WithReason(absl::StatusCode::kUnavailable, message, reason);
}
absl::Status Internal(absl::string_view reason) {
  return WithReason(absl::StatusCode::kInternal, "internal error", reason);
}
absl::Status ResourceExhausted(absl::string_view reason, absl::string_view message) {
  return WithReason(absl::StatusCode::kResourceExhausted, message, reason);
}

std::string Quote(absl::string_view text) {
  std::string out = "'";
  size_t chars = 0;
  for (size_t i = 0; i < text.size() && chars < 40; ++chars) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    size_t len = c < 0x80           ? 1
                 : (c >> 5) == 0x6  ? 2
                 : (c >> 4) == 0xE  ? 3
                 : (c >> 3) == 0x1E ? 4
                                    : 0;
    bool valid = len > 0 && i + len <= text.size();
    for (size_t k = 1; valid && k < len; ++k) {
      valid = (static_cast<unsigned char>(text[i + k]) & 0xC0) == 0x80;
    }
    if (valid && len == 1 && (c < 0x20 || c == 0x7F)) valid = false;
    if (!valid) {
      out.push_back('?');
      ++i;
      continue;
    }
    out.append(text.data() + i, len);
    i += len;
  }
  if (chars >= 40) out += "…";
  out += "'";
  return out;
}

std::optional<ErrorInfo> GetErrorInfo(const absl::Status& status) {
  auto info = GetDetail<google::rpc::ErrorInfo>(status);
  if (!info) return std::nullopt;
  ErrorInfo out{info->reason(), info->domain(), {}};
  for (const auto& [k, v] : info->metadata()) out.metadata.emplace_back(k, v);
  return out;
}

std::vector<FieldViolation> GetFieldViolations(const absl::Status& status) {
  std::vector<FieldViolation> out;
  if (auto br = GetDetail<google::rpc::BadRequest>(status)) {
    for (const auto& v : br->field_violations()) out.push_back({v.field(), v.description()});
  }
  return out;
}

std::vector<Violation> GetPreconditionViolations(const absl::Status& status) {
  std::vector<Violation> out;
  if (auto pf = GetDetail<google::rpc::PreconditionFailure>(status)) {
    for (const auto& v : pf->violations()) out.push_back({v.type(), v.subject(), v.description()});
  }
  return out;
}

std::string ToRpcStatusBytes(const absl::Status& status) {
  google::rpc::Status rpc;
  rpc.set_code(static_cast<int>(status.code()));
  rpc.set_message(std::string(status.message()));
  // absl does not promise an iteration order (debug builds shuffle it); clients and golden
  // files see the details in one order: ErrorInfo first, then the rest by type.
  std::vector<std::pair<std::string, std::string>> details;
  status.ForEachPayload([&details](absl::string_view type_url, const absl::Cord& payload) {
    details.emplace_back(std::string(type_url), std::string(payload));
  });
  std::sort(details.begin(), details.end(), [](const auto& a, const auto& b) {
    const bool a_info = absl::EndsWith(a.first, "/google.rpc.ErrorInfo");
    const bool b_info = absl::EndsWith(b.first, "/google.rpc.ErrorInfo");
    if (a_info != b_info) return a_info;
    return a.first < b.first;
  });
  for (auto& [type_url, value] : details) {
    auto* any = rpc.add_details();
    any->set_type_url(std::move(type_url));
    any->set_value(std::move(value));
  }
  return rpc.SerializeAsString();
}

absl::Status FromRpcStatusBytes(absl::StatusCode code, absl::string_view message,
                                absl::string_view rpc_status_bytes) {
  absl::Status s(code, message);
  google::rpc::Status rpc;
  if (rpc_status_bytes.empty() ||
      !rpc.ParseFromArray(rpc_status_bytes.data(), static_cast<int>(rpc_status_bytes.size()))) {
    return s;
  }
  for (const auto& any : rpc.details()) s.SetPayload(any.type_url(), absl::Cord(any.value()));
  return s;
}

}  // namespace sokei::status
