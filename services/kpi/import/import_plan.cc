#include "services/kpi/import/import_plan.h"

#include <algorithm>
#include <functional>
#include <optional>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/api/hash.h"
#include "common/api/names.h"
#include "common/jp/measurement.h"
#include "common/jp/text.h"
#include "services/kpi/import/direction.h"
#include "services/kpi/import/findings.h"

namespace sokei::kpi {

// A resource id from a human code: 06-101 → 06-101, 【施策06】 → h1a2b3c4d5.
std::string ImportIdFrom(const std::string& prefix, const std::string& code) {
  std::string id = prefix;
  bool dash = !id.empty() && id.back() == '-';
  bool ascii = true;
  for (char c : jp::Nfkc(code)) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (absl::ascii_isalnum(u)) {
      id.push_back(absl::ascii_tolower(u));
      dash = false;
    } else if (u < 0x80) {
      if (!dash) id.push_back('-');
      dash = true;
    } else {
      ascii = false;
    }
  }
  while (!id.empty() && id.back() == '-') id.pop_back();
  if (!ascii || id.size() > 63 || id.size() <= prefix.size()) {
    id = absl::StrCat(prefix.substr(0, 40), "h", absl::Hex(api::Fnv1a64(code) & 0xffffffffffULL));
  }
  return id;
}

namespace {

// The key of a section's level: its label folded, or for a number without a label the way it is
// written (\x01 + style), so (1) under 1. is the level below.
std::string LevelKey(const SectionLine& s) {
  return s.label.empty() ? "\x01" + s.style : jp::SearchFold(s.label);
}

bool IsBare(const std::string& key) { return !key.empty() && key[0] == '\x01'; }

// Level of each section label: from the plan's level definitions, or inferred (code depth, the
// label that sits right above the data rows deepest) when the plan has none of them.
struct Levels {
  std::map<std::string, int> by_label;  // SearchFold(label) → depth
  int project_level = 0;
  std::vector<std::string> names;  // inferred level names, when the plan must be given them
};

Levels AssignLevels(const ParsedTable& t, const plan::v1::Plan& plan,
                    std::vector<v1::ImportFinding>* findings) {
  Levels out;
  std::vector<std::string> labels;  // first appearance order
  std::map<std::string, std::string> label_of;
  for (const auto& s : t.sections) {
    const std::string key = LevelKey(s);
    if (!label_of.count(key)) {
      label_of[key] = s.label;
      labels.push_back(key);
    }
  }
  std::map<std::string, int> defined;
  for (const auto& l : plan.levels()) defined[jp::SearchFold(l.display_name())] = l.depth();
  // A bare number — (1), (2) — has no label: it is the level below the labelled one; a second
  // way of writing bare numbers (1. then (1)) the level below that, in order of appearance.
  bool all = true;
  for (const auto& l : labels) {
    if (!IsBare(l)) all = all && defined.count(l) > 0;
  }
  if (all && plan.levels_size() > 0) {
    int deepest = 0;
    for (const auto& l : labels) {
      if (!IsBare(l)) {
        out.by_label[l] = defined[l];
        deepest = std::max(deepest, defined[l]);
      }
    }
    for (const auto& l : labels) {
      if (IsBare(l)) out.by_label[l] = ++deepest;
    }
    out.project_level = plan.levels_size();
    for (const auto& [l, d] : out.by_label) {
      // Without a number column the indicators belong to the sections, which may then use the
      // plan's deepest level too.
      if (d > out.project_level || (d == out.project_level && t.numbered)) {
        findings->push_back(MakeFinding(0, "", label_of[l],
                                    "a section label names the plan's deepest level, which holds "
                                    "the projects",
                                    v1::FINDING_SEVERITY_ERROR, "SECTION_LEVEL_INVALID"));
      }
    }
    return out;
  }
  // Inference: labels whose sections are followed directly by data rows are deepest; the others
  // by the number of parts of their codes (3 < 3-6 < 3-6-1), then by first appearance.
  std::map<std::string, int> parts, above_rows, first;
  for (size_t i = 0; i < t.sections.size(); ++i) {
    const std::string key = LevelKey(t.sections[i]);
    if (!parts.count(key)) {
      parts[key] = 1 + static_cast<int>(
                           std::count(t.sections[i].code.begin(), t.sections[i].code.end(), '-'));
      first[key] = static_cast<int>(i);
    }
  }
  int prev = -1;
  for (const auto& r : t.rows) {
    if (r.section_count > 0 && r.section_count != prev) {
      above_rows[LevelKey(t.sections[r.section_count - 1])]++;
    }
    prev = r.section_count;
  }
  std::string deepest;
  int most = 0;
  for (const auto& [k, n] : above_rows) {
    if (n > most) {
      most = n;
      deepest = k;
    }
  }
  std::sort(labels.begin(), labels.end(), [&](const std::string& a, const std::string& b) {
    const bool da = a == deepest, db = b == deepest;
    return std::tie(da, parts[a], first[a]) < std::tie(db, parts[b], first[b]);
  });
  for (size_t i = 0; i < labels.size(); ++i) {
    out.by_label[labels[i]] = static_cast<int>(i) + 1;
    out.names.push_back(label_of[labels[i]]);
  }
  out.names.push_back("事業");
  out.project_level = static_cast<int>(labels.size()) + 1;
  return out;
}

// The planner: the state of one pass over the table's rows.
class Planner {
 public:
  Planner(const ParsedTable& table, const plan::v1::PlanTree& tree, ImportPlan* out)
      : table_(table), tree_(tree), plan_(tree.plan()), out_(*out), findings_(out->findings) {
    // municipalities/{m}/plans/{id}
    const std::vector<std::string> parts = absl::StrSplit(plan_.name(), '/');
    if (parts.size() == 4) {
      municipality_ = parts[1];
      plan_id_ = parts[3];
    }
    // A table that names calendar years (令和2年実績) reports by 年: its indicators keep it.
    basis_ = std::any_of(table.columns.begin(), table.columns.end(),
                         [](const Column& c) { return c.calendar && !c.partial; })
                 ? v1::PERIOD_BASIS_CALENDAR_YEAR
                 : v1::PERIOD_BASIS_FISCAL_YEAR;
    for (const DataRow& d : table.rows) {
      if (!d.continuation) explicit_codes_.insert(d.code);
    }
  }

  void Run(bool allow_partial);

 private:
  void CheckLevels();
  void IndexExistingNodes();
  const PlannedNode& Ensure(int level, const std::string& code, const std::string& title,
                            const std::string& parent, int row);
  bool OpenSection(int level, const std::string& code, const std::string& title, int row);
  void OpenSectionsBefore(const DataRow& d);
  void PlanNamedRow(const DataRow& d);
  void PlanNumberedRow(const DataRow& d);
  std::string NextCode(const std::string& base);
  int YearOf(const DataRow& d, const Cell& c);
  void PlanValues(const DataRow& d, PlannedIndicator* pi);
  PlannedIndicator NewIndicator(const DataRow& d, const std::string& id_code);
  void Refuse(const DataRow& d, const std::string& raw, const std::string& why, const char* code) {
    findings_.push_back(MakeFinding(d.row, "", raw, why, v1::FINDING_SEVERITY_ERROR, code));
    out_.bad_rows.insert(d.row);
  }

  const ParsedTable& table_;
  const plan::v1::PlanTree& tree_;
  const plan::v1::Plan& plan_;
  ImportPlan& out_;
  std::vector<v1::ImportFinding>& findings_;
  std::string municipality_, plan_id_;
  v1::PeriodBasis basis_;
  Levels levels_;
  std::map<int, std::string> label_name_;  // level → a label as written (implied parents, codes)
  std::set<std::string> taken_codes_, taken_ids_;
  std::map<int, NodeKey> open_;  // the sections open at the current row, by level
  size_t next_section_ = 0;
  std::string project_code_;
  // Identity is number + name, never the number alone: several indicators under one number
  // (a continuation row, or the same 主要施策コード repeated) become <number>-2, -3 … in table
  // order, skipping numbers the table itself uses; the same number and name twice is an error.
  std::set<std::string> explicit_codes_;
  std::map<std::string, int> extra_of_;                    // number → indicators beyond the first
  std::map<std::string, std::set<std::string>> names_of_;  // number or section → folded names
  std::set<std::string> target_year_noted_;  // target headers already said to be the plan's end
};

void Planner::CheckLevels() {
  levels_ = AssignLevels(table_, plan_, &findings_);
  const bool define_levels = !levels_.names.empty();
  if (define_levels && !tree_.nodes().empty()) {
    findings_.push_back(MakeFinding(0, "", "",
                                    "section labels do not match the plan's level names and the "
                                    "plan already has nodes: define the levels first",
                                    v1::FINDING_SEVERITY_ERROR, "SECTION_LEVEL_UNKNOWN"));
  }
  if (define_levels && (levels_.project_level < 2 || levels_.project_level > 5)) {
    findings_.push_back(MakeFinding(
        0, "", "", absl::StrCat(levels_.project_level, " levels inferred; a plan has 2 to 5"),
        v1::FINDING_SEVERITY_ERROR, "SECTION_LEVEL_UNKNOWN"));
  }
  if (define_levels && plan_.levels_size() != levels_.project_level) {
    out_.level_names = levels_.names;
  }
  for (const auto& s : table_.sections) {
    auto it = levels_.by_label.find(LevelKey(s));
    if (it != levels_.by_label.end()) label_name_[it->second] = s.label;
  }
}

// Node codes are unique in a plan across levels: a code another level already uses (基本政策 1
// and 施策 1) is stored with its label (施策1) and found again under both.
void Planner::IndexExistingNodes() {
  for (const auto& tn : tree_.nodes()) {
    const auto& n = tn.node();
    const std::string code = jp::Nfkc(n.code());
    PlannedNode pn{{n.level(), code}, n.name(), n.display_name(), n.parent(), 0, code};
    out_.nodes[pn.key] = pn;
    taken_codes_.insert(code);
    taken_ids_.insert(n.name());
    const std::string label = jp::Nfkc(label_name_[n.level()]);
    if (!label.empty() && code.size() > label.size() && code.rfind(label, 0) == 0) {
      out_.nodes.emplace(NodeKey{n.level(), code.substr(label.size())}, pn);
    }
  }
  out_.nodes_existing = static_cast<int>(out_.nodes.size());
}

const PlannedNode& Planner::Ensure(int level, const std::string& code, const std::string& title,
                                   const std::string& parent, int row) {
  NodeKey key{level, jp::Nfkc(code)};
  auto it = out_.nodes.find(key);
  if (it != out_.nodes.end()) return it->second;
  PlannedNode pn;
  pn.key = key;
  pn.stored_code = key.code;
  if (taken_codes_.count(pn.stored_code)) {
    pn.stored_code = jp::Nfkc(label_name_[level]) + key.code;
    while (taken_codes_.count(pn.stored_code)) pn.stored_code += "+";
  }
  taken_codes_.insert(pn.stored_code);
  std::string id = ImportIdFrom(absl::StrCat("l", level, "-"), code);
  while (taken_ids_.count(absl::StrCat(plan_.name(), "/nodes/", id))) id += "x";
  pn.name = absl::StrCat(plan_.name(), "/nodes/", id);
  taken_ids_.insert(pn.name);
  pn.display_name = title;
  pn.parent = parent;
  pn.row = row;
  out_.creation_order.push_back(key);
  return out_.nodes[key] = pn;
}

// Opens a section node at `level`, creating implied parents from hierarchical codes (基本政策1-2
// without a まちづくり目標1 line is under まちづくり目標 1).
bool Planner::OpenSection(int level, const std::string& code, const std::string& title, int row) {
  for (auto it = open_.begin(); it != open_.end();) {
    it = it->first >= level ? open_.erase(it) : std::next(it);
  }
  std::string parent;
  if (level > 1) {
    const size_t dash = code.rfind('-');
    const std::string parent_code = dash == std::string::npos ? "" : code.substr(0, dash);
    auto up = open_.find(level - 1);
    if (!parent_code.empty() && (up == open_.end() || up->second.code != jp::Nfkc(parent_code))) {
      const std::string label = label_name_.count(level - 1) ? label_name_[level - 1] : "";
      findings_.push_back(MakeFinding(
          row, "", code,
          absl::StrCat("implied parent ", label, parent_code, " (no heading line for it)"),
          v1::FINDING_SEVERITY_INFO, "IMPLIED_PARENT"));
      if (!OpenSection(level - 1, parent_code, absl::StrCat(label, parent_code), row)) {
        return false;
      }
      up = open_.find(level - 1);
    }
    if (up == open_.end()) {
      findings_.push_back(MakeFinding(row, "", code, "a section without its parent section above",
                                      v1::FINDING_SEVERITY_ERROR, "SECTION_PARENT_MISSING"));
      return false;
    }
    parent = out_.nodes[up->second].name;
  }
  const PlannedNode& n = Ensure(level, code, title, parent, row);
  open_[level] = n.key;
  return true;
}

void Planner::OpenSectionsBefore(const DataRow& d) {
  for (; next_section_ < static_cast<size_t>(d.section_count); ++next_section_) {
    const SectionLine& s = table_.sections[next_section_];
    auto lv = levels_.by_label.find(LevelKey(s));
    if (lv == levels_.by_label.end()) continue;
    // A bare local number — (1), (2) under each 重点戦略 — is numbered within its parent.
    std::string code = s.code;
    if (s.label.empty() && lv->second > 1) {
      if (auto up = open_.find(lv->second - 1); up != open_.end()) {
        code = absl::StrCat(up->second.code, "-", s.code);
      }
    }
    if (!OpenSection(lv->second, code, s.title.empty() ? s.label + s.code : s.title, s.row)) {
      out_.bad_rows.insert(s.row);
    }
  }
}

std::string Planner::NextCode(const std::string& base) {
  std::string c;
  do {
    c = absl::StrCat(base, "-", ++extra_of_[base] + 1);
  } while (explicit_codes_.count(c));
  return c;
}

// The year a value cell is for: its header's, else (a target) the row's 目標年度 or the plan's
// last year — never silently the table's year — else the table's year.
int Planner::YearOf(const DataRow& d, const Cell& c) {
  if (c.column->year > 0) return c.column->year;
  const int end = plan_.period().end_year();
  if (c.column->field == Field::kTarget) {
    if (d.target_year > 0) return d.target_year;
    if (end > 0) {
      if (!c.column->is_final && target_year_noted_.insert(c.column->header).second) {
        findings_.push_back(MakeFinding(
            d.row, c.column->header, c.column->header,
            absl::StrCat("no year in the header or a 目標年度 column: taken as the plan's last "
                         "year, ",
                         end),
            v1::FINDING_SEVERITY_INFO, "TARGET_YEAR_FROM_PLAN"));
      }
      return end;
    }
  }
  if (c.column->is_final && end > 0) return end;
  return table_.fiscal_year;
}

PlannedIndicator Planner::NewIndicator(const DataRow& d, const std::string& id_code) {
  PlannedIndicator pi;
  pi.row = d.row;
  pi.department = d.department;
  pi.absent = d.absent;
  pi.ind.set_name(absl::StrCat("municipalities/", municipality_, "/indicators/",
                               ImportIdFrom(plan_id_ + "-", id_code)));
  pi.ind.set_display_name(d.indicator);
  pi.ind.set_unit(d.unit);
  pi.ind.mutable_aggregation()->set_kind(v1::AGGREGATION_KIND_PER_PERIOD);
  pi.ind.set_period_basis(basis_);
  return pi;
}

// What every row gives its indicator: 累計, department, baseline, targets and actuals by year,
// forecasts, and the inferred direction.
void Planner::PlanValues(const DataRow& d, PlannedIndicator* pi) {
  v1::Indicator& ind = pi->ind;
  if (!d.reported_rate.empty() || !d.reported_grade.empty()) {
    pi->reported[table_.fiscal_year] = {d.reported_rate, d.reported_grade};
  }
  for (const Cell& c : d.reported_rates) {
    if (!c.value.raw().empty()) pi->reported[YearOf(d, c)].rate = c.value.raw();
  }
  for (const Cell& c : d.reported_grades) {
    if (!c.value.raw().empty()) pi->reported[YearOf(d, c)].grade = c.value.raw();
  }
  // 累計 in the name, on its values (1,000人(累計), 累計515人) or in the header of its value
  // columns (実績（累計）): running totals.
  bool cumulative = jp::Nfkc(d.indicator).find("累計") != std::string::npos;
  for (const auto* cells : {&d.targets, &d.actuals}) {
    for (const Cell& c : *cells) {
      cumulative = cumulative || c.value.raw().find("累計") != std::string::npos ||
                   c.column->header.find("累計") != std::string::npos;
    }
  }
  for (const Cell& c : d.targets) {
    // Counted from the first year of the target's period.
    if (cumulative && c.column->range_start > 0 && ind.aggregation().start_year() == 0) {
      ind.mutable_aggregation()->set_start_year(c.column->range_start);
    }
  }
  if (cumulative) {
    // The table reports running totals: graded as they stand (A / T), not summed again.
    ind.mutable_aggregation()->set_kind(v1::AGGREGATION_KIND_CUMULATIVE);
    ind.set_formula(v1::FORMULA_F1_RATIO);
  }
  if (!d.department.empty()) out_.department_rows.emplace(d.department, d.row);
  if (!d.baselines.empty()) {
    const Cell& b = d.baselines.front();
    *ind.mutable_baseline()->mutable_value() = b.value;
    ind.mutable_baseline()->set_label(b.column->header);
    if (b.value.period().has_fiscal_year()) {
      ind.mutable_baseline()->set_fiscal_year(b.value.period().fiscal_year().year());
    } else if (b.value.period().calendar_year() > 0) {
      ind.mutable_baseline()->set_fiscal_year(b.value.period().calendar_year());
    } else if (d.baseline_year > 0) {
      ind.mutable_baseline()->set_fiscal_year(d.baseline_year);  // from its 基準年度 column
    } else if (b.column->year > 0) {
      ind.mutable_baseline()->set_fiscal_year(b.column->year);  // 基準値 (H25)
    }
  }
  for (const Cell& c : d.targets) {
    // An empty target cell (a draft's 目標値 still to be decided) is no target yet.
    const int y = YearOf(d, c);
    if (y > 0 && !c.value.raw().empty()) pi->targets.emplace_back(y, c.value);
  }
  for (const Cell& c : d.actuals) {
    const int y = YearOf(d, c);
    if (y > 0 && !c.value.raw().empty()) {
      pi->actuals.emplace_back(y, c.value);
      if (c.column->reference) pi->reference_years.insert(y);
    }
  }
  for (const Cell& c : d.forecasts) {
    const int y = YearOf(d, c);
    if (y <= 0 || c.value.raw().empty()) continue;
    const bool has_actual = std::any_of(pi->actuals.begin(), pi->actuals.end(),
                                        [&](const auto& a) { return a.first == y; });
    type::v1::Measurement v = c.value;
    if (v.status() == type::v1::VALUE_STATUS_UNSPECIFIED) {
      v.set_status(type::v1::VALUE_STATUS_FORECAST);
    }
    if (has_actual) {
      pi->forecasts[y] = v;  // kept beside the actual, not dropped
    } else {
      pi->actuals.emplace_back(y, v);
    }
  }
  // Direction: the table does not state it; from the name and from the target against the
  // baseline. Name and values in disagreement: a warning, and provisional grades until a
  // planner confirms (a confirmed direction is kept by later imports).
  std::optional<double> b = jp::MeasurementValue(ind.baseline().value());
  std::optional<double> t;
  for (const auto& [y, v] : pi->targets) t = jp::MeasurementValue(v);
  const DirectionGuess guess = InferDirection(d.indicator, b, t);
  ind.set_direction(guess.direction);
  ind.set_direction_source(guess.source);
  ind.set_direction_evidence(guess.evidence);
  if (guess.source == v1::DIRECTION_SOURCE_DOUBTFUL) {
    findings_.push_back(MakeFinding(d.row, "", d.indicator, guess.evidence,
                                    v1::FINDING_SEVERITY_WARNING, "DIRECTION_DOUBTFUL"));
  }
}

// No number column: the indicator belongs to the innermost open section, identified there by its
// name; its number is the section's number and its place under it.
void Planner::PlanNamedRow(const DataRow& d) {
  if (open_.empty()) return Refuse(d, d.indicator, "a data row outside any section", "ROW_OUTSIDE_SECTION");
  const PlannedNode& section = out_.nodes[open_.rbegin()->second];
  if (!names_of_[section.name].insert(jp::SearchFold(d.indicator)).second) {
    return Refuse(d, d.indicator,
                  absl::StrCat("the indicator appears twice under ", section.display_name),
                  "DUPLICATE_INDICATOR");
  }
  PlannedIndicator pi =
      NewIndicator(d, section.key.code + "/" + jp::SearchFold(d.indicator));
  pi.ind.set_code(
      absl::StrCat(section.stored_code, "-", static_cast<int>(names_of_[section.name].size())));
  pi.ind.set_kind(v1::INDICATOR_KIND_OUTCOME);
  pi.ind.add_nodes(section.name);
  PlanValues(d, &pi);
  out_.indicators.push_back(std::move(pi));
}

void Planner::PlanNumberedRow(const DataRow& d) {
  auto parent_it = open_.find(levels_.project_level - 1);
  if (parent_it == open_.end()) {
    return Refuse(d, d.code, "a data row outside any section", "ROW_OUTSIDE_SECTION");
  }
  if (!d.continuation) project_code_ = d.code;
  if (!names_of_[project_code_].insert(jp::SearchFold(d.indicator)).second) {
    return Refuse(d, d.indicator,
                  absl::StrCat("the indicator appears twice under ", project_code_),
                  "DUPLICATE_INDICATOR");
  }
  std::string code = d.code;
  if (d.continuation) {
    code = NextCode(project_code_);
  } else if (names_of_[project_code_].size() > 1) {
    code = NextCode(project_code_);
    findings_.push_back(MakeFinding(
        d.row, "", d.code,
        absl::StrCat("number ", d.code, " again with another indicator: stored as ", code),
        v1::FINDING_SEVERITY_INFO, "REPEATED_CODE"));
  }
  const std::string title =
      d.continuation
          ? out_.nodes[{levels_.project_level, jp::Nfkc(project_code_)}].display_name
          : d.project;
  const PlannedNode& project = Ensure(levels_.project_level, project_code_, title,
                                      out_.nodes[parent_it->second].name, d.row);
  PlannedIndicator pi = NewIndicator(d, code);
  pi.ind.set_code(code);
  pi.ind.set_project_name(d.project);
  pi.ind.set_kind(v1::INDICATOR_KIND_ACTIVITY);
  pi.ind.add_nodes(project.name);
  PlanValues(d, &pi);
  out_.indicators.push_back(std::move(pi));
}

void Planner::Run(bool allow_partial) {
  CheckLevels();
  IndexExistingNodes();
  if (table_.sections.empty() && !table_.numbered && !table_.rows.empty() &&
      plan_.levels_size() > 0) {
    // A flat list of indicators (no number column, no section anywhere): one section holds them.
    findings_.push_back(MakeFinding(
        0, "", "", absl::StrCat("the table has no sections: its indicators are placed under one "
                                "section, ", kFlatListSection),
        v1::FINDING_SEVERITY_INFO, "NO_SECTIONS"));
    OpenSection(1, kFlatListSection, kFlatListSection, table_.rows.front().row);
  }
  for (const DataRow& d : table_.rows) {
    OpenSectionsBefore(d);
    if (d.named) {
      PlanNamedRow(d);
    } else {
      PlanNumberedRow(d);
    }
  }
  for (const auto& f : findings_) {
    if (f.severity() == v1::FINDING_SEVERITY_ERROR && f.row() > 0) out_.bad_rows.insert(f.row());
  }
  if (allow_partial && HasError(findings_) &&
      std::none_of(out_.indicators.begin(), out_.indicators.end(),
                   [&](const PlannedIndicator& pi) { return !out_.bad_rows.count(pi.row); })) {
    findings_.push_back(MakeFinding(0, "", "", "every row has an error: nothing is left to import",
                                    v1::FINDING_SEVERITY_ERROR, "ALL_ROWS_REFUSED"));
  }
}

}  // namespace

ImportPlan PlanImport(const ParsedTable& table, const plan::v1::PlanTree& tree,
                      bool allow_partial) {
  ImportPlan out;
  out.findings = table.findings;
  Planner(table, tree, &out).Run(allow_partial);
  return out;
}

}  // namespace sokei::kpi
