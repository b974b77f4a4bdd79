// REST ⇄ gRPC message transcoding for one matched route: the request message from the bound path
// variables, the query string and the JSON body (proto3 JSON mapping; unknown fields rejected;
// PATCH without an explicit mask gets update_mask from the body's keys), and the reply or the error
// rendered as JSON with the HTTP status of docs/architecture.md, "Errors on the wire".
#pragma once

#include <google/protobuf/message.h>
#include <grpcpp/support/status.h>

#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "gateway/transcode/routes.h"

namespace sokei::gateway {

// Fills `request` (of the route's input type). INVALID_ARGUMENT with a BadRequest naming the path
// variable, query parameter or body field at fault.
absl::Status BindRequest(const Route& route,
                         const std::vector<std::pair<std::string, std::string>>& path_bindings,
                         absl::string_view query, absl::string_view body,
                         google::protobuf::Message* request);

// Proto3 JSON (lowerCamelCase names, enums as names, int64 as strings).
std::string RenderJson(const google::protobuf::Message& message);

// The HTTP status for a gRPC code (docs/architecture.md, "Errors on the wire").
int HttpStatusFor(grpc::StatusCode code);

// A google.rpc.Status as JSON: the upstream's own (with its details) when it sent one.
std::string RenderError(const grpc::Status& status);
std::string RenderError(const absl::Status& status);

}  // namespace sokei::gateway
