// A department's input sheet coming back filled in (the habit of every 課: download the sheet,
// type the year's 実績 into Excel, send it back). The sheet is read like any progress table; each
// filled-in 実績 cell of the year is matched to an indicator of the plan by its number and name
// (never by position), checked against the caller's departments and the review state, and recorded
// as a draft through RecordObservations — one transaction, all or nothing. Nothing else in the
// sheet is written: names, targets and grades are the 企画課's.
#include <functional>
#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "common/api/names.h"
#include "common/jp/fiscal_year.h"
#include "common/jp/text.h"
#include "services/kpi/domain/kpi_internal.h"
#include "services/kpi/import/findings.h"
#include "services/kpi/import/progress_table.h"
#include "services/kpi/import/table_text.h"

namespace sokei::kpi {
namespace {

constexpr size_t kMaxSheetBytes = 16 << 20;
constexpr int kMaxSheetValues = 1000;
constexpr char kSheetPlanPattern[] = "municipalities/*/plans/*";

using IndicatorKeys = std::map<std::pair<std::string, std::string>, const pb::Indicator*>;

// Each filled-in 実績 cell of the year matched to its indicator (number above, name folded) and
// checked: known, once only, the caller's own, not locked by the review. What may be recorded goes
// into `record`; the rest becomes findings.
void MatchSheetCells(const Principal& p, const std::string& m, int fy, const ParsedTable& table,
                     const std::set<const Column*>& year_columns, const IndicatorKeys& by_key,
                     const std::map<std::string, pb::Observation>& stored,
                     const std::function<void(v1::ImportFinding)>& add,
                     pb::ImportObservationSheetResponse* resp_out,
                     pb::RecordObservationsRequest* record_out) {
  pb::ImportObservationSheetResponse& resp = *resp_out;
  pb::RecordObservationsRequest& record = *record_out;
  std::set<std::string> seen;
  std::string code;  // the number above, for continuation rows
  for (const DataRow& row : table.rows) {
    if (!row.code.empty()) code = row.code;
    for (const Cell& cell : row.actuals) {
      const std::string& raw = cell.value.raw();
      if (!year_columns.count(cell.column) || raw.empty()) continue;
      const std::string& column = cell.column->header;
      auto it = by_key.find({code, jp::SearchFold(row.indicator)});
      if (it == by_key.end()) {
        add(MakeFinding(row.row, column, raw,
                        absl::StrCat("no indicator 「", row.indicator, "」 under ", code,
                                     " in this plan: the number or name was changed"),
                        v1::FINDING_SEVERITY_ERROR, "SHEET_INDICATOR_UNKNOWN"));
        continue;
      }
      const pb::Indicator& ind = *it->second;
      if (!seen.insert(ind.name()).second) {
        add(MakeFinding(row.row, column, raw, "the same indicator appears twice in the sheet",
                        v1::FINDING_SEVERITY_ERROR, "SHEET_DUPLICATE_ROW"));
        continue;
      }
      if (!CheckObservationWrite(p, ind, m).ok()) {
        add(MakeFinding(row.row, column, raw,
                        "the indicator belongs to another department: its value is not taken",
                        v1::FINDING_SEVERITY_ERROR, "SHEET_NOT_YOUR_INDICATOR"));
        continue;
      }
      auto s = stored.find(ind.name());
      if (s != stored.end() && s->second.value().raw() == raw) {
        resp.set_unchanged(resp.unchanged() + 1);
        continue;
      }
      if (s != stored.end() && !IsPlanner(p) &&
          (s->second.review_state() == pb::REVIEW_STATE_SUBMITTED ||
           s->second.review_state() == pb::REVIEW_STATE_APPROVED)) {
        add(MakeFinding(
            row.row, column, raw,
            absl::StrCat(
                "already ",
                s->second.review_state() == pb::REVIEW_STATE_SUBMITTED ? "submitted" : "approved",
                " as 「", s->second.value().raw(),
                "」: it changes only after the 企画課 returns it"),
            v1::FINDING_SEVERITY_ERROR, "SHEET_VALUE_LOCKED"));
        continue;
      }
      auto* in = record.add_observations();
      in->set_indicator(ind.name());
      in->set_fiscal_year(fy);
      in->set_raw_value(raw);
      in->set_source("入力シート");
    }
  }
}

}  // namespace

absl::StatusOr<pb::ImportObservationSheetResponse> KpiDomain::ImportObservationSheet(
    const Principal& p, const pb::ImportObservationSheetRequest& r) {
  SOKEI_ASSIGN_OR_RETURN(auto plan_name, api::ParseName(r.plan(), kSheetPlanPattern, "plan"));
  const std::string m = plan_name.municipality();
  SOKEI_RETURN_IF_ERROR(CheckKpiRead(p, m));
  if (r.content().empty()) {
    return status::InvalidField("IMPORT_EMPTY", "content",
                                "is required: the filled-in sheet as xlsx, TSV or CSV");
  }
  if (r.content().size() > kMaxSheetBytes) {
    return status::InvalidField("IMPORT_TOO_LARGE", "content", "at most 16 MiB per sheet");
  }
  if (r.fiscal_year() < 1900 || r.fiscal_year() > 2200) {
    return status::InvalidField("IMPORT_INVALID", "fiscal_year",
                                "the year being reported, 1900 to 2200 (令和4年度 = 2022)");
  }
  const int fy = r.fiscal_year();
  SOKEI_ASSIGN_OR_RETURN(std::string text, TableText(r.content(), r.encoding(), r.sheet()));
  SOKEI_ASSIGN_OR_RETURN(ParsedTable table, ParseProgressTable(text, {}, fy));

  // The 実績 column(s) of the year.
  std::set<const Column*> year_columns;
  for (const Column& c : table.columns) {
    if (c.field == Field::kActual && (c.year == fy || (c.year == 0 && table.fiscal_year == fy))) {
      year_columns.insert(&c);
    }
  }
  if (year_columns.empty()) {
    return status::InvalidField(
        "SHEET_YEAR_MISSING", "fiscal_year",
        absl::StrCat("the sheet has no 実績 column for ", jp::FormatFiscalYear(fy),
                     ": download the input sheet of that year"));
  }

  // The plan's indicators by (number of their node, name folded for matching).
  SOKEI_ASSIGN_OR_RETURN(auto tree, plans_->GetPlanTree(p, r.plan()));
  std::map<std::string, std::string> code_of;  // node name → code
  for (const auto& tn : tree.nodes()) code_of[tn.node().name()] = tn.node().code();
  std::vector<pb::Indicator> indicators;
  std::map<std::string, pb::Observation> stored;  // indicator name → its observation of the year
  SOKEI_RETURN_IF_ERROR(repo_->Read([&](KpiTx& tx) -> absl::Status {
    SOKEI_ASSIGN_OR_RETURN(auto irecs, tx.ListPlanIndicators(r.plan()));
    for (const Record& rec : irecs) {
      if (!indicators.emplace_back().ParseFromString(rec.data)) {
        return status::Internal("STORAGE_CORRUPT");
      }
    }
    SOKEI_ASSIGN_OR_RETURN(auto orecs, tx.ListPlanObservations(r.plan()));
    for (const Record& rec : orecs) {
      pb::Observation o;
      if (!o.ParseFromString(rec.data)) return status::Internal("STORAGE_CORRUPT");
      if (o.fiscal_year() == fy && o.breakdown_key().empty()) {
        stored[o.name().substr(0, o.name().rfind("/observations/"))] = std::move(o);
      }
    }
    return absl::OkStatus();
  }));
  IndicatorKeys by_key;
  for (const auto& ind : indicators) {
    for (const auto& n : ind.nodes()) {
      if (auto it = code_of.find(n); it != code_of.end()) {
        by_key[{it->second, jp::SearchFold(ind.display_name())}] = &ind;
      }
    }
  }

  pb::ImportObservationSheetResponse resp;
  resp.set_fiscal_year(fy);
  bool errors = false;
  auto add = [&](v1::ImportFinding f) {
    errors |= f.severity() == v1::FINDING_SEVERITY_ERROR;
    *resp.add_findings() = std::move(f);
  };
  // What the parser said about the year's cells (a partial value, text only …) stays beside them.
  std::set<std::string> year_headers;
  for (const Column* c : year_columns) year_headers.insert(c->header);
  for (const auto& f : table.findings) {
    if (year_headers.count(f.column()) || f.severity() == v1::FINDING_SEVERITY_ERROR) add(f);
  }

  pb::RecordObservationsRequest record;
  record.set_parent(absl::StrCat("municipalities/", m));
  record.set_request_id(r.request_id());
  record.set_validate_only(r.validate_only());
  MatchSheetCells(p, m, fy, table, year_columns, by_key, stored, add, &resp, &record);
  if (record.observations_size() > kMaxSheetValues) {
    return status::InvalidField("IMPORT_TOO_LARGE", "content",
                                "at most 1,000 values per sheet: split it by department");
  }
  if (record.observations().empty()) {
    if (!errors) {
      add(MakeFinding(0, "", "",
                      resp.unchanged() > 0 ? "every filled-in value is already stored"
                                           : "no 実績 of the year is filled in",
                      v1::FINDING_SEVERITY_WARNING, "SHEET_NOTHING_TO_RECORD"));
    }
    return resp;
  }
  // With an error, nothing is written; the other values are still shown as they would be stored.
  if (errors) record.set_validate_only(true);
  SOKEI_ASSIGN_OR_RETURN(auto recorded, RecordObservations(p, record));
  *resp.mutable_observations() = std::move(*recorded.mutable_observations());
  resp.set_committed(!record.validate_only());
  return resp;
}

}  // namespace sokei::kpi
