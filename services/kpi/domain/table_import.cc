// ImportProgressTable: the table a city keeps in Excel → the plan's node hierarchy (through the
// plan service), departments, indicators with baselines and versioned targets, and observations.
// The stages: decode (import/table_text) → read cells and infer the shape (import/progress_table)
// → plan nodes and indicators (import/import_plan) → write, here: the structure through the plan
// service, then the KPI part in one transaction — rehearsed and rolled back for a dry run.
#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "common/api/names.h"
#include "common/api/resources.h"
#include "common/jp/measurement.h"
#include "common/jp/text.h"
#include "common/metrics/registry.h"
#include "services/kpi/domain/achievement.h"
#include "services/kpi/domain/kpi_internal.h"
#include "services/kpi/domain/placeholder_reading.h"
#include "services/kpi/import/findings.h"
#include "services/kpi/import/import_plan.h"
#include "services/kpi/import/progress_table.h"
#include "services/kpi/import/reported.h"
#include "services/kpi/import/table_text.h"

namespace sokei::kpi {
namespace {

constexpr size_t kMaxImportBytes = 16 << 20;
constexpr int kMaxImportFindings = 1000;

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

// What people set by hand and a table does not carry stays as stored; so does what a short row
// does not reach.
void KeepStored(const pb::Indicator& before, const PlannedIndicator& pi, pb::Indicator* ind) {
  *ind->mutable_target_specs() = before.target_specs();
  *ind->mutable_create_time() = before.create_time();
  ind->set_definition(before.definition());
  ind->set_data_source(before.data_source());
  ind->set_weight(before.weight());
  ind->set_survey_based(before.survey_based());
  ind->set_kind(before.kind());
  if (before.direction_source() == pb::DIRECTION_SOURCE_STATED) {
    // A person set the direction: an import does not second-guess it.
    ind->set_direction(before.direction());
    ind->set_direction_source(before.direction_source());
    ind->set_direction_evidence(before.direction_evidence());
  }
  *ind->mutable_breakdown_dimensions() = before.breakdown_dimensions();
  for (Field f : pi.absent) {
    if (f == Field::kBaseline) *ind->mutable_baseline() = before.baseline();
    if (f == Field::kUnit) ind->set_unit(before.unit());
    if (f == Field::kProject) ind->set_project_name(before.project_name());
    if (f == Field::kIndicator) ind->set_display_name(before.display_name());
    if (f == Field::kDepartment) *ind->mutable_departments() = before.departments();
  }
  for (const auto& n : before.nodes()) {
    if (std::find(ind->nodes().begin(), ind->nodes().end(), n) == ind->nodes().end()) {
      ind->add_nodes(n);
    }
  }
}

// A new target version when a value differs from the version in force; the number of targets
// that changed.
int AddTargetVersion(const PlannedIndicator& pi, const ParsedTable& table,
                     const std::string& author, absl::Time now, pb::Indicator* ind) {
  const pb::TargetSpec* current =
      ind->target_specs().empty() ? nullptr : &*ind->target_specs().rbegin();
  int changed = 0, first_changed = 0;
  for (const auto& [year, value] : pi.targets) {
    const pb::Target* old = nullptr;
    if (current) {
      for (const auto& t : current->targets()) {
        if (t.fiscal_year() == year) old = &t;
      }
    }
    if (old && SameMeasurement(old->value(), value)) continue;
    ++changed;
    if (first_changed == 0 || year < first_changed) first_changed = year;
  }
  if (changed == 0) return 0;
  pb::TargetSpec spec;
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
  spec.set_version(ind->target_specs_size() + 1);
  spec.set_reason(current ? "進捗管理表の取込で修正" : "進捗管理表から取込");
  spec.set_valid_from_year(current ? first_changed : 0);
  spec.set_author(author);
  *spec.mutable_create_time() = api::ToTimestamp(now);
  *ind->add_target_specs() = std::move(spec);
  return changed;
}


// A finding found while writing: counted, and listed while the reply has room.
void AddFinding(v1::ImportFinding f, pb::ImportProgressTableResponse* out) {
  (*out->mutable_finding_counts())[f.code()] += 1;
  if (out->findings_size() < kMaxImportFindings) {
    *out->add_findings() = std::move(f);
  } else {
    out->set_findings_omitted(out->findings_omitted() + 1);
  }
}

// The city's own 達成率 / 評価 beside Sokei's: kept, with the likely cause, only where they
// differ (Sokei's own export read back agrees and stores nothing).
void CompareWithCity(int row, const PlannedIndicator::Reported& city, const pb::Indicator& ind,
                     const pb::GradingScheme& scheme, int year, ObservationChange* change,
                     pb::ImportProgressTableResponse* out) {
  pb::Observation as_read;
  *as_read.mutable_value() = change->value;
  const pb::IndicatorResult ours =
      EvaluateIndicator(ind, scheme, year, ObservationsByYear{{year, &as_read}});
  const ReportedCheck check = CompareReported(
      city.rate, city.grade, ours, jp::MeasurementValue(ind.baseline().value()),
      jp::MeasurementValue(ours.target()), jp::MeasurementValue(change->value));
  if (check.agrees) return;
  change->reported_rate = city.rate;
  change->reported_grade = city.grade;
  AddFinding(MakeFinding(row, "", ind.code() + " " + ind.display_name(), check.cause,
                         v1::FINDING_SEVERITY_WARNING, "REPORTED_DIFFERS"),
             out);
}

// The KPI part of an import: indicators (with new target versions where a value changed) and
// their observations, in the caller's transaction.
absl::Status WriteImportedIndicators(KpiDomain::WriteContext& w, const std::string& m,
                                     const std::string& plan_name, const ImportPlan& plan,
                                     const ParsedTable& table,
                                     pb::ImportProgressTableResponse* out) {
  auto* c = out->mutable_counts();
  SOKEI_ASSIGN_OR_RETURN(const pb::GradingScheme scheme, LoadScheme(w.tx, plan_name));
  // The municipality's indicators in one read, not one read per row; kept current as rows are
  // written (two rows of one indicator see each other). An indicator not stored before has no
  // observations and belongs to no plan yet: those are not read first, and are inserted several
  // to a statement.
  absl::flat_hash_map<std::string, Record> stored;
  NewObservations new_observations;
  std::vector<std::pair<std::string, std::string>> memberships;  // (plan, new indicator)
  absl::flat_hash_set<std::string> created;                       // indicators this import made
  auto insert_new = [&]() -> absl::Status {
    SOKEI_RETURN_IF_ERROR(w.tx.InsertMany(Kind::kObservation, new_observations.records));
    new_observations.records.clear();
    SOKEI_RETURN_IF_ERROR(w.tx.AddMemberships(memberships));
    memberships.clear();
    return absl::OkStatus();
  };
  {
    SOKEI_ASSIGN_OR_RETURN(auto all,
                           w.tx.ListParent(Kind::kIndicator, absl::StrCat("municipalities/", m)));
    stored.reserve(all.size() + plan.indicators.size());
    for (Record& r : all) {
      std::string name = r.name;
      stored.emplace(std::move(name), std::move(r));
    }
  }
  for (const auto& pi : plan.indicators) {
    if (plan.bad_rows.count(pi.row)) continue;
    std::optional<Record> rec;
    if (auto it = stored.find(pi.ind.name()); it != stored.end()) rec = it->second;
    const bool is_new = !rec.has_value();
    // Another row of an indicator this import created: what the first row left to insert goes in
    // before this row reads it.
    if (!is_new && created.count(pi.ind.name())) SOKEI_RETURN_IF_ERROR(insert_new());
    pb::Indicator ind = pi.ind;
    pb::Indicator before;
    if (rec) {
      if (!before.ParseFromString(rec->data)) return status::Internal("STORAGE_CORRUPT");
      KeepStored(before, pi, &ind);
    }
    const int targets_new =
        AddTargetVersion(pi, table, w.principal.subject, w.now, &ind);
    c->set_targets_created(c->targets_created() + targets_new);
    if (rec && targets_new == 0 && Content(before) == Content(ind)) {
      c->set_indicators_unchanged(c->indicators_unchanged() + 1);
    } else {
      Record next = StampIndicator(&ind, IndicatorPlacement(ind, m), w.now, rec ? &*rec : nullptr);
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
        created.insert(ind.name());
      }
      if (is_new) {
        for (const std::string& in : PlansOf(ind)) memberships.emplace_back(in, ind.name());
      } else {
        SOKEI_RETURN_IF_ERROR(w.tx.SetPlans(ind.name(), PlansOf(ind)));
      }
      SOKEI_RETURN_IF_ERROR(w.Audit(m, ind.name(), rec ? &before : nullptr, &ind));
      stored[ind.name()] = std::move(next);
    }
    std::map<int, const type::v1::Measurement*> earlier;
    for (const auto& [year, value] : pi.actuals) earlier[year] = &value;
    std::set<int> years_written;
    for (const auto& [year, value] : pi.actuals) {
      // なし / － / 0: how grading will read it, said once per cell.
      if (const pb::Target* t = TargetFor(SpecInForce(ind, year), year).target) {
        const PlaceholderReading reading =
            ReadPlaceholder(ind, value, t->value(), t->kind(), year, earlier);
        if (reading.meaning != PlaceholderMeaning::kNone) {
          AddFinding(MakeFinding(pi.row, std::to_string(year), value.raw(), reading.explanation,
                                 reading.meaning == PlaceholderMeaning::kUndecided
                                     ? v1::FINDING_SEVERITY_WARNING
                                     : v1::FINDING_SEVERITY_INFO,
                                 "PLACEHOLDER_READ"),
                     out);
        }
      }
      ObservationChange change{
          ind.name(), year, "", value, "進捗管理表", "", pb::REVIEW_STATE_APPROVED,
          "進捗管理表から取込", "", "", {}, false};
      // A 参考 value, or a year before the baseline's: kept, shown, not graded.
      change.reference = pi.reference_years.count(year) > 0 ||
                         (ind.baseline().fiscal_year() > 0 && year < ind.baseline().fiscal_year());
      if (auto fc = pi.forecasts.find(year); fc != pi.forecasts.end()) change.forecast = fc->second;
      if (auto rep = pi.reported.find(year); rep != pi.reported.end()) {
        CompareWithCity(pi.row, rep->second, ind, scheme, year, &change, out);
      }
      // A year a row gives twice (two columns of one year): the first value goes in before the
      // second reads it.
      NewObservations* unread = is_new ? &new_observations : nullptr;
      if (is_new && !years_written.insert(year).second) {
        SOKEI_RETURN_IF_ERROR(insert_new());
        unread = nullptr;
      }
      bool changed = false, existed = false;
      SOKEI_RETURN_IF_ERROR(
          UpsertObservation(w, m, change, &changed, &existed, unread).status());
      if (!changed) {
        c->set_observations_unchanged(c->observations_unchanged() + 1);
      } else if (existed) {
        c->set_observations_updated(c->observations_updated() + 1);
      } else {
        c->set_observations_created(c->observations_created() + 1);
      }
    }
    if (new_observations.records.size() >= 256) SOKEI_RETURN_IF_ERROR(insert_new());
  }
  return insert_new();
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
  // Decode, read, infer.
  SOKEI_ASSIGN_OR_RETURN(const auto mapping, ParseMapping(r.mapping()));
  SOKEI_ASSIGN_OR_RETURN(std::string text, TableText(r.content(), r.encoding(), r.sheet()));
  SOKEI_ASSIGN_OR_RETURN(ParsedTable table, ParseProgressTable(text, mapping, r.fiscal_year()));

  pb::ImportProgressTableResponse resp;
  resp.set_fiscal_year(table.fiscal_year);
  for (const Column& c : table.columns) DescribeColumn(c, resp.add_columns());
  auto* counts = resp.mutable_counts();
  counts->set_rows(static_cast<int>(table.rows.size()));
  counts->set_cells_parsed(table.cells);
  counts->set_cells_fully_understood(table.cells_full);

  // Plan.
  SOKEI_ASSIGN_OR_RETURN(auto tree, plans_->GetPlanTree(p, r.parent()));
  ImportPlan plan = PlanImport(table, tree, r.allow_partial());
  const bool has_error = HasError(plan.findings);
  const bool global_error = std::any_of(plan.findings.begin(), plan.findings.end(), [](const auto& f) {
    return f.severity() == v1::FINDING_SEVERITY_ERROR && f.row() == 0;
  });
  // Every finding counted by kind; the first kMaxImportFindings listed (errors first), the rest
  // only counted — a 100,000-row table with a warning per cell still answers in one message.
  int32_t omitted = 0;
  ListFindings(std::move(plan.findings), kMaxImportFindings, resp.mutable_findings(),
               resp.mutable_finding_counts(), &omitted);
  resp.set_findings_omitted(omitted);
  if ((has_error && !r.allow_partial()) || global_error) {
    resp.set_committed(false);
    return resp;
  }

  // Write the structure: level names, departments and nodes, through the plan service.
  SOKEI_ASSIGN_OR_RETURN(auto dept_name, ImportStructure(p, m, r, plan, tree.plan(), counts));
  for (auto& pi : plan.indicators) {
    if (pi.department.empty()) continue;
    auto it = dept_name.find(jp::SearchFold(pi.department));
    // A dry run names the departments it would create.
    pi.ind.add_departments(
        it != dept_name.end()
            ? it->second
            : absl::StrCat("municipalities/", m, "/departments/", ImportIdFrom("d-", pi.department)));
  }

  // Write the KPI part: one transaction.
  auto apply = [&](WriteContext& w, pb::ImportProgressTableResponse* out) -> absl::Status {
    *out = resp;
    SOKEI_RETURN_IF_ERROR(WriteImportedIndicators(w, m, r.parent(), plan, table, out));
    out->set_committed(!r.dry_run());
    return absl::OkStatus();
  };
  const std::function<absl::Status(WriteContext&, pb::ImportProgressTableResponse*)> write = apply;
  if (r.dry_run()) {
    return api::RehearseOnce<pb::ImportProgressTableResponse, KpiTx>(repo_, clock_(), p,
                                                                    "ImportProgressTable", write);
  }
  auto done = Mutate<pb::ImportProgressTableResponse>(p, m, "ImportProgressTable",
                                                      r.request_id(), r, write);
  if (done.ok() && done->committed()) {
    metrics::Registry::Global().Add("sokei_import_rows_total", "Table rows committed by imports.",
                                    {{"kind", "progress_table"}}, done->counts().rows());
  }
  return done;
}

absl::StatusOr<std::map<std::string, std::string>> KpiDomain::ImportStructure(
    const Principal& p, const std::string& m, const pb::ImportProgressTableRequest& r, const ImportPlan& plan,
    const planpb::Plan& stored, pb::ImportCounts* counts) {
  // Departments: matched by name (NFKC, width-insensitive), created when new.
  SOKEI_ASSIGN_OR_RETURN(auto depts, plans_->ListDepartments(p, m));
  std::map<std::string, std::string> dept_name;  // folded display name → resource name
  for (const auto& d : depts) {
    dept_name[jp::SearchFold(d.display_name())] = d.name();
    for (const auto& former : d.former_names()) {
      dept_name.emplace(jp::SearchFold(former.display_name()), d.name());
    }
  }
  std::vector<std::pair<std::string, int>> new_depts;
  for (const auto& [display, row] : plan.department_rows) {
    if (!dept_name.count(jp::SearchFold(display))) new_depts.emplace_back(display, row);
  }
  counts->set_departments_created(static_cast<int>(new_depts.size()));
  int nodes_new = 0;
  for (const auto& key : plan.creation_order) {
    if (!plan.bad_rows.count(plan.nodes.at(key).row)) ++nodes_new;
  }
  counts->set_nodes_created(nodes_new);
  counts->set_nodes_existing(plan.nodes_existing);
  if (r.dry_run()) return dept_name;

  if (!plan.level_names.empty()) {
    planpb::Plan update = stored;
    update.clear_levels();
    for (size_t i = 0; i < plan.level_names.size(); ++i) {
      auto* l = update.add_levels();
      l->set_depth(static_cast<int>(i) + 1);
      l->set_display_name(plan.level_names[i]);
    }
    SOKEI_RETURN_IF_ERROR(plans_->UpdatePlanLevels(p, update).status());
  }
  for (const auto& [display, row] : new_depts) {
    planpb::CreateDepartmentRequest cr;
    cr.set_parent(absl::StrCat("municipalities/", m));
    cr.set_department_id(ImportIdFrom("d-", display));
    cr.mutable_department()->set_display_name(display);
    if (!r.request_id().empty()) {
      cr.set_request_id(absl::StrCat(r.request_id(), "/", cr.department_id()));
    }
    SOKEI_ASSIGN_OR_RETURN(auto created, plans_->CreateDepartment(p, cr));
    dept_name[jp::SearchFold(display)] = created.name();
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
  for (const auto& key : plan.creation_order) {
    const PlannedNode& n = plan.nodes.at(key);
    if (plan.bad_rows.count(n.row)) continue;
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
  return dept_name;
}

}  // namespace sokei::kpi
