// The gateway's shared helpers: headers, request ids, error replies, role checks, routing keys.
#include "gateway/server/gateway_internal.h"

#include <google/protobuf/dynamic_message.h>

#include <algorithm>
#include <optional>
#include <set>

#include "absl/random/random.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/log/log.h"
#include "common/status/grpc_status.h"
#include "common/status/status.h"
#include "gateway/server/gateway.h"
#include "gateway/transcode/files.h"
#include "gateway/transcode/transcoder.h"

namespace sokei::gateway {

std::string Header(const HttpRequest& r, const std::string& name) {
  auto it = r.headers.find(name);
  return it == r.headers.end() ? "" : it->second;
}

bool ValidRequestId(const std::string& id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id) {
    if (!(absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.')) {
      return false;
    }
  }
  return true;
}

std::string NewRequestId() {
  static thread_local absl::BitGen gen;  // seeded once per thread, not once per request
  return absl::StrCat(absl::Hex(absl::Uniform<uint64_t>(gen), absl::kZeroPad16),
                      absl::Hex(absl::Uniform<uint64_t>(gen), absl::kZeroPad16));
}

HttpResponse ErrorResponse(const absl::Status& s) {
  HttpResponse r;
  r.status = HttpStatusFor(static_cast<grpc::StatusCode>(s.code()));
  r.body = RenderError(s);
  if (r.status == 401) {
    r.headers.emplace_back("WWW-Authenticate", R"(Bearer realm="sokei", error="invalid_token")");
  }
  if (r.status == 429) r.headers.emplace_back("Retry-After", "1");
  return r;
}

Refusal RoleRefusal(const auth::Principal& p, const type::v1::MethodAccess& access) {
  using type::v1::AccessLevel;
  const bool admin = p.Has(auth::Role::kAdmin);
  const bool planner = admin || p.Has(auth::Role::kPlanner);
  const bool writer = planner || p.Has(auth::Role::kEditor);
  if (!access.read_only() && !writer) return {"READ_ONLY_ROLE", "this role may read only"};
  const char* message = nullptr;
  switch (access.level()) {
    case AccessLevel::PUBLIC:
      break;
    case AccessLevel::STAFF:
      if (p.PublicOnly()) message = "public callers may not read this";
      break;
    case AccessLevel::DEPARTMENT:
      if (!writer) message = "only editors, planners and admins may do this";
      break;
    case AccessLevel::PLANNER:
      if (!planner) message = "only planners (企画課) and admins may do this";
      break;
    case AccessLevel::ADMIN:
      if (!admin) message = "only admins may do this";
      break;
    default:
      message = "this method is not open to callers";
  }
  return message == nullptr ? Refusal{} : Refusal{"ROLE_NOT_ALLOWED", message};
}

// read — the bigger body limit and the import timeout. By the contract's shape, not by name.
bool IsImport(const Route& route) { return TakesFileUpload(route); }

// The municipality a request is about: the first bound name under municipalities/.
std::string MunicipalityOf(const std::vector<std::pair<std::string, std::string>>& bindings) {
  for (const auto& [field, value] : bindings) {
    if (absl::StartsWith(value, "municipalities/")) {
      const std::string rest = value.substr(15);
      return rest.substr(0, rest.find('/'));
    }
  }
  return "";
}

bool CacheableRead(const Route& route, bool media, const std::string& municipality) {
  return route.access.read_only() && !media && !municipality.empty() && municipality != "-" &&
         route.method->output_type()->full_name() != "sokei.type.v1.ListChangesResponse";
}

std::string UpstreamKey(const Route& route) { return route.method->service()->file()->package(); }

std::string JsonString(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out.push_back('\\');
    if (static_cast<unsigned char>(c) < 0x20) {
      absl::StrAppend(&out, absl::StrFormat("\\u%04x", c));
      continue;
    }
    out.push_back(c);
  }
  return out + "\"";
}

}  // namespace sokei::gateway
