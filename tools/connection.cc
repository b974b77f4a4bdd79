#include "tools/connection.h"

#include <google/protobuf/util/json_util.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/config/config.h"
#include "common/grpcx/server.h"
#include "profiles.pb.h"

namespace sokei::cli {
namespace {

Connection& Current() {
  static Connection* c = new Connection();
  return *c;
}

absl::StatusOr<std::string> ReadText(const std::string& path, const std::string& what) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  if (!in) return absl::NotFoundError(absl::StrCat(what, " cannot be read: ", path));
  return text.str();
}

std::string ProfilesPath() {
  const std::string set = config::EnvOr("SOKEI_CONFIG", "");
  if (!set.empty()) return set;
  return absl::StrCat(config::EnvOr("HOME", "."), "/.config/sokei/profiles.json");
}

}  // namespace

std::shared_ptr<grpc::Channel> Connection::Channel(const char* env, const char* fallback) const {
  if (profile.empty()) return grpcx::MakeChannel(config::EnvOr(env, fallback), 64 << 20);
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(64 << 20);
  args.SetMaxSendMessageSize(64 << 20);
  return grpc::CreateCustomChannel(gateway, credentials, args);
}

void Connection::Prepare(grpc::ClientContext* ctx) const {
  if (!token.empty()) ctx->AddMetadata("authorization", absl::StrCat("Bearer ", token));
}

absl::StatusOr<NamedProfile> FindProfile(const std::string& profile_flag) {
  std::string name = profile_flag.empty() ? config::EnvOr("SOKEI_PROFILE", "") : profile_flag;
  const std::string path = ProfilesPath();
  std::ifstream probe(path);
  if (!probe) {
    if (name.empty()) return NamedProfile();  // no profiles: dev mode
    return absl::NotFoundError(absl::StrCat("profile ", name, ": no profiles file at ", path,
                                            " (set SOKEI_CONFIG)"));
  }
  auto text = ReadText(path, "the profiles file");
  if (!text.ok()) return text.status();
  tools::v1::Profiles profiles;
  google::protobuf::util::JsonParseOptions strict;
  if (auto s = google::protobuf::util::JsonStringToMessage(*text, &profiles, strict); !s.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": ", s.message().as_string()));
  }
  if (name.empty()) name = profiles.current();
  if (name.empty()) return NamedProfile();
  auto it = profiles.profiles().find(name);
  if (it == profiles.profiles().end()) {
    return absl::NotFoundError(absl::StrCat("no profile named ", name, " in ", path));
  }
  return NamedProfile{name, it->second, path};
}

absl::StatusOr<Connection> LoadConnection(const std::string& profile_flag) {
  auto found = FindProfile(profile_flag);
  if (!found.ok()) return found.status();
  if (found->name.empty()) return Connection();
  const std::string& name = found->name;
  const std::string& path = found->path;
  const tools::v1::Profile& p = found->profile;
  if (!config::IsValidHostPort(p.gateway())) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": profiles.", name, ".gateway must be host:port"));
  }
  Connection c;
  c.profile = name;
  c.gateway = p.gateway();
  if (p.tls()) {
    grpc::SslCredentialsOptions ssl;
    if (!p.ca_file().empty()) {
      auto roots = ReadText(p.ca_file(), absl::StrCat("profiles.", name, ".caFile"));
      if (!roots.ok()) return roots.status();
      ssl.pem_root_certs = *roots;
    }
    c.credentials = grpc::SslCredentials(ssl);
  } else {
    c.credentials = grpc::InsecureChannelCredentials();
  }
  if (!p.token_file().empty()) {
    std::ifstream exists(p.token_file());
    if (!exists && !p.oidc().issuer().empty()) {
      return absl::FailedPreconditionError(absl::StrCat(
          "profile ", name, ": not signed in (run sokei --profile ", name, " login)"));
    }
    auto token = ReadText(p.token_file(), absl::StrCat("profiles.", name, ".tokenFile"));
    if (!token.ok()) return token.status();
    c.token = std::string(absl::StripAsciiWhitespace(*token));
  } else if (!p.token_env().empty()) {
    c.token = config::EnvOr(p.token_env().c_str(), "");
    if (c.token.empty()) {
      return absl::FailedPreconditionError(
          absl::StrCat("profile ", name, ": the token variable ", p.token_env(), " is empty"));
    }
  }
  return c;
}

const Connection& CurrentConnection() { return Current(); }
void SetCurrentConnection(Connection c) { Current() = std::move(c); }

}  // namespace sokei::cli
