// What lets a client skip a reply it already has, and send less of one it has not: gzip, and the
// conditional GET for the API's JSON replies (a strong ETag over the rendered bytes, If-None-Match
// → 304 with no body, Cache-Control for private data). The console's static files carry their own
// ETag and gzip copy (static_site.h) and pass through unchanged.
#pragma once

#include <string>

#include "gateway/server/gateway.h"

namespace sokei::gateway {

// gzip (RFC 1952) of `in` at zlib `level` (1 fast … 9 best); empty on failure.
std::string Gzip(const std::string& in, int level);

// Whether a reply of this content type is worth compressing (text, JSON, JavaScript, SVG).
bool Compressible(const std::string& content_type);

// For a 200 reply to a GET without an ETag of its own: sets ETag (the SHA-256 of the body,
// quoted; with "-gz" for the gzipped representation), Cache-Control "private, no-cache" (a browser
// may keep it but asks every time; no shared cache keeps it) and Vary; answers 304 without a body
// when `if_none_match` names either ETag (or is "*"); otherwise gzips a JSON body of 1 KiB or more
// when `accept_encoding` allows gzip.
void ConditionalGet(const std::string& if_none_match, const std::string& accept_encoding,
                    HttpResponse* r);

}  // namespace sokei::gateway
