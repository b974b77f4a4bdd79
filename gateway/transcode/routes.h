// The REST surface, compiled from the services' descriptors: every google.api.http rule (and its
// additional_bindings) becomes a Route; the table is immutable after Build, which refuses a rule
// that does not parse, binds a field the request does not have, or duplicates another route, and
// a method (REST or not) without its access option — nothing reaches an upstream unclassified.
// No code per endpoint: an annotated method appears here by being linked in.
#pragma once

#include <google/protobuf/descriptor.h>

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "gateway/transcode/path_template.h"
#include "sokei/type/v1/access.pb.h"

namespace sokei::gateway {

struct Route {
  std::string http_method;  // GET, POST, PATCH, DELETE, PUT or a custom one
  PathTemplate path;
  std::string body;  // "" (none), "*" (the whole request) or a top-level field name
  const google::protobuf::MethodDescriptor* method = nullptr;
  std::string grpc_path;  // /sokei.plan.v1.PlanService/GetPlan
  type::v1::MethodAccess access;
};

// A method's (sokei.type.v1.access) option; level ACCESS_LEVEL_UNSPECIFIED when it has none.
type::v1::MethodAccess AccessOf(const google::protobuf::MethodDescriptor* method);

class RouteTable {
 public:
  static absl::StatusOr<RouteTable> Build(
      const std::vector<const google::protobuf::ServiceDescriptor*>& services);

  enum class Outcome { kFound, kNotFound, kMethodNotAllowed };
  struct Match {
    const Route* route = nullptr;
    std::vector<std::pair<std::string, std::string>> bindings;
  };
  // kMethodNotAllowed: the path matches routes of other methods, listed in `allowed`.
  Outcome Find(absl::string_view http_method, absl::string_view path, Match* match,
               std::vector<std::string>* allowed) const;

  const std::vector<Route>& routes() const { return routes_; }

 private:
  std::vector<Route> routes_;  // most specific first
};

// The field called `name` (proto or JSON name) in `message`, or nullptr.
const google::protobuf::FieldDescriptor* FindField(const google::protobuf::Descriptor* message,
                                                   absl::string_view name);
// The field a dotted path names in `message` (json or proto names accepted), or nullptr.
const google::protobuf::FieldDescriptor* FindFieldPath(const google::protobuf::Descriptor* message,
                                                       absl::string_view path);

}  // namespace sokei::gateway
