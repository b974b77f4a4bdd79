#include "gateway/server/console_settings.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/algorithm/container.h"
#include "gateway/transcode/json_render.h"

namespace sokei::gateway {
namespace {

constexpr char kCspHead[] =
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "connect-src 'self'";
constexpr char kCspTail[] =
    "; font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'";

absl::Status Bad(const std::string& field, const std::string& reason) {
  return absl::InvalidArgumentError(absl::StrCat(field, " ", reason));
}

// "https://host[:port]/path" → host part ("host[:port]"); empty when not of that shape.
std::string Authority(const std::string& url, std::string* scheme) {
  const size_t sep = url.find("://");
  if (sep == std::string::npos) return "";
  *scheme = url.substr(0, sep);
  const size_t start = sep + 3;
  const size_t end = url.find('/', start);
  return url.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

bool Loopback(const std::string& authority) {
  std::string host = authority;
  if (absl::StartsWith(host, "[")) {
    host = host.substr(0, host.find(']') + 1);
  } else if (const size_t colon = host.rfind(':'); colon != std::string::npos) {
    host = host.substr(0, colon);
  }
  return host == "127.0.0.1" || host == "localhost" || host == "[::1]";
}

}  // namespace

absl::Status ValidateConsoleOidc(const ConsoleOidc& oidc) {
  std::string scheme;
  const std::string authority = Authority(oidc.issuer, &scheme);
  const bool printable = absl::c_all_of(oidc.issuer, [](char c) { return c > 0x20 && c < 0x7f; });
  if (authority.empty() || !printable || absl::StrContains(authority, "@") ||
      absl::StrContains(oidc.issuer, "?") || absl::StrContains(oidc.issuer, "#")) {
    return Bad("SOKEI_GATEWAY_OIDC_ISSUER", "must be an absolute URL without query or fragment");
  }
  if (scheme != "https" && !(scheme == "http" && Loopback(authority))) {
    return Bad("SOKEI_GATEWAY_OIDC_ISSUER", "must use https (http only on a loopback address)");
  }
  if (oidc.client_id.empty() || oidc.client_id.size() > 200 ||
      !absl::c_all_of(oidc.client_id, [](char c) { return c > 0x20 && c < 0x7f; })) {
    return Bad("SOKEI_GATEWAY_OIDC_CLIENT_ID", "must be 1-200 printable ASCII characters");
  }
  if (oidc.scope.find("openid") == std::string::npos) {
    return Bad("SOKEI_GATEWAY_OIDC_SCOPE", "must include openid");
  }
  return absl::OkStatus();
}

std::string OriginOf(const std::string& url) {
  std::string scheme;
  const std::string authority = Authority(url, &scheme);
  return authority.empty() ? "" : absl::StrCat(scheme, "://", authority);
}

std::string ConsoleConfigJson(const ConsoleSettings& s) {
  std::string out = R"({"auth":)";
  out += !s.dev_roles_json.empty() ? R"("dev")" : s.oidc ? R"("oidc")" : R"("public")";
  out += R"(,"municipality":)";
  AppendJsonString(s.municipality, &out);
  if (!s.dev_roles_json.empty()) {
    absl::StrAppend(&out, R"(,"roles":)", s.dev_roles_json);
  } else if (s.oidc) {
    out += R"(,"oidc":{"issuer":)";
    AppendJsonString(s.oidc->issuer, &out);
    out += R"(,"clientId":)";
    AppendJsonString(s.oidc->client_id, &out);
    out += R"(,"scope":)";
    AppendJsonString(s.oidc->scope, &out);
    out += "}";
  }
  out += "}";
  return out;
}

std::string ConsoleCsp(const ConsoleSettings& s) {
  std::string csp = kCspHead;
  if (s.dev_roles_json.empty() && s.oidc) absl::StrAppend(&csp, " ", OriginOf(s.oidc->issuer));
  return csp + kCspTail;
}

}  // namespace sokei::gateway
