// The console's settings: an identity provider the browser may be sent to must be a real https
// origin (http only on loopback, for tests); what the console is told and what its pages may
// connect to follow from the one setting.
#include "gateway/server/console_settings.h"

#include <gtest/gtest.h>

namespace sokei::gateway {
namespace {

ConsoleOidc Oidc(const std::string& issuer, const std::string& client = "sokei-console") {
  return ConsoleOidc{issuer, client};
}

TEST(ConsoleSettingsTest, AcceptsHttpsIssuersAndLoopbackForTests) {
  for (const char* ok : {"https://idp.city.example.jp", "https://idp.example.jp:8443/realms/staff",
                         "http://127.0.0.1:41234", "http://localhost:8080/oidc", "http://[::1]:9"}) {
    EXPECT_TRUE(ValidateConsoleOidc(Oidc(ok)).ok()) << ok;
  }
}

TEST(ConsoleSettingsTest, RefusesIssuersABrowserShouldNotBeSentTo) {
  for (const char* bad :
       {"", "idp.example.jp", "http://idp.example.jp", "http://127.0.0.1.evil.example:80",
        "ftp://idp.example.jp", "https://user@idp.example.jp", "https://idp.example.jp/?x=1",
        "https://idp.example.jp/#frag", "https://idp.example.jp/ space", "javascript://x"}) {
    absl::Status s = ValidateConsoleOidc(Oidc(bad));
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_NE(s.message().find("SOKEI_GATEWAY_OIDC_ISSUER"), std::string::npos) << bad;
  }
  absl::Status s = ValidateConsoleOidc(Oidc("https://idp.example.jp", ""));
  EXPECT_NE(s.message().find("SOKEI_GATEWAY_OIDC_CLIENT_ID"), std::string::npos);
  ConsoleOidc no_openid = Oidc("https://idp.example.jp");
  no_openid.scope = "profile";
  EXPECT_NE(ValidateConsoleOidc(no_openid).message().find("SOKEI_GATEWAY_OIDC_SCOPE"),
            std::string::npos);
}

TEST(ConsoleSettingsTest, TellsTheConsoleHowToSignIn) {
  ConsoleSettings s;
  s.municipality = "142140";
  EXPECT_EQ(ConsoleConfigJson(s), R"({"auth":"public","municipality":"142140"})");
  EXPECT_NE(ConsoleCsp(s).find("connect-src 'self';"), std::string::npos);

  s.oidc = Oidc("https://idp.example.jp/realms/\"staff\"");
  EXPECT_EQ(ConsoleConfigJson(s),
            R"({"auth":"oidc","municipality":"142140","oidc":{"issuer":)"
            R"("https://idp.example.jp/realms/\"staff\"","clientId":"sokei-console",)"
            R"("scope":"openid profile"}})");
  EXPECT_NE(ConsoleCsp(s).find("connect-src 'self' https://idp.example.jp;"), std::string::npos);
  EXPECT_EQ(OriginOf("http://127.0.0.1:4000/x/y"), "http://127.0.0.1:4000");

  // Development mode names its roles and never sends the browser to a provider.
  s.dev_roles_json = R"([{"role":"admin","label":"管理","token":"t"}])";
  EXPECT_EQ(ConsoleConfigJson(s),
            R"({"auth":"dev","municipality":"142140","roles":[{"role":"admin","label":"管理","token":"t"}]})");
  EXPECT_NE(ConsoleCsp(s).find("connect-src 'self';"), std::string::npos);
}

}  // namespace
}  // namespace sokei::gateway
