// ImportCostTable: a 財務会計システム's budget / settlement export into the plan's 事業 costs.
// Rows are matched to nodes by 予算事業コード (Node.budget_codes) or 事業番号 (Node.code, compared
// after NFKC); one ERROR finding and nothing is written. A row equal to what is stored is left.
#include <map>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "common/api/names.h"
#include "common/jp/text.h"
#include "common/status/status.h"
#include "google/protobuf/util/message_differencer.h"
#include "services/kpi/domain/costing.h"
#include "services/kpi/domain/kpi_domain.h"
#include "services/kpi/domain/kpi_internal.h"
#include "services/kpi/import/cost_table.h"
#include "services/kpi/import/table_text.h"

namespace sokei::kpi {
namespace {

// The same cost, up to what is stamped on it (compared field by field: a map's serialized order
// is not stable).
bool SameCost(pb::ProjectCost a, pb::ProjectCost b) {
  for (auto* c : {&a, &b}) {
    c->clear_etag();
    c->clear_create_time();
    c->clear_update_time();
    c->clear_personnel_cost();
    c->clear_total_cost();
  }
  return google::protobuf::util::MessageDifferencer::Equals(a, b);
}

}  // namespace

absl::StatusOr<pb::ImportCostTableResponse> KpiDomain::ImportCostTable(
    const Principal& p, const pb::ImportCostTableRequest& r) {
  SOKEI_ASSIGN_OR_RETURN(auto pn, api::ParseName(r.parent(), kPlanPattern, "parent"));
  const std::string m = pn.municipality();
  SOKEI_RETURN_IF_ERROR(auth::CheckWriteStructure(p, m));
  if (r.content().empty()) return status::InvalidField("IMPORT_EMPTY", "content", "is empty");
  if (r.content().size() > (16u << 20)) {
    return status::InvalidField("IMPORT_TOO_LARGE", "content", "at most 16 MiB per import");
  }
  if (r.fiscal_year() != 0 && (r.fiscal_year() < 1900 || r.fiscal_year() > 2200)) {
    return status::InvalidField("COST_TABLE_INVALID", "fiscal_year",
                                "a fiscal year between 1900 and 2200");
  }
  SOKEI_ASSIGN_OR_RETURN(std::string text, TableText(r.content(), r.encoding(), r.sheet()));
  SOKEI_ASSIGN_OR_RETURN(CostTable table, ParseCostTable(text, r.fiscal_year()));
  SOKEI_ASSIGN_OR_RETURN(auto tree, plans_->GetPlanTree(p, r.parent()));
  absl::flat_hash_map<std::string, const planpb::Node*> by_budget_code, by_code;
  for (const auto& tn : tree.nodes()) {
    for (const auto& bc : tn.node().budget_codes()) by_budget_code[jp::Nfkc(bc)] = &tn.node();
    by_code[jp::Nfkc(tn.node().code())] = &tn.node();
  }
  pb::ImportCostTableResponse out;
  out.set_rows(static_cast<int>(table.rows.size()));
  *out.mutable_findings() = {table.findings.begin(), table.findings.end()};
  std::map<std::string, pb::ProjectCost> costs;  // by name: one row per 事業 and year
  for (CostRow& row : table.rows) {
    const planpb::Node* node = nullptr;
    if (!row.budget_code.empty()) {
      auto it = by_budget_code.find(row.budget_code);
      if (it != by_budget_code.end()) node = it->second;
    }
    if (node == nullptr && !row.node_code.empty()) {
      auto it = by_code.find(row.node_code);
      if (it != by_code.end()) node = it->second;
    }
    auto finding = [&](const char* code, const std::string& understood) {
      auto* f = out.add_findings();
      f->set_row(row.line);
      f->set_raw(row.budget_code.empty() ? row.node_code : row.budget_code);
      f->set_severity(pb::FINDING_SEVERITY_ERROR);
      f->set_code(code);
      f->set_understood(understood);
    };
    if (node == nullptr) {
      if (!row.bad) {
        finding("ROW_NOT_MATCHED",
                absl::StrCat("no 事業 of the plan has this 予算事業コード or 事業番号",
                             row.title.empty() ? "" : absl::StrCat("（", row.title, "）")));
      }
      row.bad = true;
      continue;
    }
    if (row.bad) continue;
    pb::ProjectCost& c = row.cost;
    const std::string node_id = node->name().substr(node->name().rfind('/') + 1);
    c.set_name(absl::StrCat(r.parent(), "/costs/", row.fiscal_year, "-", node_id));
    c.set_node(node->name());
    c.set_fiscal_year(row.fiscal_year);
    c.set_budget_code(row.budget_code);
    c.set_source("import");
    if (!costs.emplace(c.name(), c).second) {
      finding("DUPLICATE_ROW", "a second row for the same 事業 and year");
    }
  }
  bool errors = false;
  for (const auto& f : out.findings())
    errors = errors || f.severity() == pb::FINDING_SEVERITY_ERROR;
  auto apply = [&](WriteContext* w, KpiTx& tx) -> absl::Status {
    SOKEI_ASSIGN_OR_RETURN(auto settings, LoadCostSettings(tx, m));
    for (auto& [name, cost] : costs) {
      SOKEI_ASSIGN_OR_RETURN(auto rec, tx.Get(Kind::kCost, name));
      pb::ProjectCost before;
      if (rec && !before.ParseFromString(rec->data)) return status::Internal("STORAGE_CORRUPT");
      if (rec && SameCost(before, cost)) {
        out.set_unchanged(out.unchanged() + 1);
        cost = before;
      } else if (w != nullptr) {
        Record next = StampCost(&cost, {m, r.parent(), cost.node(), cost.fiscal_year()}, w->now,
                                rec ? &*rec : nullptr);
        SOKEI_RETURN_IF_ERROR(rec ? tx.Update(Kind::kCost, next) : tx.Insert(Kind::kCost, next));
        SOKEI_RETURN_IF_ERROR(w->Audit(m, name, rec ? &before : nullptr, &cost));
      }
      pb::ProjectCost shown = cost;
      DeriveCost(settings, &shown);
      *out.add_costs() = std::move(shown);
    }
    return absl::OkStatus();
  };
  if (errors || r.dry_run()) {
    if (!errors) {
      SOKEI_RETURN_IF_ERROR(repo_->Read([&](KpiTx& tx) { return apply(nullptr, tx); }));
    }
    return out;
  }
  SOKEI_ASSIGN_OR_RETURN(
      auto written, Mutate<pb::ImportCostTableResponse>(
                        p, m, "ImportCostTable", r.request_id(), r,
                        [&](WriteContext& w, pb::ImportCostTableResponse* resp) -> absl::Status {
                          SOKEI_RETURN_IF_ERROR(apply(&w, w.tx));
                          out.set_committed(true);
                          *resp = out;
                          return absl::OkStatus();
                        }));
  return written;
}

}  // namespace sokei::kpi
