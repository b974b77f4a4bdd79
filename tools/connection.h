// Where the CLI's calls go and what they carry. Without a profile (dev mode, as scripts/run.sh
// runs the suite) each service is called directly at SOKEI_{PLAN,KPI,SURVEY}_ADDR and the services
// take the call as a local admin. With a profile every call goes to the gateway's gRPC passthrough
// (TLS when the profile says so) with the profile's bearer token, and is checked there like any
// other client's.
#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "profiles.pb.h"

namespace sokei::cli {

struct Connection {
  std::string profile;  // "" = dev mode, straight to the services
  std::string gateway;
  std::shared_ptr<grpc::ChannelCredentials> credentials;
  std::string token;

  // The channel to the service whose address is in `env` (or `fallback`) in dev mode; to the
  // gateway with a profile.
  std::shared_ptr<grpc::Channel> Channel(const char* env, const char* fallback) const;
  // Adds the bearer token to a call.
  void Prepare(grpc::ClientContext* ctx) const;
};

// A profile as the file names it ("" name: none named, dev mode).
struct NamedProfile {
  std::string name;
  tools::v1::Profile profile;
  std::string path;  // of the profiles file
};
absl::StatusOr<NamedProfile> FindProfile(const std::string& profile_flag);

// The connection for `profile_flag` (--profile), else SOKEI_PROFILE, else the file's `current`;
// dev mode when none is named and the file has no current one. Errors name the file and field.
absl::StatusOr<Connection> LoadConnection(const std::string& profile_flag);

// The connection main() set up; dev mode until then.
const Connection& CurrentConnection();
void SetCurrentConnection(Connection c);

}  // namespace sokei::cli
