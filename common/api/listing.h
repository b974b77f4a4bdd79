// List conventions shared by every service (docs/api.md): page_size (default 50, at most 500, negative
// is an error), opaque page tokens bound to the query they came from, and the small filter
// language `key=value AND key="quoted value"`.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace sokei::api {

inline constexpr int kDefaultPageSize = 50;
inline constexpr int kMaxPageSize = 500;

struct Page {
  int64_t offset = 0;
  int size = kDefaultPageSize;
};

// Validates page_size and decodes page_token. `query_key` is everything that shapes the result
// (parent, filter, order_by): a token is refused when reused with another query.
absl::StatusOr<Page> ParsePage(int page_size, absl::string_view page_token,
                               absl::string_view query_key);

// The token for the page after `offset + returned`, or "" when `total` is reached.
std::string NextPageToken(const Page& page, int64_t total, absl::string_view query_key);

// Parses a filter into key → value. Only `allowed` keys are accepted; a key may appear once.
absl::StatusOr<std::map<std::string, std::string>> ParseFilter(
    absl::string_view filter, const std::set<std::string>& allowed);

}  // namespace sokei::api
