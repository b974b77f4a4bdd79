// Survey microdata in a compact columnar form: one byte per respondent per single-choice
// question or attribute, one 64-bit set per multiple-choice answer, one double per number.
// Built from the stored respondents (or generated for the benchmark); never leaves the process.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace sokei::survey::stats {

inline constexpr uint8_t kMissing = 255;  // 無回答 / not asked / attribute unknown
inline constexpr int kMaxChoiceOptions = 254;
inline constexpr int kMaxMultipleOptions = 64;

enum class ColumnType { kChoice, kMultiple, kNumeric, kText };

// How an option counts (mirrors sokei.survey.v1.Polarity).
enum class Polarity { kNone, kPositive, kNeutral, kNegative, kExcluded };

struct OptionMeta {
  bool scored = false;
  double score = 0;
  Polarity polarity = Polarity::kNone;
  bool in_base() const { return polarity != Polarity::kExcluded; }
};

struct Column {
  ColumnType type = ColumnType::kChoice;
  std::vector<OptionMeta> options;
  std::vector<uint8_t> codes;    // kChoice: option index or kMissing
  std::vector<uint64_t> chosen;  // kMultiple: bit i = option i; 0 = 無回答
  std::vector<double> numbers;   // kNumeric: NaN = 無回答
};

struct Dataset {
  size_t n = 0;
  std::vector<int> attribute_sizes;              // categories per attribute
  std::vector<std::vector<uint8_t>> attributes;  // [attribute][respondent] category or kMissing
  std::vector<Column> columns;                   // one per question, in position order
};

}  // namespace sokei::survey::stats
