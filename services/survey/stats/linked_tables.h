// Disclosure control over the tables of one question that are published together: its
// distribution and one cross-tab per declared dimension set, with every margin. Suppressing each
// table on its own is not enough — a one-way table by age and a two-way table by sex × age share
// their margins, and a hidden cell is a visible total minus visible cells. Here the tables are
// protected jointly (docs/disclosure.md): each is first suppressed on its own, then an audit asks,
// for every hidden small cell, the least and the greatest value it can take given every cell
// published in any table of the family; where that range is narrower than k, more cells are
// hidden and the audit runs again.
#pragma once

#include <vector>

#include "services/survey/stats/cell_ranges.h"
#include "services/survey/stats/stats.h"

namespace sokei::survey::stats {

// The unknowns behind a family of tables: the respondents of every joint category of the
// attributes that the dimension sets tie together (each attribute with one more category for
// "unknown"), per option — and, for multiple choice, each joint category's base.
class FamilyModel {
 public:
  FamilyModel(const std::vector<int>& attribute_sizes,
              const std::vector<std::vector<int>>& dimension_sets, int options, bool additive);

  int variables() const { return variables_; }
  // The unknowns whose sum is the cell of table `t` at row `key` (one category per dimension of
  // the set; empty: the column totals) and column `c` (c == options: the row's total).
  std::vector<int> Cell(int t, const std::vector<int>& key, int c) const;
  // What holds whatever is published: the components agree on every option's total (they count
  // the same respondents) and, for multiple choice, no option exceeds its base.
  void AddStructure(CellRanges& ranges) const;

 private:
  struct Component {
    std::vector<int> attributes;  // ascending
    std::vector<int> radix;       // categories + 1 (the last: unknown)
    int combos = 1;
    int first = 0;  // its first variable
  };
  int X(const Component& k, int combo, int option) const;
  int Base(const Component& k, int combo) const;
  int Value(const Component& k, int combo, int attribute) const;  // -1: unknown

  std::vector<std::vector<int>> sets_;
  std::vector<int> component_of_set_;
  std::vector<Component> components_;
  int options_ = 0;
  bool additive_ = true;
  int variables_ = 0;
};

struct FamilyProtection {
  std::vector<CrossTabCounts> counts;  // per dimension set, unweighted
  std::vector<ProtectedTable> tables;  // per dimension set, with the joint pattern
  int rounds = 0;                      // audit rounds
  int ranges_solved = 0;               // cells whose range was solved
  bool gave_up = false;                // too large to audit, or not protectable: all hidden
};

// More unknowns than this and the family is not audited: everything but zeros is hidden.
inline constexpr int kMaxFamilyVariables = 200000;

// The cross-tabs of `column` by each of `dimension_sets` (attribute indexes; an empty set is the
// question's distribution, one row) protected jointly. Every hidden cell with 1 ≤ n < k ends with
// a range (greatest − least value consistent with everything published) of at least k.
// Deterministic: the same data give the same pattern.
FamilyProtection ProtectFamily(const Dataset& data, const Column& column,
                               const std::vector<std::vector<int>>& dimension_sets,
                               const DisclosureRules& rules);

}  // namespace sokei::survey::stats
