// Costs per 事業 and fiscal year: list, enter or correct one, and the 人件費単価 settings.
#include <algorithm>
#include <set>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/api/names.h"
#include "common/api/resources.h"
#include "common/status/status.h"
#include "services/kpi/domain/costing.h"
#include "services/kpi/domain/kpi_domain.h"
#include "services/kpi/domain/kpi_internal.h"

namespace sokei::kpi {
namespace {

constexpr int64_t kMaxYen = 1'000'000'000'000'000;  // 1,000兆円: beyond any budget

// "2020-s1" → 2020 and "s1".
bool SplitCostId(const std::string& id, int* year, std::string* node_id) {
  const size_t dash = id.find('-');
  if (dash == std::string::npos || !absl::SimpleAtoi(id.substr(0, dash), year)) return false;
  *node_id = id.substr(dash + 1);
  return *year >= 1900 && *year <= 2200 && !node_id->empty();
}

void CheckYen(api::Violations& v, const std::string& field, int64_t yen) {
  if (yen < -kMaxYen || yen > kMaxYen) v.Add(field, "is not a plausible amount in 円");
}

}  // namespace

absl::StatusOr<pb::ListProjectCostsResponse> KpiDomain::ListProjectCosts(
    const Principal& p, const pb::ListProjectCostsRequest& r) {
  SOKEI_ASSIGN_OR_RETURN(auto pn, api::ParseName(r.parent(), kPlanPattern, "parent"));
  SOKEI_RETURN_IF_ERROR(CheckKpiRead(p, pn.municipality()));
  api::Violations v;
  CheckYear(v, "fiscal_year", r.fiscal_year(), true);
  SOKEI_RETURN_IF_ERROR(v.ToStatus("COST_INVALID"));
  SOKEI_ASSIGN_OR_RETURN(auto tree, plans_->GetPlanTree(p, r.parent()));
  std::vector<pb::ProjectCost> costs;
  pb::CostSettings settings;
  SOKEI_RETURN_IF_ERROR(repo_->Read([&](KpiTx& tx) -> absl::Status {
    SOKEI_ASSIGN_OR_RETURN(costs, LoadCosts(tx, r.parent(), r.fiscal_year(), r.fiscal_year()));
    SOKEI_ASSIGN_OR_RETURN(settings, LoadCostSettings(tx, pn.municipality()));
    return absl::OkStatus();
  }));
  absl::flat_hash_map<std::string, int> order;
  for (int i = 0; i < tree.nodes_size(); ++i) order[tree.nodes(i).node().name()] = i;
  auto at = [&](const pb::ProjectCost& c) {
    auto it = order.find(c.node());
    return it == order.end() ? tree.nodes_size() : it->second;
  };
  std::stable_sort(costs.begin(), costs.end(),
                   [&](const auto& a, const auto& b) { return at(a) < at(b); });
  pb::ListProjectCostsResponse out;
  for (auto& c : costs) {
    DeriveCost(settings, &c);
    *out.add_costs() = std::move(c);
  }
  return out;
}

absl::StatusOr<pb::ProjectCost> KpiDomain::UpdateProjectCost(
    const Principal& p, const pb::UpdateProjectCostRequest& r) {
  const pb::ProjectCost& in = r.cost();
  SOKEI_ASSIGN_OR_RETURN(auto cn, api::ParseName(in.name(), kCostPattern, "cost.name"));
  const std::string m = cn.municipality();
  SOKEI_RETURN_IF_ERROR(auth::CheckWriteStructure(p, m));
  int year = 0;
  std::string node_id;
  if (!SplitCostId(cn.Id("costs"), &year, &node_id)) {
    return status::InvalidField("COST_INVALID", "cost.name",
                                "must end in costs/{fiscal year}-{node id}, e.g. costs/2024-s1");
  }
  const std::string plan = cn.Prefix("plans");
  const std::string node = absl::StrCat(plan, "/nodes/", node_id);
  SOKEI_RETURN_IF_ERROR(plans_->GetNode(p, node).status());
  api::Violations v;
  CheckYen(v, "cost.initial_budget", in.initial_budget());
  for (int i = 0; i < in.supplementary_budgets_size(); ++i) {
    CheckYen(v, absl::StrCat("cost.supplementary_budgets[", i, "]"), in.supplementary_budgets(i));
  }
  if (in.supplementary_budgets_size() > 20) v.Add("cost.supplementary_budgets", "at most 20");
  CheckYen(v, "cost.current_budget", in.current_budget());
  CheckYen(v, "cost.settlement", in.settlement());
  CheckYen(v, "cost.carried_forward", in.carried_forward());
  for (int64_t f : {in.funding().national(), in.funding().prefectural(), in.funding().bonds(),
                    in.funding().other_specific(), in.funding().general()}) {
    CheckYen(v, "cost.funding", f);
  }
  if (!(in.staff_fte() >= 0 && in.staff_fte() <= 1000)) {
    v.Add("cost.staff_fte", "person-years (人工) from 0 to 1,000");
  }
  v.Text("cost.budget_code", in.budget_code(), 40, false);
  SOKEI_RETURN_IF_ERROR(v.ToStatus("COST_INVALID"));
  static const std::set<std::string> kMutable = {
      "budget_code",    "initial_budget", "supplementary_budgets",
      "current_budget", "settlement",     "carried_forward",
      "funding",        "staff_fte"};
  pb::ProjectCost result;
  SOKEI_RETURN_IF_ERROR(
      Mutate<pb::ProjectCost>(
          p, m, "UpdateProjectCost", "", r,
          [&](WriteContext& w, pb::ProjectCost* out) -> absl::Status {
            SOKEI_ASSIGN_OR_RETURN(auto rec, w.tx.Get(Kind::kCost, in.name()));
            pb::ProjectCost before;
            if (rec && !before.ParseFromString(rec->data))
              return status::Internal("STORAGE_CORRUPT");
            SOKEI_RETURN_IF_ERROR(
                CheckEtag(in.etag(), before.etag(), "COST_ETAG_MISMATCH", in.name()));
            *out = before;
            SOKEI_RETURN_IF_ERROR(api::ApplyMask(in, r.update_mask(), kMutable, out));
            out->set_name(in.name());
            out->set_node(node);
            out->set_fiscal_year(year);
            out->set_source(p.subject);
            for (const auto& path : r.update_mask().paths()) {
              const std::string top = path.substr(0, path.find('.'));
              if (top == "settlement") out->set_has_settlement(true);
              // A typed value replaces the table's: its cell text no longer describes it.
              auto* raw = out->mutable_raw();
              raw->erase(std::remove_if(raw->begin(), raw->end(),
                                        [&](const pb::CellText& c) {
                                          return absl::StartsWith(c.field(), top);
                                        }),
                         raw->end());
            }
            out->clear_personnel_cost();
            out->clear_total_cost();
            Record next =
                StampCost(out, {m, plan, out->node(), year}, w.now, rec ? &*rec : nullptr);
            if (rec) {
              SOKEI_RETURN_IF_ERROR(w.tx.Update(Kind::kCost, next));
            } else {
              SOKEI_RETURN_IF_ERROR(w.tx.Insert(Kind::kCost, next));
            }
            SOKEI_RETURN_IF_ERROR(w.Audit(m, in.name(), rec ? &before : nullptr, out));
            SOKEI_ASSIGN_OR_RETURN(auto settings, LoadCostSettings(w.tx, m));
            result = *out;
            DeriveCost(settings, &result);
            return absl::OkStatus();
          })
          .status());
  return result;
}

absl::StatusOr<pb::CostSettings> KpiDomain::GetCostSettings(const Principal& p,
                                                            const pb::GetCostSettingsRequest& r) {
  const std::string m(absl::StripSuffix(r.name(), "/costSettings"));
  if (m == r.name()) {
    return status::InvalidField("NAME_INVALID", "name", "must be municipalities/{m}/costSettings");
  }
  SOKEI_ASSIGN_OR_RETURN(auto mn, api::ParseName(m, kMunicipalityPattern, "name"));
  SOKEI_RETURN_IF_ERROR(CheckKpiRead(p, mn.municipality()));
  pb::CostSettings s;
  SOKEI_RETURN_IF_ERROR(repo_->Read([&](KpiTx& tx) -> absl::Status {
    SOKEI_ASSIGN_OR_RETURN(s, LoadCostSettings(tx, mn.municipality()));
    return absl::OkStatus();
  }));
  return s;
}

absl::StatusOr<pb::CostSettings> KpiDomain::UpdateCostSettings(
    const Principal& p, const pb::UpdateCostSettingsRequest& r) {
  const pb::CostSettings& in = r.settings();
  const std::string m(absl::StripSuffix(in.name(), "/costSettings"));
  if (m == in.name()) {
    return status::InvalidField("NAME_INVALID", "settings.name",
                                "must be municipalities/{m}/costSettings");
  }
  SOKEI_ASSIGN_OR_RETURN(auto mn, api::ParseName(m, kMunicipalityPattern, "settings.name"));
  SOKEI_RETURN_IF_ERROR(auth::CheckWriteStructure(p, mn.municipality()));
  api::Violations v;
  std::set<int> years;
  for (int i = 0; i < in.personnel_rates_size(); ++i) {
    const auto& rate = in.personnel_rates(i);
    const std::string at = absl::StrCat("settings.personnel_rates[", i, "]");
    CheckYear(v, at + ".fiscal_year", rate.fiscal_year(), true);
    if (!years.insert(rate.fiscal_year()).second) v.Add(at + ".fiscal_year", "is given twice");
    if (rate.yen_per_fte() < 0 || rate.yen_per_fte() > 100'000'000) {
      v.Add(at + ".yen_per_fte", "円 per person-year, 0 to 100,000,000");
    }
  }
  SOKEI_RETURN_IF_ERROR(v.ToStatus("COST_SETTINGS_INVALID"));
  return Mutate<pb::CostSettings>(
      p, mn.municipality(), "UpdateCostSettings", "", r,
      [&](WriteContext& w, pb::CostSettings* out) -> absl::Status {
        SOKEI_ASSIGN_OR_RETURN(auto rec, w.tx.Get(Kind::kCostSettings, in.name()));
        SOKEI_ASSIGN_OR_RETURN(pb::CostSettings before, LoadCostSettings(w.tx, mn.municipality()));
        SOKEI_RETURN_IF_ERROR(
            CheckEtag(in.etag(), before.etag(), "COST_SETTINGS_ETAG_MISMATCH", in.name()));
        *out = before;
        *out->mutable_personnel_rates() = in.personnel_rates();
        std::sort(out->mutable_personnel_rates()->begin(), out->mutable_personnel_rates()->end(),
                  [](const auto& a, const auto& b) { return a.fiscal_year() < b.fiscal_year(); });
        const int64_t revision = rec ? rec->revision + 1 : 1;
        *out->mutable_update_time() = api::ToTimestamp(w.now);
        out->set_etag(absl::StrCat(absl::Hex(api::Micros(w.now)), ".", revision));
        Record next{out->name(), mn.municipality(), m, "", 0, revision, out->SerializeAsString()};
        if (rec) {
          SOKEI_RETURN_IF_ERROR(w.tx.Update(Kind::kCostSettings, next));
        } else {
          SOKEI_RETURN_IF_ERROR(w.tx.Insert(Kind::kCostSettings, next));
        }
        return w.Audit(mn.municipality(), out->name(), &before, out);
      });
}

}  // namespace sokei::kpi
