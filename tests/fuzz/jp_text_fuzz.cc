// Fuzz target: the Japanese text and year parsers get whatever a spreadsheet cell can hold.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "common/jp/fiscal_year.h"
#include "common/jp/text.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  auto decoded = sokei::jp::DecodeText(input, sokei::jp::TextEncoding::kAuto);
  if (decoded.ok() && !sokei::jp::IsValidUtf8(*decoded)) std::abort();  // decoding yields UTF-8
  const std::string text = decoded.ok() ? *decoded : std::string();
  const std::string nfkc = sokei::jp::Nfkc(text);
  if (sokei::jp::Nfkc(nfkc) != nfkc) std::abort();  // NFKC is idempotent
  (void)sokei::jp::SearchFold(text);
  auto year = sokei::jp::ParseYear(text);
  if (year.ok()) {
    if (year->start_year > year->end_year) std::abort();
    if (year->start_year < 1 || year->end_year > 9999) std::abort();
    (void)sokei::jp::FormatFiscalYear(year->start_year);
  }
  return 0;
}
