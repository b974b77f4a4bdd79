// The status line and header block of an HTTP/1.1 answer, written as one string: the listener
// sends it and the body in one gather write. The gateway's fixed headers come first; a header
// the answer sets replaces one of the same name (names compare without case), as a later one
// of the answer replaces an earlier. The framing is the listener's own: Content-Length is the
// body's size, except on 1xx, 204 and 304 answers, which have no body, and "Connection: close"
// ends a connection; the answer's own Content-Length, Transfer-Encoding and Connection are
// dropped. CR and LF in a name or value become spaces: no header text
// can end the header block or start another header.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"

namespace sokei::gateway {

struct ResponseHead {
  int status = 200;
  absl::string_view content_type;
  const std::vector<std::pair<std::string, std::string>>* headers = nullptr;  // may be null
  size_t body_size = 0;
  bool keep_alive = true;  // false: "Connection: close"
};

// Whether an answer with this status carries a body (and a Content-Length).
bool StatusHasBody(int status);

std::string RenderResponseHead(const ResponseHead& head);

}  // namespace sokei::gateway
