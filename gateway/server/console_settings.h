// What the web console is told at /console/config.json (how staff sign in, whose published results
// the public pages show) and the Content-Security-Policy its pages carry. With OpenID Connect the
// console signs staff in at the city's identity provider (authorization code + PKCE, a public
// client: no secret in the browser) and sends the provider's access token to the gateway, which
// verifies it against the provider's keys as any bearer token; the policy then lets the pages talk
// to the provider's origin (discovery and the token endpoint) and to this origin, nothing else.
#pragma once

#include <optional>
#include <string>

#include "absl/status/statusor.h"

namespace sokei::gateway {

struct ConsoleOidc {
  std::string issuer;     // the provider's issuer URL (https, or http on loopback for tests)
  std::string client_id;  // the console's client registration at the provider
  std::string scope = "openid profile";
};

struct ConsoleSettings {
  std::string municipality;         // 6-digit code
  std::optional<ConsoleOidc> oidc;  // staff sign-in at the city's provider
  std::string dev_roles_json;       // development mode: the JSON array of roles and their tokens
};

// INVALID_ARGUMENT naming the setting when the issuer is not an absolute https URL (http only for
// 127.0.0.1 / localhost / [::1]), has a query or fragment, or the client id is empty or not printable.
absl::Status ValidateConsoleOidc(const ConsoleOidc& oidc);

// The issuer's origin ("https://idp.example.jp") for the policy's connect-src.
std::string OriginOf(const std::string& url);

// {"auth":"oidc"|"dev"|"public","municipality":…,"oidc":{…},"roles":[…]}; development wins over OIDC.
std::string ConsoleConfigJson(const ConsoleSettings& settings);

// The policy of the console's HTML pages: its own scripts only, and connections to this origin and
// the provider's.
std::string ConsoleCsp(const ConsoleSettings& settings);

}  // namespace sokei::gateway
