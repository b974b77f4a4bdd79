// Fuzz target: the measured-value parser gets whatever a spreadsheet cell can hold, and must
// neither crash nor hang, keep the raw text, and only ever produce canonical decimal strings.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "common/jp/measurement.h"

namespace {
void CheckDecimal(const std::string& v) {
  if (v.empty()) return;
  auto d = sokei::jp::ParseDecimal(v);
  if (!d || sokei::jp::DecimalToString(*d) != v) std::abort();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 4096) return 0;  // cells longer than this are refused before parsing
  const std::string input(reinterpret_cast<const char*>(data), size);
  const auto m = sokei::jp::ParseMeasurement(input);
  if (m.raw() != input) std::abort();
  if (m.understood() == sokei::type::v1::UNDERSTANDING_UNSPECIFIED) std::abort();
  CheckDecimal(m.value());
  CheckDecimal(m.upper());
  CheckDecimal(m.secondary().value());
  for (const auto& b : m.breakdowns()) CheckDecimal(b.value());
  (void)sokei::jp::QualitativeStep(input);
  return 0;
}
