// The one place where absl::Status and grpc::Status meet (google.rpc details travel in
// grpc-status-details-bin).
#pragma once

#include <grpcpp/support/status.h>

#include "absl/status/status.h"

namespace sokei::status {

grpc::Status ToGrpc(const absl::Status& status);
absl::Status FromGrpc(const grpc::Status& status);

}  // namespace sokei::status
