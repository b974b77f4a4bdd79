#include "gateway/server/http_caching.h"

#include <zlib.h>

#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "gateway/auth/credentials.h"

namespace sokei::gateway {
namespace {

constexpr size_t kCompressFrom = 1024;

bool HasHeader(const HttpResponse& r, absl::string_view name) {
  for (const auto& [k, v] : r.headers) {
    if (absl::EqualsIgnoreCase(k, name)) return true;
  }
  return false;
}

// "gzip" listed in Accept-Encoding without q=0.
bool AcceptsGzip(const std::string& accept_encoding) {
  for (absl::string_view part : absl::StrSplit(accept_encoding, ',')) {
    std::vector<absl::string_view> p = absl::StrSplit(part, ';');
    if (!absl::EqualsIgnoreCase(absl::StripAsciiWhitespace(p[0]), "gzip")) continue;
    for (size_t i = 1; i < p.size(); ++i) {
      const absl::string_view q = absl::StripAsciiWhitespace(p[i]);
      if (q == "q=0" || q == "q=0.0" || q == "q=0.00" || q == "q=0.000") return false;
    }
    return true;
  }
  return false;
}

// If-None-Match: "*" or a list of entity tags, weak ones compared weakly.
bool Matches(const std::string& if_none_match, const std::string& etag) {
  for (absl::string_view tag : absl::StrSplit(if_none_match, ',')) {
    tag = absl::StripAsciiWhitespace(tag);
    absl::ConsumePrefix(&tag, "W/");
    if (tag == "*" || tag == etag) return true;
  }
  return false;
}

}  // namespace

std::string Gzip(const std::string& in, int level) {
  z_stream z{};
  if (deflateInit2(&z, level, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY) != Z_OK) return "";
  std::string out(deflateBound(&z, in.size()) + 32, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  return rc == Z_STREAM_END ? out : "";
}

bool Compressible(const std::string& type) {
  return absl::StartsWith(type, "text/") || absl::StartsWith(type, "application/javascript") ||
         absl::StartsWith(type, "application/json") || absl::StartsWith(type, "image/svg");
}

void ConditionalGet(const std::string& if_none_match, const std::string& accept_encoding,
                    HttpResponse* r) {
  if (r->status != 200 || HasHeader(*r, "ETag")) return;
  // One validator per representation: the gzipped bytes are another entity than the plain ones.
  const std::string hash = Sha256Hex(r->body).substr(0, 32);
  const std::string plain = absl::StrCat("\"", hash, "\""), zipped = absl::StrCat("\"", hash, "-gz\"");
  const bool gzip = r->body.size() >= kCompressFrom && Compressible(r->content_type) &&
                    AcceptsGzip(accept_encoding);
  r->headers.emplace_back("Cache-Control", "private, no-cache");
  r->headers.emplace_back("Vary", "Authorization, X-Api-Key, Accept-Encoding");
  if (!if_none_match.empty() &&
      (Matches(if_none_match, plain) || Matches(if_none_match, zipped))) {
    r->status = 304;
    r->body.clear();
    r->headers.emplace_back("ETag", gzip ? zipped : plain);
    return;
  }
  if (gzip) {
    // Level 1: most of the gain for JSON at a fraction of the time; the reply is made per request.
    std::string z = Gzip(r->body, 1);
    if (!z.empty() && z.size() < r->body.size()) {
      r->body = std::move(z);
      r->headers.emplace_back("Content-Encoding", "gzip");
      r->headers.emplace_back("ETag", zipped);
      return;
    }
  }
  r->headers.emplace_back("ETag", plain);
}

}  // namespace sokei::gateway
