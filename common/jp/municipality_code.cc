#include "common/jp/municipality_code.h"

namespace sokei::jp {

bool IsValidMunicipalityCode(absl::string_view code) {
  if (code.size() != 6) return false;
  int sum = 0;
  for (size_t i = 0; i < 6; ++i) {
    if (code[i] < '0' || code[i] > '9') return false;
  }
  for (size_t i = 0; i < 5; ++i) sum += (code[i] - '0') * static_cast<int>(6 - i);
  const int check = (11 - sum % 11) % 10;
  return code[5] - '0' == check;
}

}  // namespace sokei::jp
