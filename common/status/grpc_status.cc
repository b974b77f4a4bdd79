#include "common/status/grpc_status.h"

#include "common/status/status.h"

namespace sokei::status {

grpc::Status ToGrpc(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()), std::string(status.message()),
                      ToRpcStatusBytes(status));
}

absl::Status FromGrpc(const grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  return FromRpcStatusBytes(static_cast<absl::StatusCode>(status.error_code()),
                            status.error_message(), status.error_details());
}

}  // namespace sokei::status
