#include "services/survey/stats/linked_tables.h"

#include <algorithm>
#include <map>
#include <numeric>
#include <optional>
#include <tuple>

namespace sokei::survey::stats {

// ---- The unknowns ----

FamilyModel::FamilyModel(const std::vector<int>& attribute_sizes,
                         const std::vector<std::vector<int>>& dimension_sets, int options,
                         bool additive)
    : sets_(dimension_sets), options_(options), additive_(additive) {
  // Attributes that appear in one set are tied together; ties carry over (union-find).
  std::vector<int> parent(attribute_sizes.size());
  std::iota(parent.begin(), parent.end(), 0);
  auto find = [&](int a) {
    while (parent[a] != a) a = parent[a] = parent[parent[a]];
    return a;
  };
  for (const auto& set : sets_) {
    for (size_t i = 1; i < set.size(); ++i) parent[find(set[i])] = find(set[0]);
  }
  std::vector<int> component_of_root(attribute_sizes.size(), -1);
  for (const auto& set : sets_) {
    for (int a : set) {
      const int root = find(a);
      if (component_of_root[root] < 0) {
        component_of_root[root] = static_cast<int>(components_.size());
        components_.emplace_back();
      }
    }
  }
  for (size_t a = 0; a < attribute_sizes.size(); ++a) {
    const int c = component_of_root[find(static_cast<int>(a))];
    if (c < 0) continue;
    bool used = false;
    for (const auto& set : sets_) used |= std::find(set.begin(), set.end(), a) != set.end();
    if (!used) continue;
    components_[c].attributes.push_back(static_cast<int>(a));
    components_[c].radix.push_back(attribute_sizes[a] + 1);
  }
  if (components_.empty()) components_.emplace_back();  // the distribution alone
  int64_t next = 0;
  for (auto& k : components_) {
    int64_t combos = 1;
    for (int r : k.radix) combos *= r;
    k.combos = static_cast<int>(std::min<int64_t>(combos, kMaxFamilyVariables + 1));
    k.first = static_cast<int>(std::min<int64_t>(next, kMaxFamilyVariables + 1));
    next += combos * (options_ + (additive_ ? 0 : 1));
  }
  variables_ = static_cast<int>(std::min<int64_t>(next, kMaxFamilyVariables + 1));
  for (const auto& set : sets_) {
    component_of_set_.push_back(set.empty() ? 0 : component_of_root[find(set.front())]);
  }
}

int FamilyModel::X(const Component& k, int combo, int option) const {
  return k.first + combo * options_ + option;
}

int FamilyModel::Base(const Component& k, int combo) const {
  return k.first + k.combos * options_ + combo;
}

int FamilyModel::Value(const Component& k, int combo, int attribute) const {
  for (size_t i = 0; i < k.attributes.size(); ++i) {
    const int digit = combo % k.radix[i];
    combo /= k.radix[i];
    if (k.attributes[i] == attribute) return digit == k.radix[i] - 1 ? -1 : digit;
  }
  return -1;
}

std::vector<int> FamilyModel::Cell(int t, const std::vector<int>& key, int c) const {
  const Component& k = components_[component_of_set_[t]];
  const std::vector<int>& set = sets_[t];
  std::vector<int> out;
  for (int combo = 0; combo < k.combos; ++combo) {
    bool match = true;
    for (size_t i = 0; i < set.size() && match; ++i) {
      const int v = Value(k, combo, set[i]);
      match = key.empty() ? v >= 0 : v == key[i];
    }
    if (!match) continue;
    if (c < options_) {
      out.push_back(X(k, combo, c));
    } else if (additive_) {
      for (int o = 0; o < options_; ++o) out.push_back(X(k, combo, o));
    } else {
      out.push_back(Base(k, combo));
    }
  }
  return out;
}

void FamilyModel::AddStructure(CellRanges& ranges) const {
  auto all = [&](const Component& k, int option) {  // option == options_: the bases
    std::vector<int> v;
    for (int combo = 0; combo < k.combos; ++combo) {
      v.push_back(option < options_ ? X(k, combo, option) : Base(k, combo));
    }
    return v;
  };
  for (size_t c = 1; c < components_.size(); ++c) {
    for (int o = 0; o < options_ + (additive_ ? 0 : 1); ++o) {
      ranges.AddDifference(all(components_[c], o), all(components_[0], o), true);
    }
  }
  if (additive_) return;
  for (const Component& k : components_) {
    for (int combo = 0; combo < k.combos; ++combo) {
      for (int o = 0; o < options_; ++o) {
        ranges.AddDifference({X(k, combo, o)}, {Base(k, combo)}, false);
      }
    }
  }
}

// ---- The protection ----

namespace {

constexpr int kMaxRounds = 200;

struct CellRef {
  int t, r, c;
};

const std::vector<int>& Key(const FamilyProtection& f, int t, int r) {
  static const std::vector<int> kTotals;
  return r == f.counts[t].rows ? kTotals : f.counts[t].row_keys[r];
}

// Whether row r1 of set s1 and row r2 of set s2 can share respondents: the same category on every
// attribute both name (a margin row shares with every row).
bool Overlap(const FamilyProtection& f, const std::vector<std::vector<int>>& sets, int t1, int r1,
             int t2, int r2) {
  const auto& k1 = Key(f, t1, r1);
  const auto& k2 = Key(f, t2, r2);
  if (k1.empty() || k2.empty()) return true;
  for (size_t i = 0; i < sets[t1].size(); ++i) {
    for (size_t j = 0; j < sets[t2].size(); ++j) {
      if (sets[t1][i] == sets[t2][j] && k1[i] != k2[j]) return false;
    }
  }
  return true;
}

// Which cell is hidden next: inner cells of the cross-tabs first, then their totals, the
// distribution (the figures most read) last; among equals the smallest (visible non-zero cells are
// all at least k, so any can absorb a change of k).
using Score = std::tuple<int, int64_t, int, int, int>;

Score ScoreOf(const FamilyProtection& f, const std::vector<std::vector<int>>& sets, int t, int r,
              int c) {
  const ProtectedTable& table = f.tables[t];
  const int tier = sets[t].empty() ? 2 : (r == table.rows || c == table.cols) ? 1 : 0;
  return {tier, table.at(r, c), t, r, c};
}

void Hide(FamilyProtection& f, const Score& s) {
  ProtectedTable& table = f.tables[std::get<2>(s)];
  const int r = std::get<3>(s), c = std::get<4>(s);
  table.hidden[static_cast<size_t>(r) * (table.cols + 1) + c] = Hidden::kComplementary;
}

// Hides one of the published cells that bound `ref`'s range (the equations with a non-zero dual
// value at its least or greatest value): hiding one of them is what can widen it. Without one
// (never expected), a cell of the same column in a table that shares respondents with it, or of
// its own row or column. The distribution is never hidden for a cross-tab's sake: hiding every
// cross-tab cell of an option would leave a small cell free up to the option's total, so one
// can always be protected without it (and its mean and shares stay published).
void HideNeighbour(FamilyProtection& f, const std::vector<std::vector<int>>& sets,
                   const CellRef& ref, const std::vector<CellRef>& binding) {
  const bool spare_distribution = !sets[ref.t].empty();
  auto eligible = [&](int t, int r, int c) {
    return f.tables[t].at(r, c) >= 1 && f.tables[t].hidden_at(r, c) == Hidden::kNo &&
           !(spare_distribution && sets[t].empty());
  };
  std::optional<Score> best, anywhere;
  for (const CellRef& b : binding) {
    // One of them hidden already this round, for another cell: that may be enough, and the next
    // round will tell.
    if (f.tables[b.t].hidden_at(b.r, b.c) != Hidden::kNo) return;
    const Score s = ScoreOf(f, sets, b.t, b.r, b.c);
    if (eligible(b.t, b.r, b.c) && (!best || s < *best)) best = s;
  }
  if (best) return Hide(f, *best);
  for (int t = 0; t < static_cast<int>(f.tables.size()); ++t) {
    const ProtectedTable& table = f.tables[t];
    for (int r = 0; r <= table.rows; ++r) {
      for (int c = 0; c <= table.cols; ++c) {
        if (!eligible(t, r, c)) continue;
        const Score s = ScoreOf(f, sets, t, r, c);
        if (!anywhere || s < *anywhere) anywhere = s;
        const bool linked = t == ref.t ? (r == ref.r || c == ref.c)
                                       : c == ref.c && Overlap(f, sets, ref.t, ref.r, t, r);
        if (linked && (!best || s < *best)) best = s;
      }
    }
  }
  if (best) return Hide(f, *best);
  if (anywhere) Hide(f, *anywhere);
}

void HideAll(FamilyProtection& f) {
  for (ProtectedTable& t : f.tables) {
    for (size_t i = 0; i < t.values.size(); ++i) {
      if (t.values[i] != 0 && t.hidden[i] == Hidden::kNo) t.hidden[i] = Hidden::kComplementary;
    }
  }
  f.gave_up = true;
}

}  // namespace

FamilyProtection ProtectFamily(const Dataset& data, const Column& column,
                               const std::vector<std::vector<int>>& dimension_sets,
                               const DisclosureRules& rules) {
  FamilyProtection f;
  const int k = std::max(3, rules.k);
  for (const auto& set : dimension_sets) {
    f.counts.push_back(CrossTabulate(data, column, set, nullptr));
    f.tables.push_back(MakeTable(f.counts.back()));
    Suppress(f.tables.back(), rules);
  }
  if (f.tables.empty()) return f;
  const FamilyModel model(data.attribute_sizes, dimension_sets, f.counts.front().cols,
                          f.counts.front().additive);
  if (model.variables() > kMaxFamilyVariables) {
    HideAll(f);
    return f;
  }
  std::vector<CellRef> check;  // the small cells, all hidden by Suppress
  for (int t = 0; t < static_cast<int>(f.tables.size()); ++t) {
    for (int r = 0; r <= f.tables[t].rows; ++r) {
      for (int c = 0; c <= f.tables[t].cols; ++c) {
        const int64_t v = f.tables[t].at(r, c);
        if (v >= 1 && v < k) check.push_back({t, r, c});
      }
    }
  }
  // Hiding more only widens ranges: a cell once wide enough stays so, and only the narrow ones
  // are asked again.
  while (!check.empty() && f.rounds < kMaxRounds) {
    ++f.rounds;
    CellRanges ranges(model.variables());
    model.AddStructure(ranges);
    std::map<int, CellRef> cell_of_row;  // the published cell of each equation
    for (int t = 0; t < static_cast<int>(f.tables.size()); ++t) {
      const ProtectedTable& table = f.tables[t];
      for (int r = 0; r <= table.rows; ++r) {
        for (int c = 0; c <= table.cols; ++c) {
          if (table.hidden_at(r, c) == Hidden::kNo) {
            cell_of_row[ranges.AddSum(model.Cell(t, Key(f, t, r), c),
                                      static_cast<double>(table.at(r, c)))] = {t, r, c};
          }
        }
      }
    }
    std::vector<std::pair<CellRef, std::vector<CellRef>>> narrow;
    for (const CellRef& ref : check) {
      const auto [lo, hi] = ranges.Range(model.Cell(ref.t, Key(f, ref.t, ref.r), ref.c));
      ++f.ranges_solved;
      if (hi - lo >= k - 1e-6) continue;  // NaN counts as narrow
      std::vector<CellRef> binding;
      for (int row : ranges.Binding()) {
        if (auto it = cell_of_row.find(row); it != cell_of_row.end()) binding.push_back(it->second);
      }
      narrow.emplace_back(ref, std::move(binding));
    }
    check.clear();
    for (const auto& [ref, binding] : narrow) {
      HideNeighbour(f, dimension_sets, ref, binding);
      check.push_back(ref);
    }
    for (ProtectedTable& table : f.tables) Suppress(table, rules);
  }
  if (!check.empty()) HideAll(f);
  return f;
}

}  // namespace sokei::survey::stats
