// Fuzz target: the progress-table reader gets whatever a city's file can hold (after decoding) and
// must neither crash nor hang; what it returns must be consistent.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "common/jp/text.h"
#include "services/kpi/import/progress_table.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 1 << 16) return 0;
  const std::string input(reinterpret_cast<const char*>(data), size);
  auto text = sokei::jp::DecodeText(input, sokei::jp::TextEncoding::kAuto);
  if (!text.ok()) return 0;
  auto t = sokei::kpi::ParseProgressTable(*text, {}, 0);
  if (!t.ok()) return 0;
  if (t->rows.empty()) std::abort();  // an OK table has data rows
  for (const auto& r : t->rows) {
    if (r.section_count > static_cast<int>(t->sections.size())) std::abort();
    if (r.indicator.empty()) std::abort();
    if (r.continuation != r.code.empty()) std::abort();
  }
  if (t->cells_full > t->cells) std::abort();
  return 0;
}
