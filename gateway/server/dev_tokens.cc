// Development sign-in: an HS256 secret kept in the data directory and a ready token per role.
#include "gateway/server/dev_tokens.h"

#include <sys/stat.h>

#include <fstream>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/log/log.h"
#include "common/status/status.h"

namespace sokei::gateway {

absl::StatusOr<std::string> SetUpDevTokens(const std::string& dir, const JwtPolicy& policy,
                                           Credentials* creds) {
  mkdir(dir.c_str(), 0755);
  const std::string secret_path = dir + "/gateway-dev-secret";
  std::string secret;
  if (std::ifstream in(secret_path); in) {
    std::getline(in, secret);
  } else {
    absl::BitGen gen;
    secret = absl::StrFormat("%016x%016x%016x", absl::Uniform<uint64_t>(gen),
                             absl::Uniform<uint64_t>(gen), absl::Uniform<uint64_t>(gen));
    std::ofstream out(secret_path);
    out << secret << "\n";
    chmod(secret_path.c_str(), 0600);
  }
  SOKEI_RETURN_IF_ERROR(creds->AddHmacSecret("dev", secret));
  const int64_t exp = absl::ToUnixSeconds(absl::Now() + absl::Hours(24 * 30));
  struct Who {
    const char* role;
    const char* claims;
    const char* label;  // how the console's sign-in page names the role
  };
  const Who who[] = {
      {"admin", R"("sub":"dev-admin","roles":["admin"],"municipality":"*")", "システム管理者"},
      {"planner", R"("sub":"dev-planner","roles":["planner"],"municipality":"142140")",
       "企画課（伊勢原市 企画政策課・計画担当）"},
      {"editor",
       R"("sub":"dev-editor","roles":["editor"],"municipality":"142140","departments":["kikaku"])",
       "所管課（伊勢原市 企画政策課）"},
      // d-hc796d3cb13: the id the progress-table importer gives 子育て支援課 (seed 001 owner of 06-101 …).
      {"editor-kosodate",
       R"("sub":"dev-editor-kosodate","roles":["editor"],"municipality":"142140","departments":["d-hc796d3cb13"])",
       "所管課（伊勢原市 子育て支援課）"},
      {"viewer", R"("sub":"dev-viewer","roles":["viewer"],"municipality":"142140")",
       "閲覧者（伊勢原市 職員）"},
      {"public", R"("sub":"dev-public","roles":["public"],"municipality":"142140")",
       "市民（公開情報のみ）"}};
  std::string json = "{\n";
  std::string console = "[";
  for (size_t i = 0; i < std::size(who); ++i) {
    auto token =
        SignJwt("HS256", "dev", secret,
                         absl::StrCat("{", who[i].claims, R"(,"iss":")", policy.issuer,
                                      R"(","aud":")", policy.audience, R"(","exp":)", exp, "}"));
    if (!token.ok()) return absl::InternalError("cannot sign the development tokens");
    absl::StrAppend(&json, "  \"", who[i].role, "\": \"", *token, "\"",
                    i + 1 < std::size(who) ? "," : "", "\n");
    absl::StrAppend(&console, i == 0 ? "" : ",", R"({"role":")", who[i].role, R"(","label":")",
                    who[i].label, R"(","token":")", *token, R"("})");
  }
  console += "]";
  json += "}\n";
  const std::string tokens_path = dir + "/dev-tokens.json";
  std::ofstream(tokens_path) << json;
  chmod(tokens_path.c_str(), 0600);
  log::Info("development tokens written", {{"file", tokens_path}});
  return console;
}

}  // namespace sokei::gateway
