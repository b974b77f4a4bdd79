// ExportProgressTable: a plan's indicators with targets, actuals and grades as the table a city
// keeps (TSV, CSV UTF-8 or CP932, xlsx) — whole, or one department's input sheet.
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
#include "services/kpi/domain/department_names.h"
#include "services/kpi/domain/kpi_internal.h"
#include "services/kpi/import/direction.h"
#include "services/kpi/import/progress_table.h"
#include "services/kpi/import/reported.h"
#include "services/kpi/import/table_text.h"

namespace sokei::kpi {
std::string AchievementPercent(const pb::IndicatorResult& r) {
  return r.has_achievement() ? PercentText(r.achievement()) : "";
}

namespace {

// The table's rows: the header, then the plan's tree in order — a heading for each node with
// children, the indicator rows of each project node with their target, actual and grade.
std::vector<ExportRow> TableRows(
    const pb::ExportProgressTableRequest& r, const std::string& year, const planpb::PlanTree& tree,
    const std::vector<pb::Indicator>& indicators,
    const std::unordered_map<std::string, std::vector<const pb::Indicator*>>& by_node,
    const std::unordered_map<std::string, ObservationsByYear>& obs_of,
    const std::map<std::string, std::string>& dept_display, const pb::GradingScheme& scheme) {
  std::map<int, std::string> level_name;
  for (const auto& l : tree.levels()) level_name[l.depth()] = l.display_name();
  std::string baseline_label = "当初水準";
  for (const auto& ind : indicators) {
    if (!ind.baseline().label().empty()) {
      baseline_label = ind.baseline().label();
      break;
    }
  }
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
        depts_out.push_back(dept_display.count(d) ? dept_display.at(d) : DepartmentId(d));
      }
      std::string color;
      for (const auto& b : scheme.bands()) {
        if (b.label() == result.grade()) color = b.color();
      }
      rows.push_back({false,
                      {first ? n.code() : "", first ? n.display_name() : ind->project_name(),
                       ind->display_name(), ind->baseline().value().raw(), target, actual,
                       absl::StrJoin(depts_out, "・"), AchievementPercent(result), result.grade()},
                      result.grade(),
                      color});
      first = false;
    }
  }
  return rows;
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
  // The departments by the names they had that year.
  for (const auto& d : depts) dept_display[d.name()] = DepartmentNameIn(d, r.fiscal_year());
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
    if (!r.department().empty() && std::find(ind.departments().begin(), ind.departments().end(),
                                             r.department()) == ind.departments().end()) {
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
  const std::string year = jp::FormatFiscalYear(r.fiscal_year());
  std::vector<ExportRow> rows =
      TableRows(r, year, tree, indicators, by_node, obs_of, dept_display, scheme);
  std::string base = absl::StrCat(plan_name.Id("plans"), "-progress-", r.fiscal_year());
  if (!r.department().empty()) absl::StrAppend(&base, "-", DepartmentId(r.department()));
  return files_->Write(format, base, year, rows);
}

}  // namespace sokei::kpi
