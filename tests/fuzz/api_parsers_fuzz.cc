// Fuzz target: resource names, filters and page tokens come straight from clients.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "common/api/listing.h"
#include "common/api/names.h"
#include "common/jp/text.h"
#include "common/status/status.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  for (const char* pattern :
       {"municipalities/*", "municipalities/*/plans/*", "municipalities/*/plans/*/nodes/*"}) {
    auto name = sokei::api::ParseName(input, pattern, "name", true);
    if (name.ok() && name->ToString() != input) std::abort();  // a parsed name round-trips
  }
  auto filter = sokei::api::ParseFilter(input, {"level", "tag", "parent"});
  if (filter.ok() && filter->size() > 3) std::abort();
  // Errors travel in protobuf string fields: whatever the input, they must be valid UTF-8.
  for (const auto& v : sokei::status::GetFieldViolations(filter.status())) {
    if (!sokei::jp::IsValidUtf8(v.description)) std::abort();
  }
  auto page = sokei::api::ParsePage(10, input, "query");
  if (page.ok() && (page->offset < 0 || page->size != 10)) std::abort();
  return 0;
}
