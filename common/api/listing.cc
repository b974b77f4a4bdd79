#include "common/api/listing.h"

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/api/hash.h"
#include "common/status/status.h"

namespace sokei::api {
namespace {

std::string Fingerprint(absl::string_view query_key) {
  // FNV-1a: a token must not be replayed against another query; this is not a security boundary.
  return absl::StrCat(absl::Hex(Fnv1a64(query_key)));
}

absl::Status BadToken() {
  return status::InvalidField("PAGE_TOKEN_INVALID", "page_token",
                              "is not a token returned by this list with the same parameters");
}

}  // namespace

absl::StatusOr<Page> ParsePage(int page_size, absl::string_view page_token,
                               absl::string_view query_key) {
  Page page;
  if (page_size < 0) {
    return status::InvalidField("PAGE_SIZE_INVALID", "page_size", "must not be negative");
  }
  page.size = page_size == 0 ? kDefaultPageSize : std::min(page_size, kMaxPageSize);
  if (page_token.empty()) return page;
  std::string decoded;
  if (!absl::WebSafeBase64Unescape(page_token, &decoded)) return BadToken();
  std::vector<std::string> parts = absl::StrSplit(decoded, '|');
  if (parts.size() != 3 || parts[0] != "v1" || parts[1] != Fingerprint(query_key)) {
    return BadToken();
  }
  if (!absl::SimpleAtoi(parts[2], &page.offset) || page.offset < 0) return BadToken();
  return page;
}

std::string NextPageToken(const Page& page, int64_t total, absl::string_view query_key) {
  const int64_t next = page.offset + page.size;
  if (next >= total) return "";
  return absl::WebSafeBase64Escape(absl::StrCat("v1|", Fingerprint(query_key), "|", next));
}

absl::StatusOr<std::map<std::string, std::string>> ParseFilter(
    absl::string_view filter, const std::set<std::string>& allowed) {
  std::map<std::string, std::string> out;
  auto bad = [&](std::string why) {
    return status::InvalidField("FILTER_INVALID", "filter", std::move(why));
  };
  absl::string_view rest = absl::StripAsciiWhitespace(filter);
  while (!rest.empty()) {
    const size_t eq = rest.find('=');
    if (eq == absl::string_view::npos) return bad("expected key=value terms joined with AND");
    std::string key(absl::StripAsciiWhitespace(rest.substr(0, eq)));
    if (allowed.count(key) == 0) {
      return bad(absl::StrCat("unknown key ", status::Quote(key),
                              "; allowed: ", absl::StrJoin(allowed, ", ")));
    }
    if (out.count(key) > 0) return bad(absl::StrCat("key ", status::Quote(key), " appears twice"));
    rest = absl::StripLeadingAsciiWhitespace(rest.substr(eq + 1));
    std::string value;
    if (!rest.empty() && rest.front() == '"') {
      const size_t close = rest.find('"', 1);
      if (close == absl::string_view::npos) return bad("unterminated quoted value");
      value = std::string(rest.substr(1, close - 1));
      rest = rest.substr(close + 1);
    } else {
      const size_t space = rest.find(' ');
      value = std::string(rest.substr(0, space));
      rest = space == absl::string_view::npos ? absl::string_view() : rest.substr(space);
    }
    out[key] = value;
    rest = absl::StripLeadingAsciiWhitespace(rest);
    if (rest.empty()) break;
    if (!absl::ConsumePrefix(&rest, "AND ")) return bad("terms must be joined with AND");
    rest = absl::StripLeadingAsciiWhitespace(rest);
    if (rest.empty()) return bad("a term must follow AND");
  }
  return out;
}

}  // namespace sokei::api
