// ImportProgressTable: the table a city keeps in Excel → the plan's node hierarchy (through the
// plan service), departments, indicators with baselines and versioned targets, and observations.
// And the way back: ExportProgressTable and the evaluation report.
#include <algorithm>
#include <map>
#include <set>
#include <unordered_map>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "common/api/hash.h"
#include "common/api/names.h"
#include "common/api/resources.h"
#include "common/jp/fiscal_year.h"
#include "common/jp/measurement.h"
#include "common/jp/text.h"
#include "services/kpi/domain/achievement.h"
#include "services/kpi/domain/kpi_internal.h"
#include "services/kpi/domain/progress_table.h"
#include "services/kpi/import/direction.h"
#include "services/kpi/import/reported.h"
#include "services/kpi/import/table_text.h"

namespace sokei::kpi {
namespace {

constexpr size_t kMaxImportBytes = 16 << 20;
constexpr int kMaxImportFindings = 1000;
constexpr char kPlanPattern[] = "municipalities/*/plans/*";
constexpr char kEvaluationPattern[] = "municipalities/*/plans/*/evaluations/*";

// A resource id from a human code: 06-101 → 06-101, 【施策06】 → h1a2b3c4d5.
std::string IdFrom(const std::string& prefix, const std::string& code) {
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

struct NodeKey {
  int level;
  std::string code;
  bool operator<(const NodeKey& o) const {
    return std::tie(level, code) < std::tie(o.level, o.code);
  }
};

struct PlannedNode {
  NodeKey key;
  std::string name;
  std::string display_name;
  std::string parent;  // node name
  int row = 0;
  std::string stored_code;  // key.code, or with its level's label when another level has it
};

v1::ImportFinding Finding(int row, const std::string& column, const std::string& raw,
                          const std::string& understood, v1::FindingSeverity sev,
                          const char* code) {
  v1::ImportFinding f;
  f.set_row(row);
  f.set_column(column);
  f.set_raw(raw);
  f.set_understood(understood);
  f.set_severity(sev);
  f.set_code(code);
  return f;
}

// The indicator fields an import sets, for change detection (times, etag and targets excluded;
// texts folded as SearchFold does, so that Sokei's own CP932 export read back is no change).
std::string Content(const pb::Indicator& ind) {
  pb::Indicator c = ind;
  c.clear_etag();
  c.clear_create_time();
  c.clear_update_time();
  c.clear_target_specs();
  c.clear_name();
  c.set_display_name(jp::SearchFold(c.display_name()));
  c.set_project_name(jp::SearchFold(c.project_name()));
  c.set_unit(jp::SearchFold(c.unit()));
  FoldMeasurementTexts(c.mutable_baseline()->mutable_value());
  c.mutable_baseline()->set_label(jp::SearchFold(c.baseline().label()));
  return c.SerializeAsString();
}

// Level of each section label: from the plan's level definitions, or inferred (code depth, the
// label that sits right above the data rows deepest) when the plan has none of them.
struct Levels {
  std::map<std::string, int> by_label;  // SearchFold(label) → depth
  int project_level = 0;
  std::vector<std::string> names;  // inferred level names, when the plan must be given them
};

Levels AssignLevels(const ParsedTable& t, const planpb::Plan& plan,
                    std::vector<v1::ImportFinding>* findings) {
  Levels out;
  std::vector<std::string> labels;  // first appearance order
  std::map<std::string, std::string> label_of;
  for (const auto& s : t.sections) {
    const std::string key = jp::SearchFold(s.label);
    if (!label_of.count(key)) {
      label_of[key] = s.label;
      labels.push_back(key);
    }
  }
  std::map<std::string, int> defined;
  for (const auto& l : plan.levels()) defined[jp::SearchFold(l.display_name())] = l.depth();
  // A bare number — (1), (2) — has no label: it is the level below the labelled one.
  bool all = true, bare = false;
  for (const auto& l : labels) {
    if (l.empty()) {
      bare = true;
    } else {
      all = all && defined.count(l) > 0;
    }
  }
  if (all && plan.levels_size() > 0) {
    int deepest_labelled = 0;
    for (const auto& l : labels) {
      if (!l.empty()) {
        out.by_label[l] = defined[l];
        deepest_labelled = std::max(deepest_labelled, defined[l]);
      }
    }
    if (bare) out.by_label[""] = deepest_labelled + 1;
    out.project_level = plan.levels_size();
    for (const auto& [l, d] : out.by_label) {
      // Without a number column the indicators belong to the sections, which may then use the
      // plan's deepest level too.
      if (d > out.project_level || (d == out.project_level && t.numbered)) {
        findings->push_back(Finding(0, "", label_of[l],
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
    const std::string key = jp::SearchFold(t.sections[i].label);
    if (!parts.count(key)) {
      parts[key] = 1 + static_cast<int>(
                           std::count(t.sections[i].code.begin(), t.sections[i].code.end(), '-'));
      first[key] = static_cast<int>(i);
    }
  }
  int prev = -1;
  for (const auto& r : t.rows) {
    if (r.section_count > 0 && r.section_count != prev) {
      above_rows[jp::SearchFold(t.sections[r.section_count - 1].label)]++;
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

}  // namespace

absl::StatusOr<pb::ImportProgressTableResponse> KpiDomain::ImportProgressTable(
    const Principal& p, const pb::ImportProgressTableRequest& r) {
  SOKEI_ASSIGN_OR_RETURN(auto plan_name, api::ParseName(r.parent(), kPlanPattern, "parent"));
  const std::string m = plan_name.municipality();
  SOKEI_RETURN_IF_ERROR(auth::CheckWriteStructure(p, m));
  if (r.content().empty()) {
    return status::InvalidField("IMPORT_EMPTY", "content", "is required: the table as TSV, CSV or xlsx");
  }
  if (r.content().size() > kMaxImportBytes) {
    return status::InvalidField("IMPORT_TOO_LARGE", "content", "at most 16 MiB per import");
  }
  if (r.fiscal_year() != 0 && (r.fiscal_year() < 1900 || r.fiscal_year() > 2200)) {
    return status::InvalidField("IMPORT_INVALID", "fiscal_year",
                                "a fiscal year between 1900 and 2200");
  }
  SOKEI_ASSIGN_OR_RETURN(const auto mapping, ParseMapping(r.mapping()));
  SOKEI_ASSIGN_OR_RETURN(std::string text, TableText(r.content(), r.encoding(), r.sheet()));
  SOKEI_ASSIGN_OR_RETURN(ParsedTable table, ParseProgressTable(text, mapping, r.fiscal_year()));

  pb::ImportProgressTableResponse resp;
  resp.set_fiscal_year(table.fiscal_year);
  for (const Column& c : table.columns) DescribeColumn(c, resp.add_columns());
  std::vector<v1::ImportFinding> findings = table.findings;
  auto* counts = resp.mutable_counts();
  counts->set_rows(static_cast<int>(table.rows.size()));
  counts->set_cells_parsed(table.cells);
  counts->set_cells_fully_understood(table.cells_full);

  SOKEI_ASSIGN_OR_RETURN(auto tree, plans_->GetPlanTree(p, r.parent()));
  const planpb::Plan& plan = tree.plan();
  Levels levels = AssignLevels(table, plan, &findings);
  const bool define_levels = !levels.names.empty();
  if (define_levels && !tree.nodes().empty()) {
    findings.push_back(Finding(0, "", "",
                               "section labels do not match the plan's level names and the plan "
                               "already has nodes: define the levels first",
                               v1::FINDING_SEVERITY_ERROR, "SECTION_LEVEL_UNKNOWN"));
  }
  if (define_levels && (levels.project_level < 2 || levels.project_level > 5)) {
    findings.push_back(Finding(
        0, "", "", absl::StrCat(levels.project_level, " levels inferred; a plan has 2 to 5"),
        v1::FINDING_SEVERITY_ERROR, "SECTION_LEVEL_UNKNOWN"));
  }

  // ---- Node plan: existing nodes by (level, code), new ones with their parents. ----
  std::map<int, std::string> label_name;  // level → a label as written (implied parents, codes)
  for (const auto& s : table.sections) {
    auto it = levels.by_label.find(jp::SearchFold(s.label));
    if (it != levels.by_label.end()) label_name[it->second] = s.label;
  }
  // Node codes are unique in a plan across levels: a code another level already uses (基本政策 1
  // and 施策 1) is stored with its label (施策1) and found again under both.
  std::map<NodeKey, PlannedNode> nodes;
  std::vector<NodeKey> creation_order;
  std::set<std::string> taken_codes;
  for (const auto& tn : tree.nodes()) {
    const auto& n = tn.node();
    const std::string code = jp::Nfkc(n.code());
    PlannedNode pn{{n.level(), code}, n.name(), n.display_name(), n.parent(), 0, code};
    nodes[pn.key] = pn;
    taken_codes.insert(code);
    const std::string label = jp::Nfkc(label_name[n.level()]);
    if (!label.empty() && code.size() > label.size() && code.rfind(label, 0) == 0) {
      nodes.emplace(NodeKey{n.level(), code.substr(label.size())}, pn);
    }
  }
  std::set<std::string> taken_ids;
  for (const auto& tn : tree.nodes()) taken_ids.insert(tn.node().name());
  auto ensure = [&](int level, const std::string& code, const std::string& title,
                    const std::string& parent, int row) -> const PlannedNode& {
    NodeKey key{level, jp::Nfkc(code)};
    auto it = nodes.find(key);
    if (it != nodes.end()) return it->second;
    PlannedNode pn;
    pn.key = key;
    pn.stored_code = key.code;
    if (taken_codes.count(pn.stored_code)) {
      pn.stored_code = jp::Nfkc(label_name[level]) + key.code;
      while (taken_codes.count(pn.stored_code)) pn.stored_code += "+";
    }
    taken_codes.insert(pn.stored_code);
    std::string id = IdFrom(absl::StrCat("l", level, "-"), code);
    while (taken_ids.count(absl::StrCat(r.parent(), "/nodes/", id))) id += "x";
    pn.name = absl::StrCat(r.parent(), "/nodes/", id);
    taken_ids.insert(pn.name);
    pn.display_name = title;
    pn.parent = parent;
    pn.row = row;
    creation_order.push_back(key);
    return nodes[key] = pn;
  };
  std::map<int, NodeKey> open;
  std::set<int> bad_rows;  // rows with ERROR findings (skipped under allow_partial)
  // Opens a section node at `level`, creating implied parents from hierarchical codes (基本政策1-2
  // without a まちづくり目標1 line is under まちづくり目標 1).
  std::function<bool(int, const std::string&, const std::string&, int)> open_section =
      [&](int level, const std::string& code, const std::string& title, int row) -> bool {
    for (auto it = open.begin(); it != open.end();) {
      it = it->first >= level ? open.erase(it) : std::next(it);
    }
    std::string parent;
    if (level > 1) {
      const size_t dash = code.rfind('-');
      const std::string parent_code = dash == std::string::npos ? "" : code.substr(0, dash);
      auto up = open.find(level - 1);
      if (!parent_code.empty() && (up == open.end() || up->second.code != jp::Nfkc(parent_code))) {
        const std::string label = label_name.count(level - 1) ? label_name[level - 1] : "";
        findings.push_back(Finding(
            row, "", code,
            absl::StrCat("implied parent ", label, parent_code, " (no heading line for it)"),
            v1::FINDING_SEVERITY_INFO, "IMPLIED_PARENT"));
        if (!open_section(level - 1, parent_code, absl::StrCat(label, parent_code), row)) {
          return false;
        }
        up = open.find(level - 1);
      }
      if (up == open.end()) {
        findings.push_back(Finding(row, "", code, "a section without its parent section above",
                                   v1::FINDING_SEVERITY_ERROR, "SECTION_PARENT_MISSING"));
        return false;
      }
      parent = nodes[up->second].name;
    }
    const PlannedNode& n = ensure(level, code, title, parent, row);
    open[level] = n.key;
    return true;
  };

  // ---- Indicators and observations, row by row. ----
  struct PlannedIndicator {
    pb::Indicator ind;
    std::vector<std::pair<int, type::v1::Measurement>> targets;  // year → value
    std::vector<std::pair<int, type::v1::Measurement>> actuals;
    int row = 0;
    std::string department;    // as written (ditto resolved)
    std::vector<Field> absent;  // a short row's missing columns: stored values stay
    std::string reported_rate, reported_grade;  // the city's own, for the table's year
    std::map<int, type::v1::Measurement> forecasts;  // 見込 beside an actual of the same year
    std::set<int> reference_years;  // 参考 columns' years: kept, not graded
  };
  std::vector<PlannedIndicator> planned;
  std::map<std::string, int> dept_rows;  // display name → first row
  size_t next_section = 0;
  std::string project_code;
  // Identity is number + name, never the number alone: several indicators under one number
  // (a continuation row, or the same 主要施策コード repeated) become <number>-2, -3 … in table
  // order, skipping numbers the table itself uses; the same number and name twice is an error.
  std::set<std::string> explicit_codes;
  for (const DataRow& d : table.rows) {
    if (!d.continuation) explicit_codes.insert(d.code);
  }
  std::map<std::string, int> extra_of;                          // number → indicators beyond the first
  std::map<std::string, std::set<std::string>> names_of;        // number → folded names seen
  auto next_code = [&](const std::string& base) {
    std::string c;
    do {
      c = absl::StrCat(base, "-", ++extra_of[base] + 1);
    } while (explicit_codes.count(c));
    return c;
  };
  // What every row gives its indicator: 累計, department, baseline, targets and actuals by year,
  // forecasts, and the inferred direction.
  std::set<std::string> target_year_noted;  // target headers already said to be the plan's end
  auto plan_row = [&](const DataRow& d, PlannedIndicator* pi) {
    pb::Indicator& ind = pi->ind;
    pi->reported_rate = d.reported_rate;
    pi->reported_grade = d.reported_grade;
    const std::string folded = jp::Nfkc(d.indicator);
    if (folded.find("累計") != std::string::npos) {
      // The table reports running totals: graded as they stand (A / T), not summed again.
      ind.mutable_aggregation()->set_kind(pb::AGGREGATION_KIND_CUMULATIVE);
      ind.set_formula(pb::FORMULA_F1_RATIO);
    }
    if (!d.department.empty()) dept_rows.emplace(d.department, d.row);
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
    auto year_of = [&](const Cell& c) {
      if (c.column->year > 0) return c.column->year;
      if (c.column->field == Field::kTarget) {
        // A target whose header names no year: the row's 目標年度, else the plan's last year —
        // never silently the table's year.
        if (d.target_year > 0) return d.target_year;
        if (plan.period().end_year() > 0) {
          if (!c.column->is_final && target_year_noted.insert(c.column->header).second) {
            findings.push_back(Finding(
                d.row, c.column->header, c.column->header,
                absl::StrCat("no year in the header or a 目標年度 column: taken as the plan's last "
                             "year, ", plan.period().end_year()),
                v1::FINDING_SEVERITY_INFO, "TARGET_YEAR_FROM_PLAN"));
          }
          return plan.period().end_year();
        }
      }
      if (c.column->is_final && plan.period().end_year() > 0) return plan.period().end_year();
      return table.fiscal_year;
    };
    for (const Cell& c : d.targets) {
      // An empty target cell (a draft's 目標値 still to be decided) is no target yet.
      if (year_of(c) > 0 && !c.value.raw().empty()) pi->targets.emplace_back(year_of(c), c.value);
    }
    for (const Cell& c : d.actuals) {
      if (year_of(c) > 0 && !c.value.raw().empty()) {
        pi->actuals.emplace_back(year_of(c), c.value);
        if (c.column->reference) pi->reference_years.insert(year_of(c));
      }
    }
    for (const Cell& c : d.forecasts) {
      const int y = year_of(c);
      const bool has_actual = std::any_of(pi->actuals.begin(), pi->actuals.end(),
                                          [&](const auto& a) { return a.first == y; });
      if (y <= 0 || c.value.raw().empty()) continue;
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
    if (guess.source == pb::DIRECTION_SOURCE_DOUBTFUL) {
      findings.push_back(Finding(d.row, "", d.indicator, guess.evidence,
                                 v1::FINDING_SEVERITY_WARNING, "DIRECTION_DOUBTFUL"));
    }
  };
  // A table that names calendar years (令和2年実績) reports by 年: its indicators keep that basis.
  const pb::PeriodBasis table_basis =
      std::any_of(table.columns.begin(), table.columns.end(),
                  [](const Column& c) { return c.calendar && !c.partial; })
          ? pb::PERIOD_BASIS_CALENDAR_YEAR
          : pb::PERIOD_BASIS_FISCAL_YEAR;
  const std::string plan_id = plan_name.Id("plans");
  for (const DataRow& d : table.rows) {
    for (; next_section < static_cast<size_t>(d.section_count); ++next_section) {
      const SectionLine& s = table.sections[next_section];
      auto lv = levels.by_label.find(jp::SearchFold(s.label));
      if (lv == levels.by_label.end()) continue;
      // A bare local number — (1), (2) under each 重点戦略 — is numbered within its parent.
      std::string code = s.code;
      if (s.label.empty() && lv->second > 1) {
        if (auto up = open.find(lv->second - 1); up != open.end()) {
          code = absl::StrCat(up->second.code, "-", s.code);
        }
      }
      if (!open_section(lv->second, code, s.title.empty() ? s.label + s.code : s.title, s.row)) {
        bad_rows.insert(s.row);
      }
    }
    if (d.named) {
      // No number column: the indicator belongs to the innermost open section, identified there
      // by its name; its number is the section's number and its place under it.
      if (open.empty()) {
        findings.push_back(Finding(d.row, "", d.indicator, "a data row outside any section",
                                   v1::FINDING_SEVERITY_ERROR, "ROW_OUTSIDE_SECTION"));
        bad_rows.insert(d.row);
        continue;
      }
      const PlannedNode& section = nodes[open.rbegin()->second];
      if (!names_of[section.name].insert(jp::SearchFold(d.indicator)).second) {
        findings.push_back(Finding(d.row, "", d.indicator,
                                   absl::StrCat("the indicator appears twice under ",
                                                section.display_name),
                                   v1::FINDING_SEVERITY_ERROR, "DUPLICATE_INDICATOR"));
        bad_rows.insert(d.row);
        continue;
      }
      PlannedIndicator pi;
      pi.row = d.row;
      pi.department = d.department;
      pi.absent = d.absent;
      pb::Indicator& ind = pi.ind;
      ind.set_name(absl::StrCat("municipalities/", m, "/indicators/",
                                IdFrom(plan_id + "-", section.key.code + "/" +
                                                          jp::SearchFold(d.indicator))));
      ind.set_code(absl::StrCat(section.stored_code, "-",
                                static_cast<int>(names_of[section.name].size())));
      ind.set_display_name(d.indicator);
      ind.set_kind(pb::INDICATOR_KIND_OUTCOME);
      ind.set_unit(d.unit);
      ind.add_nodes(section.name);
      ind.mutable_aggregation()->set_kind(pb::AGGREGATION_KIND_PER_PERIOD);
      ind.set_period_basis(table_basis);
      plan_row(d, &pi);
      planned.push_back(std::move(pi));
      continue;
    }
    auto parent_it = open.find(levels.project_level - 1);
    if (parent_it == open.end()) {
      findings.push_back(Finding(d.row, "", d.code, "a data row outside any section",
                                 v1::FINDING_SEVERITY_ERROR, "ROW_OUTSIDE_SECTION"));
      bad_rows.insert(d.row);
      continue;
    }
    std::string code;
    if (!d.continuation) project_code = d.code;
    if (!names_of[project_code].insert(jp::SearchFold(d.indicator)).second) {
      findings.push_back(Finding(d.row, "", d.indicator,
                                 absl::StrCat("the indicator appears twice under ", project_code),
                                 v1::FINDING_SEVERITY_ERROR, "DUPLICATE_INDICATOR"));
      bad_rows.insert(d.row);
      continue;
    }
    if (d.continuation) {
      code = next_code(project_code);
    } else if (names_of[project_code].size() > 1) {
      code = next_code(project_code);
      findings.push_back(Finding(d.row, "", d.code,
                                 absl::StrCat("number ", d.code,
                                              " again with another indicator: stored as ", code),
                                 v1::FINDING_SEVERITY_INFO, "REPEATED_CODE"));
    } else {
      code = d.code;
    }
    const PlannedNode& project =
        ensure(levels.project_level, project_code,
               d.continuation ? nodes[{levels.project_level, jp::Nfkc(project_code)}].display_name
                              : d.project,
               nodes[parent_it->second].name, d.row);
    PlannedIndicator pi;
    pi.row = d.row;
    pi.department = d.department;
    pi.absent = d.absent;
    pb::Indicator& ind = pi.ind;
    ind.set_name(absl::StrCat("municipalities/", m, "/indicators/", IdFrom(plan_id + "-", code)));
    ind.set_code(code);
    ind.set_display_name(d.indicator);
    ind.set_project_name(d.project);
    ind.set_kind(pb::INDICATOR_KIND_ACTIVITY);
    ind.set_unit(d.unit);
    ind.add_nodes(project.name);
    ind.mutable_aggregation()->set_kind(pb::AGGREGATION_KIND_PER_PERIOD);
    ind.set_period_basis(table_basis);
    plan_row(d, &pi);
    planned.push_back(std::move(pi));
  }

  for (const auto& f : findings) {
    if (f.severity() == v1::FINDING_SEVERITY_ERROR && f.row() > 0) bad_rows.insert(f.row());
  }
  const bool has_error = std::any_of(findings.begin(), findings.end(), [](const auto& f) {
    return f.severity() == v1::FINDING_SEVERITY_ERROR;
  });
  if (r.allow_partial() && has_error &&
      std::none_of(planned.begin(), planned.end(),
                   [&](const PlannedIndicator& pi) { return !bad_rows.count(pi.row); })) {
    findings.push_back(Finding(0, "", "", "every row has an error: nothing is left to import",
                               v1::FINDING_SEVERITY_ERROR, "ALL_ROWS_REFUSED"));
  }
  const bool global_error = std::any_of(findings.begin(), findings.end(), [](const auto& f) {
    return f.severity() == v1::FINDING_SEVERITY_ERROR && f.row() == 0;
  });
  // Every finding counted by kind; the first kMaxImportFindings listed (errors first), the rest
  // only counted — a 100,000-row table with a warning per cell still answers in one message.
  int32_t omitted = 0;
  ListFindings(std::move(findings), kMaxImportFindings, resp.mutable_findings(),
               resp.mutable_finding_counts(), &omitted);
  resp.set_findings_omitted(omitted);
  if ((has_error && !r.allow_partial()) || global_error) {
    resp.set_committed(false);
    return resp;
  }

  // ---- Departments: matched by name (NFKC, width-insensitive), created when new. ----
  SOKEI_ASSIGN_OR_RETURN(auto depts, plans_->ListDepartments(p, m));
  std::map<std::string, std::string> dept_name;  // folded display name → resource name
  for (const auto& d : depts) {
    dept_name[jp::SearchFold(d.display_name())] = d.name();
    for (const auto& former : d.former_names()) {
      dept_name.emplace(jp::SearchFold(former.display_name()), d.name());
    }
  }
  std::vector<std::pair<std::string, int>> new_depts;
  for (const auto& [display, row] : dept_rows) {
    if (!dept_name.count(jp::SearchFold(display))) new_depts.emplace_back(display, row);
  }
  counts->set_departments_created(static_cast<int>(new_depts.size()));
  int nodes_new = 0;
  for (const auto& key : creation_order) {
    if (!bad_rows.count(nodes[key].row)) ++nodes_new;
  }
  counts->set_nodes_created(nodes_new);
  counts->set_nodes_existing(static_cast<int>(nodes.size() - creation_order.size()));

  if (!r.dry_run()) {
    if (define_levels && plan.levels_size() != levels.project_level) {
      planpb::Plan update = plan;
      update.clear_levels();
      for (size_t i = 0; i < levels.names.size(); ++i) {
        auto* l = update.add_levels();
        l->set_depth(static_cast<int>(i) + 1);
        l->set_display_name(levels.names[i]);
      }
      SOKEI_RETURN_IF_ERROR(plans_->UpdatePlanLevels(p, update).status());
    }
    for (const auto& [display, row] : new_depts) {
      planpb::CreateDepartmentRequest cr;
      cr.set_parent(absl::StrCat("municipalities/", m));
      cr.set_department_id(IdFrom("d-", display));
      cr.mutable_department()->set_display_name(display);
      if (!r.request_id().empty())
        cr.set_request_id(absl::StrCat(r.request_id(), "/", cr.department_id()));
      auto created = plans_->CreateDepartment(p, cr);
      if (!created.ok()) return created.status();
      dept_name[jp::SearchFold(display)] = created->name();
    }
    // Nodes in creation order (parents first), in batches of 500.
    std::vector<planpb::CreateNodeRequest> batch;
    auto flush = [&]() -> absl::Status {
      if (batch.empty()) return absl::OkStatus();
      planpb::BatchCreateNodesRequest br;
      br.set_parent(r.parent());
      for (auto& c : batch) *br.add_requests() = std::move(c);
      if (!r.request_id().empty()) {
        br.set_request_id(absl::StrCat(r.request_id(), "/nodes/", br.requests(0).node_id()));
      }
      batch.clear();
      return plans_->BatchCreateNodes(p, br).status();
    };
    int sort = 0;
    for (const auto& key : creation_order) {
      const PlannedNode& n = nodes[key];
      if (bad_rows.count(n.row)) continue;
      planpb::CreateNodeRequest c;
      c.set_parent(r.parent());
      c.set_node_id(n.name.substr(n.name.rfind('/') + 1));
      c.mutable_node()->set_code(n.stored_code);
      c.mutable_node()->set_display_name(n.display_name.empty() ? n.key.code : n.display_name);
      c.mutable_node()->set_level(n.key.level);
      c.mutable_node()->set_parent(n.parent);
      c.mutable_node()->set_sort_key(++sort);
      batch.push_back(std::move(c));
      if (batch.size() >= 500) SOKEI_RETURN_IF_ERROR(flush());
    }
    SOKEI_RETURN_IF_ERROR(flush());
  }
  // Departments on the indicators (a dry run names the ones it would create).
  for (auto& pi : planned) {
    if (pi.department.empty()) continue;
    auto it = dept_name.find(jp::SearchFold(pi.department));
    pi.ind.add_departments(
        it != dept_name.end()
            ? it->second
            : absl::StrCat("municipalities/", m, "/departments/", IdFrom("d-", pi.department)));
  }

  // ---- The KPI part: one transaction. ----
  pb::ImportProgressTableResponse result = resp;
  pb::ImportProgressTableResponse dry;
  std::function<absl::Status(WriteContext&, pb::ImportProgressTableResponse*)> apply =
      [&](WriteContext& w, pb::ImportProgressTableResponse* out) -> absl::Status {
    *out = result;
    auto* c = out->mutable_counts();
    SOKEI_ASSIGN_OR_RETURN(const pb::GradingScheme scheme, LoadScheme(w.tx, r.parent()));
    for (const auto& pi : planned) {
      if (bad_rows.count(pi.row)) continue;
      SOKEI_ASSIGN_OR_RETURN(auto rec, w.tx.Get(Kind::kIndicator, pi.ind.name()));
      pb::Indicator ind = pi.ind;
      pb::Indicator before;
      if (rec) {
        if (!before.ParseFromString(rec->data)) return status::Internal("STORAGE_CORRUPT");
        *ind.mutable_target_specs() = before.target_specs();
        *ind.mutable_create_time() = before.create_time();
        // Keep what people set by hand that a table does not carry.
        ind.set_definition(before.definition());
        ind.set_data_source(before.data_source());
        ind.set_weight(before.weight());
        ind.set_survey_based(before.survey_based());
        ind.set_kind(before.kind());
        if (before.direction_source() == pb::DIRECTION_SOURCE_STATED) {
          // A person set the direction: an import does not second-guess it.
          ind.set_direction(before.direction());
          ind.set_direction_source(before.direction_source());
          ind.set_direction_evidence(before.direction_evidence());
        }
        *ind.mutable_breakdown_dimensions() = before.breakdown_dimensions();
        // A short row's missing cells are absent, not empty: what is stored for them stays.
        for (Field f : pi.absent) {
          if (f == Field::kBaseline) *ind.mutable_baseline() = before.baseline();
          if (f == Field::kUnit) ind.set_unit(before.unit());
          if (f == Field::kProject) ind.set_project_name(before.project_name());
          if (f == Field::kIndicator) ind.set_display_name(before.display_name());
          if (f == Field::kDepartment) *ind.mutable_departments() = before.departments();
        }
        for (const auto& n : before.nodes()) {
          if (std::find(ind.nodes().begin(), ind.nodes().end(), n) == ind.nodes().end()) {
            ind.add_nodes(n);
          }
        }
      }
      // Targets: a new version only when a value differs from the version in force.
      int targets_new = 0;
      pb::TargetSpec spec;
      const pb::TargetSpec* current =
          ind.target_specs().empty() ? nullptr : &*ind.target_specs().rbegin();
      int first_changed = 0;
      for (const auto& [year, value] : pi.targets) {
        const pb::Target* old = nullptr;
        if (current) {
          for (const auto& t : current->targets()) {
            if (t.fiscal_year() == year) old = &t;
          }
        }
        if (old && SameMeasurement(old->value(), value)) continue;
        ++targets_new;
        if (first_changed == 0 || year < first_changed) first_changed = year;
      }
      if (targets_new > 0) {
        if (current) *spec.mutable_targets() = current->targets();
        for (const auto& [year, value] : pi.targets) {
          pb::Target* t = nullptr;
          for (auto& x : *spec.mutable_targets()) {
            if (x.fiscal_year() == year) t = &x;
          }
          if (t == nullptr) t = spec.add_targets();
          t->set_fiscal_year(year);
          *t->mutable_value() = value;
          t->set_kind(ClassifyTarget(value));
          for (const auto& col : table.columns) {
            if (col.field == Field::kTarget && (col.year == year || col.year == 0)) {
              t->set_label(col.header);
            }
          }
        }
        spec.set_version(ind.target_specs_size() + 1);
        spec.set_reason(current ? "進捗管理表の取込で修正" : "進捗管理表から取込");
        spec.set_valid_from_year(current ? first_changed : 0);
        spec.set_author(w.principal.subject);
        *spec.mutable_create_time() = api::ToTimestamp(w.now);
        *ind.add_target_specs() = spec;
        c->set_targets_created(c->targets_created() + targets_new);
      }
      const bool same = rec && targets_new == 0 && Content(before) == Content(ind);
      if (same) {
        c->set_indicators_unchanged(c->indicators_unchanged() + 1);
      } else {
        Record next =
            StampIndicator(&ind, IndicatorPlacement(ind, m), w.now, rec ? &*rec : nullptr);
        if (rec) {
          SOKEI_RETURN_IF_ERROR(w.tx.Update(Kind::kIndicator, next));
          c->set_indicators_updated(c->indicators_updated() + 1);
        } else {
          auto s = w.tx.Insert(Kind::kIndicator, next);
          if (s.code() == absl::StatusCode::kAlreadyExists) {
            return status::AlreadyExists("INDICATOR_CODE_TAKEN", ind.code());
          }
          SOKEI_RETURN_IF_ERROR(s);
          c->set_indicators_created(c->indicators_created() + 1);
        }
        SOKEI_RETURN_IF_ERROR(w.tx.SetPlans(ind.name(), PlansOf(ind)));
        SOKEI_RETURN_IF_ERROR(w.Audit(m, ind.name(), rec ? &before : nullptr, &ind));
      }
      for (const auto& [year, value] : pi.actuals) {
        bool changed = false, existed = false;
        ObservationChange change{
            ind.name(),          year, "", value, "進捗管理表", "", pb::REVIEW_STATE_APPROVED,
            "進捗管理表から取込", "",   "", {}, false};
        // A 参考 value, or a year before the baseline's: kept, shown, not graded.
        change.reference = pi.reference_years.count(year) > 0 ||
                           (ind.baseline().fiscal_year() > 0 && year < ind.baseline().fiscal_year());
        if (auto fc = pi.forecasts.find(year); fc != pi.forecasts.end()) change.forecast = fc->second;
        if (year == table.fiscal_year && !(pi.reported_rate.empty() && pi.reported_grade.empty())) {
          // The city's own 達成率 / 評価 beside Sokei's: kept, with the likely cause, only where
          // they differ (Sokei's own export read back agrees and stores nothing).
          pb::Observation as_read;
          *as_read.mutable_value() = value;
          const pb::IndicatorResult ours =
              EvaluateIndicator(ind, scheme, year, ObservationsByYear{{year, &as_read}});
          const ReportedCheck check = CompareReported(
              pi.reported_rate, pi.reported_grade, ours,
              jp::MeasurementValue(ind.baseline().value()), jp::MeasurementValue(ours.target()),
              jp::MeasurementValue(value));
          if (!check.agrees) {
            change.reported_rate = pi.reported_rate;
            change.reported_grade = pi.reported_grade;
            v1::ImportFinding f = Finding(pi.row, "", ind.code() + " " + ind.display_name(),
                                          check.cause, v1::FINDING_SEVERITY_WARNING,
                                          "REPORTED_DIFFERS");
            (*out->mutable_finding_counts())[f.code()] += 1;
            if (out->findings_size() < kMaxImportFindings) {
              *out->add_findings() = std::move(f);
            } else {
              out->set_findings_omitted(out->findings_omitted() + 1);
            }
          }
        }
        SOKEI_RETURN_IF_ERROR(UpsertObservation(w, m, change, &changed, &existed).status());
        if (!changed) {
          c->set_observations_unchanged(c->observations_unchanged() + 1);
        } else if (existed) {
          c->set_observations_updated(c->observations_updated() + 1);
        } else {
          c->set_observations_created(c->observations_created() + 1);
        }
      }
    }
    out->set_committed(!r.dry_run());
    if (r.dry_run()) {
      // Counted inside the transaction, which is then rolled back.
      dry = *out;
      return status::WithReason(absl::StatusCode::kCancelled, "dry run", "DRY_RUN");
    }
    return absl::OkStatus();
  };
  auto done = Mutate<pb::ImportProgressTableResponse>(p, m, "ImportProgressTable",
                                                      r.dry_run() ? "" : r.request_id(), r, apply);
  if (r.dry_run()) {
    if (!done.ok() && done.status().code() != absl::StatusCode::kCancelled) return done.status();
    return dry;
  }
  return done;
}

// ---------------------------------------------------------------------------------------------
// Export

namespace {

std::string Percent(const pb::IndicatorResult& r) {
  return r.has_achievement() ? PercentText(r.achievement()) : "";
}

}  // namespace

absl::StatusOr<pb::ExportedFile> KpiDomain::ExportProgressTable(
    const Principal& p, const pb::ExportProgressTableRequest& r) {
  SOKEI_ASSIGN_OR_RETURN(auto plan_name, api::ParseName(r.plan(), kPlanPattern, "plan"));
  const std::string m = plan_name.municipality();
  SOKEI_RETURN_IF_ERROR(CheckKpiRead(p, m));
  if (r.fiscal_year() < 1900 || r.fiscal_year() > 2200) {
    return status::InvalidField("EXPORT_INVALID", "fiscal_year",
                                "a fiscal year between 1900 and 2200 (令和2年度 = 2020)");
  }
  const pb::TableFormat format =
      r.format() == pb::TABLE_FORMAT_UNSPECIFIED ? pb::TABLE_FORMAT_TSV : r.format();
  if (!pb::TableFormat_IsValid(format)) {
    return status::InvalidField("EXPORT_INVALID", "format", "tsv, csv (UTF-8 BOM), CP932 or xlsx");
  }
  if (!r.department().empty()) {
    auto d = api::ParseName(r.department(), "municipalities/*/departments/*", "");
    if (!d.ok() || d->municipality() != m) {
      return status::InvalidField("EXPORT_INVALID", "department",
                                  "a department of this municipality "
                                  "(municipalities/{m}/departments/{d})");
    }
  }
  SOKEI_ASSIGN_OR_RETURN(auto tree, plans_->GetPlanTree(p, r.plan()));
  SOKEI_ASSIGN_OR_RETURN(auto depts, plans_->ListDepartments(p, m));
  std::map<std::string, std::string> dept_display;
  for (const auto& d : depts) dept_display[d.name()] = d.display_name();
  std::vector<pb::Indicator> indicators;
  std::vector<pb::Observation> observations;
  pb::GradingScheme scheme;
  SOKEI_RETURN_IF_ERROR(repo_->Read([&](KpiTx& tx) -> absl::Status {
    SOKEI_ASSIGN_OR_RETURN(scheme, LoadScheme(tx, r.plan()));
    SOKEI_ASSIGN_OR_RETURN(auto irecs, tx.ListPlanIndicators(r.plan()));
    SOKEI_ASSIGN_OR_RETURN(auto orecs, tx.ListPlanObservations(r.plan()));
    indicators.resize(irecs.size());
    for (size_t i = 0; i < irecs.size(); ++i) {
      if (!indicators[i].ParseFromString(irecs[i].data)) return status::Internal("STORAGE_CORRUPT");
    }
    observations.resize(orecs.size());
    for (size_t i = 0; i < orecs.size(); ++i) {
      if (!observations[i].ParseFromString(orecs[i].data)) {
        return status::Internal("STORAGE_CORRUPT");
      }
    }
    return absl::OkStatus();
  }));
  std::unordered_map<std::string, ObservationsByYear> obs_of;
  for (const auto& o : observations) {
    if (o.breakdown_key().empty()) {
      obs_of[o.name().substr(0, o.name().rfind("/observations/"))][o.fiscal_year()] = &o;
    }
  }
  // Indicators under each project node, in code order.
  std::unordered_map<std::string, std::vector<const pb::Indicator*>> by_node;
  for (const auto& ind : indicators) {
    if (!r.department().empty() &&
        std::find(ind.departments().begin(), ind.departments().end(), r.department()) ==
            ind.departments().end()) {
      continue;  // the department's input sheet: its own indicators only
    }
    for (const auto& n : ind.nodes()) {
      if (PlanOfNode(n) == r.plan()) {
        by_node[n].push_back(&ind);
        break;
      }
    }
  }
  for (auto& [n, list] : by_node) {
    std::sort(list.begin(), list.end(),
              [](const pb::Indicator* a, const pb::Indicator* b) { return a->code() < b->code(); });
  }
  std::map<int, std::string> level_name;
  for (const auto& l : tree.levels()) level_name[l.depth()] = l.display_name();
  std::string baseline_label = "当初水準";
  for (const auto& ind : indicators) {
    if (!ind.baseline().label().empty()) {
      baseline_label = ind.baseline().label();
      break;
    }
  }
  const std::string year = jp::FormatFiscalYear(r.fiscal_year());
  std::vector<ExportRow> rows;
  rows.push_back({false,
                  {"事業番号", "主な事業", "事業指標", baseline_label, year + "目標", year + "実績",
                   "所管課", "達成率", "評価"},
                  "",
                  ""});
  static const ObservationsByYear kNone;
  // A department's sheet has only the headings of its own indicators: there a heading waits until
  // an indicator row under it is written. The whole table has every heading.
  std::vector<std::pair<int, ExportRow>> pending;  // (level, heading)
  for (const auto& tn : tree.nodes()) {
    const auto& n = tn.node();
    auto it = by_node.find(n.name());
    if (it == by_node.end()) {
      if (!tn.children().empty()) {
        // A code stored with its label (施策1, see the importer) is written once: 【施策1】.
        const std::string& label = level_name[n.level()];
        const bool labelled = !label.empty() && n.code().rfind(label, 0) == 0;
        ExportRow heading{
            true,
            {absl::StrCat("【", labelled ? "" : label, n.code(), "】 ", n.display_name())},
            "",
            ""};
        if (r.department().empty()) {
          rows.push_back(std::move(heading));
        } else {
          while (!pending.empty() && pending.back().first >= n.level()) pending.pop_back();
          pending.emplace_back(n.level(), std::move(heading));
        }
      }
      continue;
    }
    for (auto& [level, heading] : pending) rows.push_back(std::move(heading));
    pending.clear();
    bool first = true;
    for (const pb::Indicator* ind : it->second) {
      auto o = obs_of.find(ind->name());
      const auto result =
          EvaluateIndicator(*ind, scheme, r.fiscal_year(), o == obs_of.end() ? kNone : o->second);
      const YearTarget yt = TargetFor(SpecInForce(*ind, r.fiscal_year()), r.fiscal_year());
      std::string target = yt.target && !yt.interim ? yt.target->value().raw() : "";
      std::string actual;
      if (o != obs_of.end()) {
        if (auto a = o->second.find(r.fiscal_year()); a != o->second.end()) {
          actual = a->second->value().raw();
        }
      }
      std::vector<std::string> depts_out;
      for (const auto& d : ind->departments()) {
        depts_out.push_back(dept_display.count(d) ? dept_display[d] : DepartmentId(d));
      }
      std::string color;
      for (const auto& b : scheme.bands()) {
        if (b.label() == result.grade()) color = b.color();
      }
      rows.push_back({false,
                      {first ? n.code() : "", first ? n.display_name() : ind->project_name(),
                       ind->display_name(), ind->baseline().value().raw(), target, actual,
                       absl::StrJoin(depts_out, "・"), Percent(result), result.grade()},
                      result.grade(),
                      color});
      first = false;
    }
  }
  pb::ExportedFile file;
  std::string base = absl::StrCat(plan_name.Id("plans"), "-progress-", r.fiscal_year());
  if (!r.department().empty()) absl::StrAppend(&base, "-", DepartmentId(r.department()));
  if (format == pb::TABLE_FORMAT_XLSX) {
    SOKEI_ASSIGN_OR_RETURN(std::string bytes, WriteXlsx(rows, year));
    file.set_filename(base + ".xlsx");
    file.set_content_type("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    file.set_content(std::move(bytes));
    return file;
  }
  const char delim = format == pb::TABLE_FORMAT_TSV ? '\t' : ',';
  std::string out;
  for (const auto& row : rows) {
    std::vector<std::string> cells;
    for (const auto& c : row.cells) cells.push_back(CsvQuote(c, delim));
    if (row.section) cells.resize(rows.front().cells.size());
    absl::StrAppend(&out, absl::StrJoin(cells, std::string(1, delim)), "\r\n");
  }
  if (format == pb::TABLE_FORMAT_TSV) {
    file.set_filename(base + ".tsv");
    file.set_content_type("text/tab-separated-values; charset=utf-8");
    file.set_content(out);
  } else if (format == pb::TABLE_FORMAT_CSV_UTF8_BOM) {
    file.set_filename(base + ".csv");
    file.set_content_type("text/csv; charset=utf-8");
    file.set_content("\xEF\xBB\xBF" + out);
  } else {
    SOKEI_ASSIGN_OR_RETURN(std::string sjis, jp::Utf8ToCp932(out));
    file.set_filename(base + "-sjis.csv");
    file.set_content_type("text/csv; charset=Shift_JIS");
    file.set_content(std::move(sjis));
  }
  return file;
}

absl::StatusOr<pb::ExportedFile> KpiDomain::ExportEvaluationReport(
    const Principal& p, const pb::ExportEvaluationReportRequest& r) {
  pb::GetEvaluationRequest get;
  get.set_name(r.name());
  SOKEI_ASSIGN_OR_RETURN(auto e, GetEvaluation(p, get));
  SOKEI_ASSIGN_OR_RETURN(auto name, api::ParseName(r.name(), kEvaluationPattern, "name"));
  const bool html = r.format() == pb::REPORT_FORMAT_HTML;
  const pb::PlanSummary& s = e.summary();
  auto esc = [&](const std::string& t) {
    if (!html) {
      std::string o;
      for (char c : t) {
        if (c == '|')
          o += "\\|";
        else
          o.push_back(c);
      }
      return o;
    }
    std::string o;
    for (char c : t) {
      switch (c) {
        case '<':
          o += "&lt;";
          break;
        case '>':
          o += "&gt;";
          break;
        case '&':
          o += "&amp;";
          break;
        case '"':
          o += "&quot;";
          break;
        default:
          o.push_back(c);
      }
    }
    return o;
  };
  std::vector<std::vector<std::string>> tables;
  std::string out;
  // The stage as the city's documents name it (the report goes to committees and the public).
  const char* stage = "";
  switch (e.stage()) {
    case pb::EVALUATION_STAGE_SELF:
      stage = "所管課による自己評価";
      break;
    case pb::EVALUATION_STAGE_PLANNING_REVIEW:
      stage = "企画課による評価";
      break;
    case pb::EVALUATION_STAGE_COMMITTEE:
      stage = "外部評価委員会による評価";
      break;
    case pb::EVALUATION_STAGE_PUBLISHED:
      stage = "公表版";
      break;
    default:
      stage = "作成中";
  }
  const std::string title =
      absl::StrCat(jp::FormatFiscalYear(e.fiscal_year()), " 施策評価 (", stage, ")");
  auto heading = [&](int level, const std::string& text) {
    if (html) {
      absl::StrAppend(&out, "<h", level, ">", esc(text), "</h", level, ">\n");
    } else {
      absl::StrAppend(&out, std::string(level, '#'), " ", esc(text), "\n\n");
    }
  };
  auto table = [&](const std::vector<std::string>& header,
                   const std::vector<std::vector<std::string>>& rows) {
    if (html) {
      out += "<table>\n<tr>";
      for (const auto& h : header) absl::StrAppend(&out, "<th>", esc(h), "</th>");
      out += "</tr>\n";
      for (const auto& row : rows) {
        out += "<tr>";
        for (const auto& c : row) absl::StrAppend(&out, "<td>", esc(c), "</td>");
        out += "</tr>\n";
      }
      out += "</table>\n";
    } else {
      absl::StrAppend(&out, "| ", absl::StrJoin(header, " | "), " |\n|");
      for (size_t i = 0; i < header.size(); ++i) out += "---|";
      out += "\n";
      for (const auto& row : rows) {
        std::vector<std::string> cells;
        for (const auto& c : row) cells.push_back(esc(c));
        absl::StrAppend(&out, "| ", absl::StrJoin(cells, " | "), " |\n");
      }
      out += "\n";
    }
  };
  if (html) {
    absl::StrAppend(&out,
                    "<!DOCTYPE html>\n<html lang=\"ja\"><head><meta charset=\"utf-8\"><title>",
                    esc(title), "</title></head><body>\n");
  }
  heading(1, title);
  std::vector<std::vector<std::string>> rows;
  for (const auto& gc : s.grade_counts()) rows.push_back({gc.grade(), absl::StrCat(gc.count())});
  heading(2, absl::StrCat("評価の内訳 (指標 ", s.indicator_count(), ")"));
  table({"評価", "指標数"}, rows);
  auto rollups = [&](const std::string& h,
                     const google::protobuf::RepeatedPtrField<v1::RollupResult>& list) {
    if (list.empty()) return;
    std::vector<std::vector<std::string>> rr;
    for (const auto& x : list) {
      rr.push_back(
          {x.code(), x.display_name(), absl::StrCat(x.graded_count(), "/", x.indicator_count()),
           !x.has_value()                                        ? ""
           : x.value_unit() == v1::ROLLUP_VALUE_UNIT_POINTS ? absl::StrFormat("%.2f点", x.value())
                                                            : PercentText(x.value()),
           x.computed_grade(),
           x.override_grade().empty() ? ""
                                      : x.override_grade() + " (" + x.override_comment() + ")"});
    }
    heading(2, h);
    table({"番号", "名称", "評価済/指標", "値", "評価", "判断 (手動)"}, rr);
  };
  rollups("施策・政策", s.nodes());
  rollups("重点戦略・パッケージ", s.packages());
  rollups("所管課", s.departments());
  rows.clear();
  for (const auto& ir : s.indicators()) {
    rows.push_back({ir.code(), ir.display_name(), ir.target().raw(), ir.actual().raw(), Percent(ir),
                    ir.grade(), ir.reason()});
  }
  heading(2, "指標");
  table({"番号", "指標", "目標", "実績", "達成率", "評価", "備考"}, rows);
  if (!e.amendments().empty()) {
    rows.clear();
    for (const auto& a : e.amendments()) {
      rows.push_back({a.after().code(), a.before().grade() + " → " + a.after().grade(), a.reason(),
                      a.author()});
    }
    heading(2, "公表後の修正");
    table({"番号", "評価", "理由", "修正者"}, rows);
  }
  if (html) out += "</body></html>\n";
  pb::ExportedFile file;
  const std::string base =
      absl::StrCat(name.Id("plans"), "-evaluation-", e.fiscal_year(), html ? ".html" : ".md");
  file.set_filename(base);
  file.set_content_type(html ? "text/html; charset=utf-8" : "text/markdown; charset=utf-8");
  file.set_content(out);
  return file;
}

}  // namespace sokei::kpi
