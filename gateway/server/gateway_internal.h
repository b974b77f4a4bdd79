// Helpers the gateway's source files share (not part of its interface).
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "gateway/server/gateway.h"
#include "google/protobuf/message.h"

namespace sokei::gateway {

using google::protobuf::Message;

// A JSON string literal (quotes and escapes): for OpenAPI and metric labels.
std::string JsonString(const std::string& s);

// Latency histogram buckets of the metrics, in milliseconds.
inline constexpr double kBucketsMs[] = {1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 5000};

struct Gateway::Counters {
  std::mutex mu;
  std::map<std::pair<std::string, int>, int64_t> requests;  // (route, status)
  std::map<std::string, std::vector<int64_t>> latency;      // route → bucket counts (+Inf last)
  std::map<std::string, double> latency_sum;
  std::map<std::string, int64_t> rejected;                                 // reason
  std::map<std::pair<std::string, std::string>, int64_t> upstream_errors;  // (service, code)
};

// A request header (lower-case name), "" when absent.
std::string Header(const HttpRequest& r, const std::string& name);
// A caller's X-Request-Id we keep: short, printable; else one is made.
bool ValidRequestId(const std::string& id);
std::string NewRequestId();
// The JSON error body and HTTP status for a status (google.rpc details kept).
HttpResponse ErrorResponse(const absl::Status& s);

// Why the caller's roles may not call a method of this access level: the counter's reason and
// the caller's message; {nullptr, nullptr} if they may.
struct Refusal {
  const char* reason = nullptr;
  const char* message = nullptr;
};
Refusal RoleRefusal(const auth::Principal& p, const type::v1::MethodAccess& access);

// A method that takes a file (a bytes `content` with the whole body bound): an import or a file
// check — the 16 MiB body limit and the import timeout.
bool IsImport(const Route& route);
// Whether a GET's reply may be kept in the response cache: a read-only method of a municipality
// that answers JSON (not a file download, not the change feed's long-poll).
bool CacheableRead(const Route& route, bool media, const std::string& municipality);
// The municipality a request is about: the first bound name under municipalities/.
std::string MunicipalityOf(const std::vector<std::pair<std::string, std::string>>& bindings);
// The upstream a route goes to: its proto package.
std::string UpstreamKey(const Route& route);

}  // namespace sokei::gateway
