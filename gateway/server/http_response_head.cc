#include "gateway/server/http_response_head.h"

#include <algorithm>
#include <boost/beast/http.hpp>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace sokei::gateway {
namespace {

void AppendClean(absl::string_view text, std::string* out) {
  const size_t from = out->size();
  out->append(text.data(), text.size());
  for (size_t i = from; i < out->size(); ++i) {
    if ((*out)[i] == '\r' || (*out)[i] == '\n') (*out)[i] = ' ';
  }
}

}  // namespace

bool StatusHasBody(int status) { return status >= 200 && status != 204 && status != 304; }

std::string RenderResponseHead(const ResponseHead& head) {
  // The fixed headers, then the answer's own; a name set again replaces the earlier value.
  std::vector<std::pair<absl::string_view, absl::string_view>> fields = {
      {"Content-Type", head.content_type},
      {"Cache-Control", "no-store"},
      {"X-Content-Type-Options", "nosniff"},
  };
  if (head.headers != nullptr) {
    for (const auto& [name, value] : *head.headers) {
      // The framing is the listener's: written below from the body it sends.
      if (absl::EqualsIgnoreCase(name, "Content-Length") ||
          absl::EqualsIgnoreCase(name, "Transfer-Encoding") ||
          absl::EqualsIgnoreCase(name, "Connection")) {
        continue;
      }
      auto same = std::find_if(fields.begin(), fields.end(), [&](const auto& f) {
        return absl::EqualsIgnoreCase(f.first, name);
      });
      if (same != fields.end()) fields.erase(same);
      fields.emplace_back(name, value);
    }
  }
  const auto reason =
      boost::beast::http::obsolete_reason(static_cast<boost::beast::http::status>(head.status));
  std::string out;
  out.reserve(160 + 48 * fields.size());
  absl::StrAppend(&out, "HTTP/1.1 ", head.status, " ");
  out.append(reason.data(), reason.size());
  out += "\r\n";
  for (const auto& [name, value] : fields) {
    AppendClean(name, &out);
    out += ": ";
    AppendClean(value, &out);
    out += "\r\n";
  }
  if (!head.keep_alive) out += "Connection: close\r\n";
  if (StatusHasBody(head.status)) absl::StrAppend(&out, "Content-Length: ", head.body_size, "\r\n");
  out += "\r\n";
  return out;
}

}  // namespace sokei::gateway
