// The attacker of the survey disclosure tests: everything a public caller can get for a published
// survey — each question's distribution and its cross-tab by every declared dimension set — read
// as linear equations over the unknown joint table (every attribute's categories and "unknown",
// per in-base option; for multiple choice also each joint category's base), and for every hidden
// cell the least and the greatest value consistent with all of them (a linear programme). It is
// written apart from the service's own model (services/survey/stats/linked_tables) and knows
// nothing of how cells were chosen for hiding.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "services/survey/stats/cell_ranges.h"
#include "sokei/survey/v1/survey_service.pb.h"

namespace sokei::testing {

struct AttackTally {
  int tables = 0;      // published tables read
  int hidden = 0;      // hidden cells seen
  int small = 0;       // hidden cells whose true count is 1 ≤ n < k
  int determined = 0;  // … whose range is a single value
  int narrow = 0;      // … whose range is narrower than k
  double narrowest = 1e300;
  std::string example;  // the first narrow cell
};

class TableAttacker {
 public:
  TableAttacker(const survey::v1::Survey& s, int options, bool additive) {
    options_ = options;
    additive_ = additive;
    combos_ = 1;
    for (const auto& a : s.attributes()) {
      radix_.push_back(a.categories_size() + 1);
      combos_ *= a.categories_size() + 1;
      std::map<std::string, int> codes;
      for (int c = 0; c < a.categories_size(); ++c) codes[a.categories(c).code()] = c;
      category_.push_back(std::move(codes));
      attribute_[a.id()] = static_cast<int>(attribute_.size());
    }
  }

  int variables() const { return combos_ * options_ + (additive_ ? 0 : combos_); }

  // The unknowns of a published cell: `dims` the table's attribute ids, `codes` the row's category
  // codes (empty: the column totals), `option` an in-base option index or -1 for the row's total.
  std::vector<int> Cell(const std::vector<std::string>& dims, const std::vector<std::string>& codes,
                        int option) const {
    std::vector<int> attrs, values;
    for (size_t i = 0; i < dims.size(); ++i) {
      attrs.push_back(attribute_.at(dims[i]));
      if (!codes.empty()) values.push_back(category_[attrs.back()].at(codes[i]));
    }
    std::vector<int> out;
    for (int combo = 0; combo < combos_; ++combo) {
      bool match = true;
      for (size_t i = 0; i < attrs.size() && match; ++i) {
        const int v = Digit(combo, attrs[i]);
        match = codes.empty() ? v >= 0 : v == values[i];
      }
      if (!match) continue;
      if (option >= 0) {
        out.push_back(combo * options_ + option);
      } else if (additive_) {
        for (int o = 0; o < options_; ++o) out.push_back(combo * options_ + o);
      } else {
        out.push_back(combos_ * options_ + combo);
      }
    }
    return out;
  }

  // Multiple choice: no option is chosen by more than the base.
  void AddStructure(survey::stats::CellRanges& ranges) const {
    if (additive_) return;
    for (int combo = 0; combo < combos_; ++combo) {
      for (int o = 0; o < options_; ++o) {
        ranges.AddDifference({combo * options_ + o}, {combos_ * options_ + combo}, false);
      }
    }
  }

 private:
  int Digit(int combo, int attr) const {
    for (int a = 0; a < attr; ++a) combo /= radix_[a];
    const int d = combo % radix_[attr];
    return d == radix_[attr] - 1 ? -1 : d;
  }

  std::vector<int> radix_;
  std::vector<std::map<std::string, int>> category_;
  std::map<std::string, int> attribute_;
  int options_ = 0, combos_ = 1;
  bool additive_ = true;
};

}  // namespace sokei::testing
