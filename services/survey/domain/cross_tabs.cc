// GetCrossTab: a choice question by one of the survey's declared dimension sets, hidden cells as
// the question's family of linked tables has them (linked_tables.h, docs/disclosure.md).
#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "common/api/names.h"
#include "common/jp/text.h"
#include "services/survey/domain/published_stats.h"
#include "services/survey/domain/survey_internal.h"

namespace sokei::survey {
namespace {

// The attribute indexes of the dimensions asked for, which must be one of the survey's declared
// tabulation dimension sets (in any order); `declared` is that set's position.
absl::StatusOr<std::vector<int>> DeclaredDimensions(
    const pb::Survey& survey, const google::protobuf::RepeatedPtrField<std::string>& dimensions,
    int* declared) {
  const std::set<std::string> asked(dimensions.begin(), dimensions.end());
  *declared = -1;
  if (!asked.empty() && asked.size() == static_cast<size_t>(dimensions.size())) {
    for (int i = 0; i < survey.tabulation_dimensions_size() && *declared < 0; ++i) {
      const auto& set = survey.tabulation_dimensions(i);
      if (std::set<std::string>(set.attributes().begin(), set.attributes().end()) == asked) {
        *declared = i;
      }
    }
  }
  if (*declared < 0) {
    return status::InvalidField("CROSSTAB_UNDECLARED_DIMENSIONS", "dimensions",
                                "not one of the survey's declared tabulation dimension sets");
  }
  std::vector<int> attrs;
  for (const auto& d : dimensions) {
    for (int a = 0; a < survey.attributes_size(); ++a) {
      if (survey.attributes(a).id() == d) attrs.push_back(a);
    }
  }
  return attrs;
}

const char* HiddenReason(stats::Hidden h) {
  switch (h) {
    case stats::Hidden::kSmallCell:
      return "SMALL_CELL";
    case stats::Hidden::kDominance:
      return "DOMINANCE";
    case stats::Hidden::kComplementary:
      return "COMPLEMENTARY";
    default:
      return "";
  }
}

// Fills a cell; `row_total_hidden` withholds percentages that would reveal the row's base. With
// `disclose` a hidden cell shows "*" (and counts in `out`); without, it says what publication
// would hide.
void FillCell(pb::CrossTabCell* cell, int64_t n, double weighted, double weighted_base,
              stats::Hidden h, bool row_total_hidden, bool disclose, pb::CrossTab* out) {
  const double share = weighted_base > 0 ? weighted / weighted_base : 0;
  cell->set_count(n);
  cell->set_weighted(weighted);
  cell->set_percent(Round1(share * 100));
  cell->set_display(PercentText(share, n));
  if (h != stats::Hidden::kNo) {
    if (disclose) {
      cell->set_suppressed(true);
      cell->clear_count();
      cell->clear_weighted();
      cell->clear_percent();
      cell->set_display("*");
      out->set_suppressed_cells(out->suppressed_cells() + 1);
    } else {
      cell->set_reason(HiddenReason(h));
    }
  } else if (disclose && row_total_hidden) {
    cell->clear_percent();
    cell->set_display(n == 0 ? "-" : absl::StrCat(n));
  }
}

}  // namespace

absl::StatusOr<pb::CrossTab> SurveyDomain::GetCrossTab(const Principal& p,
                                                       const pb::GetCrossTabRequest& r) {
  SOKEI_ASSIGN_OR_RETURN(auto name, api::ParseName(r.question(), kQuestionPattern, "question"));
  SOKEI_RETURN_IF_ERROR(CheckSurveyRead(p, name.municipality()));
  SOKEI_ASSIGN_OR_RETURN(bool disclose, ApplyDisclosure(p, r.disclosure()));
  SOKEI_ASSIGN_OR_RETURN(auto v, Load(p, name.Prefix("surveys"), true));
  SOKEI_ASSIGN_OR_RETURN(const pb::Question* q, FindQuestion(v, r.question()));
  SOKEI_RETURN_IF_ERROR(NeedsResponses(v, "a cross-tab"));
  if (!IsChoice(*q)) {
    return status::InvalidField("QUESTION_NOT_TABULATED", "question",
                                "only choice questions are cross-tabulated");
  }
  int declared = -1;
  SOKEI_ASSIGN_OR_RETURN(const std::vector<int> attrs,
                         DeclaredDimensions(v.survey, r.dimensions(), &declared));
  const Compiled& c = *v.compiled;
  SOKEI_ASSIGN_OR_RETURN(auto* w, WeightsFor(c, r.weighted(), "weighted"));
  const int column = c.column_of.at(IdOf(q->name()));
  const stats::Column& col = c.data.columns[column];
  auto counts = stats::CrossTabulate(c.data, col, attrs, w);
  // The pattern is the family's (the declared set's table, its rows in declared order): the same
  // cells are hidden whatever the order asked, weighted or not.
  const auto family = FamilyFor(v.survey, c, column);
  const stats::ProtectedTable& table = family->tables[declared + 1];
  const stats::CrossTabCounts& joint = family->counts[declared + 1];
  const std::vector<int> declared_attrs = DimensionSets(v.survey)[declared];
  std::map<std::vector<int>, int> joint_row;
  for (int jr = 0; jr < joint.rows; ++jr) joint_row[joint.row_keys[jr]] = jr;
  auto hidden_at = [&](int row, int col_index) {
    if (row == counts.rows) return table.hidden_at(table.rows, col_index);
    std::vector<int> key;
    for (int a : declared_attrs) {
      const size_t i = std::find(attrs.begin(), attrs.end(), a) - attrs.begin();
      key.push_back(counts.row_keys[row][i]);
    }
    return table.hidden_at(joint_row.at(key), col_index);
  };

  pb::CrossTab out;
  out.set_question(q->name());
  for (const auto& d : r.dimensions()) out.add_dimensions(d);
  out.set_weighted(r.weighted());
  out.set_min_cell_count(MinCellCount(v.survey));
  out.set_disclosure_applied(disclose);
  out.set_data_version(v.survey.data_version());
  std::vector<int> base_options;
  for (int o = 0; o < q->options_size(); ++o) {
    if (col.options[o].in_base()) {
      base_options.push_back(o);
      out.add_option_codes(q->options(o).code());
      out.add_option_labels(q->options(o).label());
    }
  }
  auto fill = [&](pb::CrossTabCell* cell, int64_t n, double weighted, double weighted_base,
                  stats::Hidden h, bool row_total_hidden) {
    FillCell(cell, n, weighted, weighted_base, h, row_total_hidden, disclose, &out);
  };
  std::vector<double> col_weighted(counts.cols, 0);
  double grand_weighted = 0;
  for (int row = 0; row < counts.rows; ++row) {
    auto* out_row = out.add_rows();
    for (size_t a = 0; a < attrs.size(); ++a) {
      const auto& cat = v.survey.attributes(attrs[a]).categories(counts.row_keys[row][a]);
      out_row->add_codes(cat.code());
      out_row->add_categories(cat.label().empty() ? cat.code() : cat.label());
    }
    const bool total_hidden = hidden_at(row, counts.cols) != stats::Hidden::kNo;
    const double wbase = counts.weighted_row_totals[row];
    for (int j = 0; j < counts.cols; ++j) {
      const double wv = counts.weighted[static_cast<size_t>(row) * counts.cols + j];
      col_weighted[j] += wv;
      fill(out_row->add_cells(), counts.at(row, j), wv, wbase, hidden_at(row, j), total_hidden);
    }
    grand_weighted += wbase;
    fill(out_row->mutable_total(), counts.row_totals[row], wbase, wbase,
         hidden_at(row, counts.cols), false);
    if (!out_row->total().suppressed())
      out_row->mutable_total()->set_display(absl::StrCat(counts.row_totals[row]));
  }
  auto* totals = out.mutable_column_totals();
  totals->add_categories("全体");
  const bool grand_hidden = table.hidden_at(counts.rows, counts.cols) != stats::Hidden::kNo;
  for (int j = 0; j < counts.cols; ++j) {
    fill(totals->add_cells(), table.at(counts.rows, j), col_weighted[j], grand_weighted,
         table.hidden_at(counts.rows, j), grand_hidden);
  }
  fill(totals->mutable_total(), table.at(counts.rows, counts.cols), grand_weighted, grand_weighted,
       table.hidden_at(counts.rows, counts.cols), false);
  if (!totals->total().suppressed()) {
    totals->mutable_total()->set_display(absl::StrCat(table.at(counts.rows, counts.cols)));
  }
  return out;
}

}  // namespace sokei::survey
