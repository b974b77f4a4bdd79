#include "tools/oidc_login.h"

#include <curl/curl.h>
#include <sys/stat.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace sokei::cli {
namespace {

using Json = nlohmann::json;

struct Reply {
  long status = 0;
  std::string body;
};

size_t Append(char* data, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

// https, or http to the loopback address only.
absl::Status CheckUrl(const std::string& url, const std::string& what) {
  if (absl::StartsWith(url, "https://") || absl::StartsWith(url, "http://127.0.0.1:") ||
      absl::StartsWith(url, "http://127.0.0.1/") || absl::StartsWith(url, "http://localhost:") ||
      absl::StartsWith(url, "http://[::1]:")) {
    return absl::OkStatus();
  }
  return absl::InvalidArgumentError(
      absl::StrCat(what, " must be an https address (plain http only on the loopback address)"));
}

// GET (form empty) or POST of a form; the reply's status and body.
absl::StatusOr<Reply> Http(const std::string& url, const std::string& form) {
  CURL* curl = curl_easy_init();
  if (curl == nullptr) return absl::InternalError("cannot start an HTTP client");
  Reply r;
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &Append);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &r.body);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, 30L);
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "https,http");
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
  curl_slist* headers = curl_slist_append(nullptr, "Accept: application/json");
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  if (!form.empty()) curl_easy_setopt(curl, CURLOPT_POSTFIELDS, form.c_str());
  const CURLcode rc = curl_easy_perform(curl);
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &r.status);
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
  if (rc != CURLE_OK) {
    return absl::UnavailableError(
        absl::StrCat("the sign-in provider cannot be reached: ", curl_easy_strerror(rc)));
  }
  return r;
}

std::string Escape(const std::string& v) {
  char* e = curl_easy_escape(nullptr, v.c_str(), static_cast<int>(v.size()));
  std::string out = e == nullptr ? "" : e;
  curl_free(e);
  return out;
}

absl::StatusOr<Json> JsonOf(const Reply& r, const std::string& what) {
  Json j = Json::parse(r.body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return absl::UnavailableError(absl::StrCat(what, " answered HTTP ", r.status, " without JSON"));
  }
  return j;
}

std::string Text(const Json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : "";
}

absl::Status SaveToken(const std::string& path, const std::string& token) {
  const std::string tmp = path + ".new";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return absl::PermissionDeniedError(absl::StrCat("cannot write ", path));
    chmod(tmp.c_str(), 0600);  // before the token is in it
    out << token << "\n";
    if (!out) return absl::PermissionDeniedError(absl::StrCat("cannot write ", path));
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    return absl::PermissionDeniedError(absl::StrCat("cannot write ", path));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status DeviceLogin(const std::string& name, const tools::v1::Profile& p) {
  const std::string where = absl::StrCat("profiles.", name);
  if (p.oidc().issuer().empty() || p.oidc().client_id().empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat(where, ".oidc needs issuer and clientId for sokei login"));
  }
  if (p.token_file().empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat(where, ".tokenFile names where sokei login saves the token"));
  }
  if (auto s = CheckUrl(p.oidc().issuer(), where + ".oidc.issuer"); !s.ok()) return s;
  curl_global_init(CURL_GLOBAL_DEFAULT);

  // The provider's endpoints.
  std::string issuer = p.oidc().issuer();
  while (absl::EndsWith(issuer, "/")) issuer.pop_back();
  auto discovery = Http(issuer + "/.well-known/openid-configuration", "");
  if (!discovery.ok()) return discovery.status();
  auto config = JsonOf(*discovery, "the provider's discovery document");
  if (!config.ok()) return config.status();
  const std::string device_endpoint = Text(*config, "device_authorization_endpoint");
  const std::string token_endpoint = Text(*config, "token_endpoint");
  if (device_endpoint.empty() || token_endpoint.empty()) {
    return absl::FailedPreconditionError(
        "the provider does not offer the device authorization grant (no "
        "device_authorization_endpoint in its discovery document)");
  }
  for (const auto& [url, what] : {std::pair{device_endpoint, "device_authorization_endpoint"},
                                  std::pair{token_endpoint, "token_endpoint"}}) {
    if (auto s = CheckUrl(url, what); !s.ok()) return s;
  }

  // A code for the person to enter.
  const std::string scope = p.oidc().scope().empty() ? "openid" : p.oidc().scope();
  auto started = Http(device_endpoint, absl::StrCat("client_id=", Escape(p.oidc().client_id()),
                                                    "&scope=", Escape(scope)));
  if (!started.ok()) return started.status();
  auto grant = JsonOf(*started, "the device authorization endpoint");
  if (!grant.ok()) return grant.status();
  if (started->status != 200 || Text(*grant, "device_code").empty()) {
    return absl::PermissionDeniedError(
        absl::StrCat("the provider refused to start a sign-in: ", Text(*grant, "error")));
  }
  const std::string device_code = Text(*grant, "device_code");
  const std::string complete = Text(*grant, "verification_uri_complete");
  std::fprintf(stderr, "To sign in, open %s and enter the code %s\n",
               Text(*grant, "verification_uri").c_str(), Text(*grant, "user_code").c_str());
  if (!complete.empty()) std::fprintf(stderr, "(or open %s)\n", complete.c_str());
  std::fflush(stderr);
  int interval = grant->value("interval", 5);
  const int expires_in = grant->value("expires_in", 600);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(expires_in);

  // Waiting for the person: polled at the provider's interval (RFC 8628 §3.4, §3.5).
  while (std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::seconds(std::max(1, interval)));
    auto polled =
        Http(token_endpoint,
             absl::StrCat("grant_type=", Escape("urn:ietf:params:oauth:grant-type:device_code"),
                          "&device_code=", Escape(device_code),
                          "&client_id=", Escape(p.oidc().client_id())));
    if (!polled.ok()) return polled.status();
    auto answer = JsonOf(*polled, "the token endpoint");
    if (!answer.ok()) return answer.status();
    if (polled->status == 200) {
      const std::string token = Text(*answer, "access_token");
      if (token.empty()) return absl::UnavailableError("the token endpoint gave no access_token");
      if (auto s = SaveToken(p.token_file(), token); !s.ok()) return s;
      std::fprintf(stderr, "signed in; the token is in %s\n", p.token_file().c_str());
      return absl::OkStatus();
    }
    const std::string error = Text(*answer, "error");
    if (error == "authorization_pending") continue;
    if (error == "slow_down") {
      interval += 5;
      continue;
    }
    if (error == "access_denied") return absl::PermissionDeniedError("the sign-in was refused");
    if (error == "expired_token") break;
    return absl::PermissionDeniedError(absl::StrCat("the sign-in failed: ", error));
  }
  return absl::DeadlineExceededError("the code expired before the sign-in; run sokei login again");
}

}  // namespace sokei::cli
