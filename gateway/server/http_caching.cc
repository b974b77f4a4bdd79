#include "gateway/server/http_caching.h"

#include <brotli/encode.h>
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

// `coding` ("gzip", "br") listed in Accept-Encoding without q=0.
bool Accepts(const std::string& accept_encoding, absl::string_view coding) {
  for (absl::string_view part : absl::StrSplit(accept_encoding, ',')) {
    std::vector<absl::string_view> p = absl::StrSplit(part, ';');
    if (!absl::EqualsIgnoreCase(absl::StripAsciiWhitespace(p[0]), coding)) continue;
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

std::string Brotli(const std::string& in, int quality) {
  size_t size = BrotliEncoderMaxCompressedSize(in.size());
  if (size == 0) return "";
  std::string out(size, '\0');
  if (!BrotliEncoderCompress(quality, BROTLI_DEFAULT_WINDOW, BROTLI_MODE_TEXT, in.size(),
                             reinterpret_cast<const uint8_t*>(in.data()), &size,
                             reinterpret_cast<uint8_t*>(out.data()))) {
    return "";
  }
  out.resize(size);
  return out;
}

bool Compressible(const std::string& type) {
  return absl::StartsWith(type, "text/") || absl::StartsWith(type, "application/javascript") ||
         absl::StartsWith(type, "application/json") || absl::StartsWith(type, "image/svg");
}

std::shared_ptr<const Representations> Represent(std::string body, std::string content_type,
                                                 const std::string& accept_encoding, bool eager) {
  auto reps = std::make_shared<Representations>();
  reps->hash = Sha256Hex(body).substr(0, 32);
  reps->content_type = std::move(content_type);
  reps->body = std::move(body);
  if (reps->body.size() < kCompressFrom || !Compressible(reps->content_type)) return reps;
  // A kept reply is compressed once, well; a reply made per request quickly (most of the gain for
  // JSON at a fraction of the time), and only in the form the client takes.
  const bool br = eager || Accepts(accept_encoding, "br");
  const bool gzip = eager || (!br && Accepts(accept_encoding, "gzip"));
  if (br) reps->br = Brotli(reps->body, eager ? 5 : 1);
  if (gzip) reps->gzip = Gzip(reps->body, eager ? 6 : 1);
  if (reps->br.size() >= reps->body.size()) reps->br.clear();
  if (reps->gzip.size() >= reps->body.size()) reps->gzip.clear();
  return reps;
}

HttpResponse Serve(const Representations& reps, const std::string& if_none_match,
                   const std::string& accept_encoding) {
  HttpResponse r;
  r.content_type = reps.content_type;
  const std::string plain = absl::StrCat("\"", reps.hash, "\""),
                    zipped = absl::StrCat("\"", reps.hash, "-gz\""),
                    brotli = absl::StrCat("\"", reps.hash, "-br\"");
  const std::string* body = &reps.body;
  const std::string* etag = &plain;
  const char* coding = nullptr;
  if (!reps.br.empty() && Accepts(accept_encoding, "br")) {
    body = &reps.br;
    etag = &brotli;
    coding = "br";
  } else if (!reps.gzip.empty() && Accepts(accept_encoding, "gzip")) {
    body = &reps.gzip;
    etag = &zipped;
    coding = "gzip";
  }
  r.headers.emplace_back("Cache-Control", "private, no-cache");
  r.headers.emplace_back("Vary", "Authorization, X-Api-Key, Accept-Encoding");
  r.headers.emplace_back("ETag", *etag);
  if (!if_none_match.empty() && (Matches(if_none_match, plain) || Matches(if_none_match, zipped) ||
                                 Matches(if_none_match, brotli))) {
    r.status = 304;
    return r;
  }
  if (coding != nullptr) r.headers.emplace_back("Content-Encoding", coding);
  r.body = *body;
  return r;
}

void ConditionalGet(const std::string& if_none_match, const std::string& accept_encoding,
                    HttpResponse* r) {
  if (r->status != 200 || HasHeader(*r, "ETag")) return;
  auto reps = Represent(std::move(r->body), r->content_type, accept_encoding, false);
  HttpResponse served = Serve(*reps, if_none_match, accept_encoding);
  for (auto& h : r->headers) served.headers.push_back(std::move(h));
  *r = std::move(served);
}

}  // namespace sokei::gateway
