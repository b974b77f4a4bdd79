// Reading a measured value: its number as a double, and the step a milestone's words name.
#include <string>

#include "common/jp/measurement.h"
#include "common/jp/text.h"

namespace sokei::jp {

using type::v1::Measurement;

std::optional<double> MeasurementValue(const Measurement& m) {
  if (m.value().empty()) return std::nullopt;
  auto d = ParseDecimal(m.value());
  if (!d) return std::nullopt;
  return DecimalToDouble(*d);
}

std::optional<int> QualitativeStep(absl::string_view text) {
  const std::string t = Nfkc(text);
  struct Step {
    const char* word;
    int step;
  };
  // Later steps first: 検討・調整 → 1, but 策定 beats 検討 in 取組方針策定 新規・拡充事業検討.
  static constexpr Step kSteps[] = {
      {"完了", 4},   {"完成", 4},     {"供用開始", 4}, {"開設", 3}, {"設置", 3},
      {"創設", 3},   {"実施", 3},     {"導入", 3},     {"運用", 3}, {"開始", 3},
      {"事業化", 3}, {"着手", 3},     {"策定", 2},     {"決定", 2}, {"準備", 2},
      {"試行", 2},   {"合意形成", 2}, {"設計", 2},     {"検討", 1}, {"調整", 1},
      {"調査", 1},   {"新設", 3},     {"継続", 3},     {"促進", 3}, {"未着手", 0},
  };
  if (t.find("未着手") != std::string::npos) return 0;
  for (const Step& s : kSteps) {
    if (t.find(s.word) != std::string::npos) return s.step;
  }
  return std::nullopt;
}

}  // namespace sokei::jp
