// What lets a client skip a reply it already has, and send less of one it has not: gzip and
// Brotli, and the conditional GET for the API's JSON replies (a strong ETag over the rendered
// bytes, If-None-Match → 304 with no body, Cache-Control for private data). The console's static
// files carry their own ETag and gzip copy (static_site.h) and pass through unchanged.
#pragma once

#include <memory>
#include <string>

#include "gateway/server/gateway.h"

namespace sokei::gateway {

// gzip (RFC 1952) of `in` at zlib `level` (1 fast … 9 best); empty on failure.
std::string Gzip(const std::string& in, int level);

// Brotli (RFC 7932) of `in` at `quality` (0 fast … 11 best); empty on failure.
std::string Brotli(const std::string& in, int quality);

// Whether a reply of this content type is worth compressing (text, JSON, JavaScript, SVG).
bool Compressible(const std::string& content_type);

// One reply in the forms a client may ask for: the bytes, their gzip and Brotli forms (empty when
// not made or not smaller), and the strong validator of the bytes (a hash; the compressed forms
// are other entities: "<hash>-gz", "<hash>-br").
struct Representations {
  std::string body, gzip, br;
  std::string hash;
  std::string content_type = "application/json";
  size_t bytes() const { return body.size() + gzip.size() + br.size() + hash.size() + 64; }
};

// The forms of a 200 reply's body. `eager`: make both compressed forms, well (for a reply that is
// kept and served many times); otherwise only the one `accept_encoding` prefers, quickly.
std::shared_ptr<const Representations> Represent(std::string body, std::string content_type,
                                                 const std::string& accept_encoding, bool eager);

// The reply to a GET from `reps`: Cache-Control "private, no-cache", Vary, the ETag of the form
// sent; 304 without a body when `if_none_match` names any form's ETag (or is "*"); otherwise the
// form `accept_encoding` prefers (br, then gzip, then the bytes).
HttpResponse Serve(const Representations& reps, const std::string& if_none_match,
                   const std::string& accept_encoding);

// For a 200 reply to a GET without an ETag of its own: Serve(Represent(body, …, eager=false)) —
// ETag (the SHA-256 of the body, quoted; "-gz" / "-br" for the compressed forms), Cache-Control
// "private, no-cache" (a browser may keep it but asks every time; no shared cache keeps it) and
// Vary; 304 when `if_none_match` names one; a JSON body of 1 KiB or more compressed when
// `accept_encoding` allows br or gzip.
void ConditionalGet(const std::string& if_none_match, const std::string& accept_encoding,
                    HttpResponse* r);

}  // namespace sokei::gateway
