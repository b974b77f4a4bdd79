// Disclosure control of one table: small cells hidden, and complementary cells so that no hidden
// cell is determined by its row and column totals.
#include <algorithm>
#include <cmath>
#include <deque>
#include <tuple>

#include "services/survey/stats/stats.h"

namespace sokei::survey::stats {

int64_t ProtectedTable::HiddenCount() const {
  return std::count_if(hidden.begin(), hidden.end(), [](Hidden h) { return h != Hidden::kNo; });
}

ProtectedTable MakeTable(const CrossTabCounts& c) {
  ProtectedTable t;
  t.rows = c.rows;
  t.cols = c.cols;
  t.additive = c.additive;
  t.values.assign(static_cast<size_t>(c.rows + 1) * (c.cols + 1), 0);
  t.hidden.assign(t.values.size(), Hidden::kNo);
  for (int r = 0; r < c.rows; ++r) {
    for (int j = 0; j < c.cols; ++j) {
      t.at(r, j) = c.at(r, j);
      t.at(c.rows, j) += c.at(r, j);
    }
    t.at(r, c.cols) = c.row_totals[r];
    t.at(c.rows, c.cols) += c.row_totals[r];
  }
  return t;
}

namespace {

// The table as a signed bipartite graph: lines 0..R are the row equations, R+1..R+1+C the
// column equations; each cell lies on one row line and one column line. In row line i the
// cells count + and the row total −; in column line j likewise with the column total.
struct Lines {
  const ProtectedTable& t;
  int R() const { return t.rows; }
  int C() const { return t.cols; }
  int RowLine(int r) const { return r; }
  int ColLine(int c) const { return t.rows + 1 + c; }
  int SignInRow(int /*r*/, int c) const { return c == C() ? -1 : 1; }
  int SignInCol(int r, int /*c*/) const { return r == R() ? -1 : 1; }
  // Potentials that make the signed graph balanced (see Undetermined).
  int Potential(int line) const {
    if (line <= R()) return line < R() ? 1 : -1;
    return line - (R() + 1) < C() ? -1 : 1;
  }
};

bool AdditiveOpen(const ProtectedTable& t, int r0, int c0, int d) {
  // A change of d in cell (r0, c0) must be absorbed by a cycle of hidden cells: leave through
  // its column line, come back through its row line. Along the way each hidden cell b entered
  // from line L changes by −κ·π(L)·s(L, b); a decrease needs b ≥ 1. The graph is balanced, so
  // reaching the row line closes the cycle consistently and reachability is exact.
  if (d < 0 && t.at(r0, c0) < 1) return false;
  Lines g{t};
  const int start = g.ColLine(c0), goal = g.RowLine(r0);
  const int kappa = g.SignInCol(r0, c0) * d * g.Potential(start);
  const int lines = t.rows + t.cols + 2;
  std::vector<char> seen(lines, 0);
  std::deque<int> queue{start};
  seen[start] = 1;
  while (!queue.empty()) {
    const int line = queue.front();
    queue.pop_front();
    const int contrib = g.Potential(line) * kappa;
    auto visit = [&](int r, int c, int sign, int next) {
      if (r == r0 && c == c0) return;
      if (t.hidden_at(r, c) == Hidden::kNo || seen[next]) return;
      const int delta = -contrib * sign;
      if (delta < 0 && t.at(r, c) < 1) return;
      seen[next] = 1;
      queue.push_back(next);
    };
    if (line <= t.rows) {  // a row line: its cells lead to their column lines
      const int r = line;
      for (int c = 0; c <= t.cols; ++c) visit(r, c, g.SignInRow(r, c), g.ColLine(c));
    } else {
      const int c = line - (t.rows + 1);
      for (int r = 0; r <= t.rows; ++r) visit(r, c, g.SignInCol(r, c), g.RowLine(r));
    }
    if (seen[goal]) return true;
  }
  return false;
}

bool ColumnOnlyOpen(const ProtectedTable& t, int r0, int c0) {
  // Multiple choice: only the column sums bind (each cell also stays within its row's base).
  const int R = t.rows;
  auto within = [&](int r, int c, int64_t v) {
    if (v < 0) return false;
    if (r < R && c < t.cols && v > t.at(r, t.cols)) return false;
    return true;
  };
  for (int d : {1, -1}) {
    if (!within(r0, c0, t.at(r0, c0) + d)) continue;
    for (int r = 0; r <= R; ++r) {
      if (r == r0 || t.hidden_at(r, c0) == Hidden::kNo) continue;
      // The column total moves with the cell; another cell of the column against it.
      const int other = (r == R || r0 == R) ? d : -d;
      if (within(r, c0, t.at(r, c0) + other)) return true;
    }
  }
  return false;
}

}  // namespace

bool Undetermined(const ProtectedTable& t, int r, int c) {
  if (!t.additive) return ColumnOnlyOpen(t, r, c);
  return AdditiveOpen(t, r, c, 1) || AdditiveOpen(t, r, c, -1);
}

void Suppress(ProtectedTable& t, const DisclosureRules& rules) {
  const int k = std::max(3, rules.k);
  const int R = t.rows, C = t.cols;
  auto idx = [&](int r, int c) { return static_cast<size_t>(r) * (C + 1) + c; };
  for (int r = 0; r <= R; ++r) {
    for (int c = 0; c <= C; ++c) {
      const int64_t v = t.at(r, c);
      if (v >= 1 && v < k) t.hidden[idx(r, c)] = Hidden::kSmallCell;
    }
  }
  for (int r = 0; r < R; ++r) {
    const int64_t total = t.at(r, C);
    if (total < k || total >= rules.small_row_limit) continue;
    for (int c = 0; c < C; ++c) {
      if (t.at(r, c) == total && t.hidden[idx(r, c)] == Hidden::kNo) {
        t.hidden[idx(r, c)] = Hidden::kDominance;
      }
    }
  }
  auto line_has_hidden = [&](bool row, int i, int except_r, int except_c) {
    if (row) {
      for (int c = 0; c <= C; ++c) {
        if (c != except_c && t.hidden[idx(i, c)] != Hidden::kNo) return true;
      }
    } else {
      for (int r = 0; r <= R; ++r) {
        if (r != except_r && t.hidden[idx(r, i)] != Hidden::kNo) return true;
      }
    }
    return false;
  };
  // Candidate order: a non-zero cell (it can absorb a decrease), one whose other line already
  // has a hidden cell (closes a cycle), an inner cell before a total, the smallest value.
  auto score = [&](int r, int c, bool same_row) {
    const int64_t v = t.at(r, c);
    const bool other = same_row ? line_has_hidden(false, c, r, c) : line_has_hidden(true, r, r, c);
    const bool margin = r == R || c == C;
    return std::make_tuple(v == 0 ? 1 : 0, other ? 0 : 1, margin ? 1 : 0, v, r, c);
  };
  for (size_t guard = 0; guard < t.values.size() + 1; ++guard) {
    int open_r = -1, open_c = -1;
    for (int r = 0; r <= R && open_r < 0; ++r) {
      for (int c = 0; c <= C; ++c) {
        if (t.hidden[idx(r, c)] != Hidden::kNo && !Undetermined(t, r, c)) {
          open_r = r;
          open_c = c;
          break;
        }
      }
    }
    if (open_r < 0) return;
    std::optional<std::tuple<int, int, int, int64_t, int, int>> best;
    auto consider = [&](int r, int c, bool same_row) {
      if (t.hidden[idx(r, c)] != Hidden::kNo) return;
      auto s = score(r, c, same_row);
      if (!best || s < *best) best = s;
    };
    if (t.additive) {
      for (int c = 0; c <= C; ++c) consider(open_r, c, true);
    }
    for (int r = 0; r <= R; ++r) consider(r, open_c, false);
    if (!best) {  // its lines are all hidden already: widen to the whole table
      for (int r = 0; r <= R; ++r) {
        for (int c = 0; c <= C; ++c) consider(r, c, false);
      }
    }
    if (!best) return;  // everything is hidden
    t.hidden[idx(std::get<4>(*best), std::get<5>(*best))] = Hidden::kComplementary;
  }
}

}  // namespace sokei::survey::stats
