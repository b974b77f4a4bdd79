// 全国地方公共団体コード: 5 digits plus a check digit (伊勢原市 142140, 平塚市 142034).
#pragma once

#include "absl/strings/string_view.h"

namespace sokei::jp {

// True for six ASCII digits whose last is the check digit of the first five:
// (11 − (Σ dᵢ·wᵢ mod 11)) mod 10 with weights 6,5,4,3,2.
bool IsValidMunicipalityCode(absl::string_view code);

}  // namespace sokei::jp
