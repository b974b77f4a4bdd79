// Output helpers shared by the CLI's commands.
#pragma once

#include <google/protobuf/util/json_util.h>

#include <cstdio>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "common/config/config.h"
#include "common/grpcx/server.h"
#include "common/status/grpc_status.h"
#include "common/status/status.h"
#include "sokei/type/v1/audit.pb.h"
#include "tools/connection.h"

namespace sokei::cli {

// A service's stub at the address in `env` (or `fallback`), or through the profile's gateway;
// each call with a timeout and the profile's token.
template <typename Service>
class ServiceClient {
 public:
  ServiceClient(const char* env, const char* fallback, int default_timeout_ms)
      : stub_(Service::NewStub(CurrentConnection().Channel(env, fallback))),
        default_timeout_ms_(default_timeout_ms) {}

  template <typename Req, typename Resp>
  absl::Status Call(grpc::Status (Service::Stub::*fn)(grpc::ClientContext*, const Req&, Resp*),
                    const Req& req, Resp* resp, int timeout_ms = 0) {
    grpc::ClientContext ctx;
    grpcx::SetTimeout(&ctx, timeout_ms > 0 ? timeout_ms : default_timeout_ms_);
    CurrentConnection().Prepare(&ctx);
    return status::FromGrpc(((*stub_).*fn)(&ctx, req, resp));
  }
  typename Service::Stub& raw() { return *stub_; }

 private:
  std::unique_ptr<typename Service::Stub> stub_;
  int default_timeout_ms_;
};

// The latest `limit` audit events of a municipality from one service (every service has the same
// ListAuditEvents).
template <typename Service, typename Req, typename Resp>
absl::StatusOr<std::vector<type::v1::AuditEvent>> LatestAuditEvents(
    ServiceClient<Service>& client,
    grpc::Status (Service::Stub::*list)(grpc::ClientContext*, const Req&, Resp*),
    const std::string& municipality, int limit) {
  Req req;
  req.set_parent(municipality);
  req.set_page_size(limit);
  Resp resp;
  SOKEI_RETURN_IF_ERROR(client.Call(list, req, &resp));
  return std::vector<type::v1::AuditEvent>(resp.audit_events().begin(), resp.audit_events().end());
}

// Prints the error as message, reason and fields; returns the exit status (2 for bad input).
inline int Fail(const absl::Status& s) {
  auto info = status::GetErrorInfo(s);
  std::fprintf(stderr, "error: %s", std::string(s.message()).c_str());
  if (info) {
    std::fprintf(stderr, " [%s]", info->reason.c_str());
  } else {
    std::fprintf(stderr, " [%s]", absl::StatusCodeToString(s.code()).c_str());
  }
  std::fprintf(stderr, "\n");
  const auto violations = status::GetFieldViolations(s);
  if (violations.size() > 1) {  // the message already names the first
    for (const auto& v : violations)
      std::fprintf(stderr, "  %s: %s\n", v.field.c_str(), v.description.c_str());
  }
  if (s.code() == absl::StatusCode::kUnavailable) {
    std::fprintf(stderr, "  (is the service running? scripts/run.sh starts it)\n");
  }
  return s.code() == absl::StatusCode::kInvalidArgument ? 2 : 1;
}

// The value of --key, or `fallback`.
inline std::string Flag(const std::map<std::string, std::string>& flags, const std::string& key,
                        const std::string& fallback = "") {
  auto it = flags.find(key);
  return it == flags.end() ? fallback : it->second;
}

// Prints the usage line of a command; returns the exit status for bad usage.
inline int Usage(const char* text) {
  std::fprintf(stderr, "usage: %s\n", text);
  return 2;
}

inline void PrintJson(const google::protobuf::Message& m) {
  std::string out;
  google::protobuf::util::JsonPrintOptions o;
  o.add_whitespace = true;
  (void)google::protobuf::util::MessageToJsonString(m, &out, o);
  std::cout << out;
}

}  // namespace sokei::cli
