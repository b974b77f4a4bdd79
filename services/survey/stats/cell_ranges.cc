#include "services/survey/stats/cell_ranges.h"

#include <glpk.h>

#include <cmath>
#include <limits>

namespace sokei::survey::stats {

struct CellRanges::Lp {
  glp_prob* p = nullptr;
};

namespace {
thread_local int live_on_thread = 0;  // CellRanges alive on this thread
}  // namespace

CellRanges::CellRanges(int variables) : lp_(std::make_unique<Lp>()) {
  ++live_on_thread;
  glp_term_out(GLP_OFF);
  lp_->p = glp_create_prob();
  if (variables > 0) glp_add_cols(lp_->p, variables);
  for (int j = 1; j <= variables; ++j) glp_set_col_bnds(lp_->p, j, GLP_LO, 0.0, 0.0);
}

CellRanges::~CellRanges() {
  glp_delete_prob(lp_->p);
  // GLPK keeps an environment per thread; the service's worker threads would each hold one for
  // good. Freed with the thread's last CellRanges (it frees every problem of the thread), made
  // again by the next use.
  if (--live_on_thread == 0) glp_free_env();
}

namespace {

int AddRow(glp_prob* p, const std::vector<int>& plus, const std::vector<int>& minus, int type,
           double value) {
  const int row = glp_add_rows(p, 1);
  glp_set_row_bnds(p, row, type, type == GLP_UP ? 0.0 : value, value);
  // GLPK counts from 1 and wants each column once.
  std::vector<int> ind(1, 0);
  std::vector<double> val(1, 0.0);
  std::vector<double> coef(glp_get_num_cols(p) + 1, 0.0);
  for (int v : plus) coef[v + 1] += 1;
  for (int v : minus) coef[v + 1] -= 1;
  for (size_t j = 1; j < coef.size(); ++j) {
    if (coef[j] != 0) {
      ind.push_back(static_cast<int>(j));
      val.push_back(coef[j]);
    }
  }
  glp_set_mat_row(p, row, static_cast<int>(ind.size()) - 1, ind.data(), val.data());
  return row - 1;
}

}  // namespace

int CellRanges::AddSum(const std::vector<int>& vars, double value) {
  return AddRow(lp_->p, vars, {}, GLP_FX, value);
}

void CellRanges::AddDifference(const std::vector<int>& plus, const std::vector<int>& minus,
                               bool equal) {
  AddRow(lp_->p, plus, minus, equal ? GLP_FX : GLP_UP, 0.0);
}

std::pair<double, double> CellRanges::Range(const std::vector<int>& vars) {
  glp_prob* p = lp_->p;
  for (int v : objective_) glp_set_obj_coef(p, v + 1, 0.0);
  objective_ = vars;
  for (int v : vars) glp_set_obj_coef(p, v + 1, glp_get_obj_coef(p, v + 1) + 1.0);
  glp_smcp parm;
  glp_init_smcp(&parm);
  parm.msg_lev = GLP_MSG_OFF;
  parm.presolve = GLP_OFF;  // keeps the basis: the next query starts from this one's optimum
  const double nan = std::numeric_limits<double>::quiet_NaN();
  auto solve = [&](int dir) -> double {
    glp_set_obj_dir(p, dir);
    if (glp_simplex(p, &parm) != 0) {
      glp_adv_basis(p, 0);  // a singular basis: start again from a fresh one
      if (glp_simplex(p, &parm) != 0) return nan;
    }
    switch (glp_get_status(p)) {
      case GLP_OPT:
        for (int i = 1; i <= glp_get_num_rows(p); ++i) {
          if (std::abs(glp_get_row_dual(p, i)) > 1e-9) binding_.push_back(i - 1);
        }
        return glp_get_obj_val(p);
      case GLP_UNBND:
        return dir == GLP_MAX ? std::numeric_limits<double>::infinity() : nan;
      default:
        return nan;
    }
  };
  binding_.clear();
  const double lo = solve(GLP_MIN);
  const double hi = solve(GLP_MAX);
  return {lo, hi};
}

}  // namespace sokei::survey::stats
