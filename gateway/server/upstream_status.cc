#include "gateway/server/upstream_status.h"

#include "absl/strings/str_cat.h"
#include "common/status/grpc_status.h"
#include "common/status/status.h"

namespace sokei::gateway {

grpc::Status ForCaller(const grpc::Status& upstream, const std::string& service) {
  if (upstream.ok() || !upstream.error_details().empty()) return upstream;
  switch (upstream.error_code()) {
    case grpc::StatusCode::UNAVAILABLE:
      return status::ToGrpc(status::Unavailable(
          "UPSTREAM_UNAVAILABLE", absl::StrCat("the ", service, " service cannot be reached")));
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return status::ToGrpc(status::WithReason(
          absl::StatusCode::kDeadlineExceeded,
          absl::StrCat("the ", service, " service did not answer in time"), "UPSTREAM_TIMEOUT"));
    case grpc::StatusCode::CANCELLED:
      return status::ToGrpc(status::WithReason(absl::StatusCode::kCancelled,
                                               "the call was cancelled", "UPSTREAM_CANCELLED"));
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return status::ToGrpc(status::ResourceExhausted(
          "UPSTREAM_REFUSED",
          absl::StrCat("the ", service, " service refused the call: too large or too many")));
    default:
      return status::ToGrpc(status::WithReason(
          static_cast<absl::StatusCode>(upstream.error_code()),
          absl::StrCat("the ", service, " service failed"), "UPSTREAM_FAILED"));
  }
}

}  // namespace sokei::gateway
