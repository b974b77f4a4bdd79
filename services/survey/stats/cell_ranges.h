// What can be inferred about one cell of linked tables. Every published count is a sum of unknown
// non-negative counts (the respondents of each joint category, per option); given the published
// values, the least and the greatest value any other such sum can take are two linear programmes
// (GLPK's simplex, warm-started from one query to the next). Used by the disclosure control of
// linked tables, which must leave every small cell a wide range.
#pragma once

#include <memory>
#include <utility>
#include <vector>

namespace sokei::survey::stats {

// GLPK's environment of a thread is freed when the thread's last CellRanges goes.
class CellRanges {
 public:
  // `variables` unknowns, each ≥ 0.
  explicit CellRanges(int variables);
  ~CellRanges();
  CellRanges(const CellRanges&) = delete;
  CellRanges& operator=(const CellRanges&) = delete;

  // Σ vars = value (a published cell). Returns the equation's number.
  int AddSum(const std::vector<int>& vars, double value);
  // Σ plus − Σ minus = 0 (equal) or ≤ 0.
  void AddDifference(const std::vector<int>& plus, const std::vector<int>& minus, bool equal);
  // The least and the greatest value of Σ vars; the greatest is +∞ when nothing bounds it, and
  // both are NaN when the published values contradict each other (never for real data).
  std::pair<double, double> Range(const std::vector<int>& vars);
  // The equations (AddSum's numbers) that bound the last Range: a non-zero dual value at its least
  // or its greatest value. Relaxing one of them is what can widen it.
  const std::vector<int>& Binding() const { return binding_; }

 private:
  struct Lp;
  std::unique_ptr<Lp> lp_;
  std::vector<int> objective_;  // the variables whose objective coefficient is set
  std::vector<int> binding_;
};

}  // namespace sokei::survey::stats
