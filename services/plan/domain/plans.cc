// Plans: create, revise, adopt, levels, list.
#include <algorithm>
#include <map>
#include <set>
#include <unordered_map>

#include "absl/hash/hash.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "google/protobuf/util/json_util.h"
#include "services/plan/domain/plan_internal.h"
#include "services/plan/domain/validation.h"

namespace sokei::plan {

namespace {

absl::Status ValidatePlan(PlanTx& tx, const pb::Plan& plan, const std::string& municipality) {
  Violations v;
  v.Text("plan.display_name", plan.display_name(), kMaxTitleChars, true);
  v.Text("plan.version_label", plan.version_label(), kMaxLabelChars, false);
  v.Text("plan.description", plan.description(), kMaxBodyChars, false);
  if (plan.kind() == pb::PLAN_KIND_UNSPECIFIED)
    v.Add("plan.kind", "is required (COMPREHENSIVE, STRATEGY or SECTORAL)");
  if (plan.layer() == pb::PLAN_LAYER_UNSPECIFIED)
    v.Add("plan.layer", "is required (VISION, BASIC_PLAN or IMPLEMENTATION_PLAN)");
  if (plan.status() == pb::PLAN_STATUS_UNSPECIFIED) v.Add("plan.status", "is required");
  const auto& period = plan.period();
  if (period.start_year() < 1900 || period.start_year() > 2200) {
    v.Add("plan.period.start_year", "is required: the first fiscal year (令和5年度 = 2023)");
  }
  if (period.end_year() < period.start_year() || period.end_year() - period.start_year() > 30) {
    v.Add("plan.period.end_year", "must be on or after start_year, within 30 years");
  }
  if (plan.revision_cycle_years() < 0 || plan.revision_cycle_years() > 10) {
    v.Add("plan.revision_cycle_years", "must be 0 to 10");
  }
  v.Date("plan.adopted_date", plan.adopted_date(), false);
  if (plan.levels_size() < 2 || plan.levels_size() > 5) {
    v.Add("plan.levels", "a plan tree has 2 to 5 levels");
  }
  for (int i = 0; i < plan.levels_size(); ++i) {
    const auto& l = plan.levels(i);
    const std::string f = absl::StrCat("plan.levels[", i, "]");
    if (l.depth() != i + 1)
      v.Add(f + ".depth", absl::StrCat("must be ", i + 1, " (levels are listed from the root)"));
    v.Text(f + ".display_name", l.display_name(), kMaxLabelChars, true);
    if (!l.code_pattern().empty() && !IsValidPattern(l.code_pattern())) {
      v.Add(f + ".code_pattern", "is not a valid regular expression");
    }
  }
  SOKEI_RETURN_IF_ERROR(v.ToStatus("PLAN_INVALID"));
  for (const auto& [field, ref] :
       {std::pair<std::string, std::string>{"plan.supersedes", plan.supersedes()},
        {"plan.parent_plan", plan.parent_plan()}}) {
    if (ref.empty()) continue;
    SOKEI_ASSIGN_OR_RETURN(auto n, api::ParseName(ref, kPlanPattern, field));
    if (n.municipality() != municipality || ref == plan.name()) {
      return status::InvalidField("PLAN_INVALID", field,
                                  "must be another plan of the same municipality");
    }
    SOKEI_ASSIGN_OR_RETURN(auto other, Load<pb::Plan>(tx, Kind::kPlan, ref));
    if (!other) return status::InvalidField("PLAN_INVALID", field, "does not exist");
    if (field == "plan.parent_plan" && (period.start_year() < other->period().start_year() ||
                                        period.end_year() > other->period().end_year())) {
      return status::InvalidField(
          "PLAN_PERIOD_INVALID", "plan.period",
          absl::StrCat("must lie within the parent plan's period ", other->period().start_year(),
                       "–", other->period().end_year()));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<pb::Plan> PlanDomain::CreatePlan(const Principal& p,
                                                const pb::CreatePlanRequest& r) {
  SOKEI_ASSIGN_OR_RETURN(auto parent, api::ParseName(r.parent(), kMunicipalityPattern, "parent"));
  SOKEI_RETURN_IF_ERROR(auth::CheckWriteStructure(p, parent.municipality()));
  SOKEI_RETURN_IF_ERROR(CheckId("plan_id", r.plan_id()));
  const std::string name = absl::StrCat(r.parent(), "/plans/", r.plan_id());
  return Mutate<pb::Plan>(
      p, parent.municipality(), "CreatePlan", r.request_id(), r,
      [&](WriteContext& w, pb::Plan* out) -> absl::Status {
        SOKEI_RETURN_IF_ERROR(RequireMunicipality(w.tx, parent.municipality()));
        *out = r.plan();
        out->set_name(name);
        if (out->status() == pb::PLAN_STATUS_UNSPECIFIED) out->set_status(pb::PLAN_STATUS_DRAFT);
        SOKEI_RETURN_IF_ERROR(ValidatePlan(w.tx, *out, parent.municipality()));
        SOKEI_ASSIGN_OR_RETURN(auto existing, w.tx.Get(Kind::kPlan, name));
        if (existing) return status::AlreadyExists("PLAN_ALREADY_EXISTS", name);
        Record rec = Stamp(out, {parent.municipality(), name, r.parent(), "", 0}, w.now, nullptr);
        SOKEI_RETURN_IF_ERROR(w.tx.Insert(Kind::kPlan, rec));
        return w.Audit(parent.municipality(), name, nullptr, out);
      });
}

absl::StatusOr<pb::Plan> PlanDomain::GetPlan(const Principal& p, const pb::GetPlanRequest& r) {
  SOKEI_ASSIGN_OR_RETURN(auto name, api::ParseName(r.name(), kPlanPattern, "name"));
  SOKEI_RETURN_IF_ERROR(auth::CheckRead(p, name.municipality()));
  pb::Plan out;
  SOKEI_RETURN_IF_ERROR(repo_->Read([&](PlanTx& tx) -> absl::Status {
    SOKEI_ASSIGN_OR_RETURN(out, LoadOrNotFound<pb::Plan>(tx, Kind::kPlan, r.name()));
    return CheckPlanVisible(p, out);
  }));
  return out;
}

absl::StatusOr<pb::ListPlansResponse> PlanDomain::ListPlans(const Principal& p,
                                                            const pb::ListPlansRequest& r) {
  SOKEI_ASSIGN_OR_RETURN(auto parent, api::ParseName(r.parent(), kMunicipalityPattern, "parent"));
  SOKEI_RETURN_IF_ERROR(auth::CheckRead(p, parent.municipality()));
  SOKEI_ASSIGN_OR_RETURN(auto filter, api::ParseFilter(r.filter(), {"kind", "layer", "status"}));
  const std::string key = absl::StrCat(r.parent(), "|", r.filter());
  SOKEI_ASSIGN_OR_RETURN(auto page, api::ParsePage(r.page_size(), r.page_token(), key));
  std::vector<pb::Plan> all;
  SOKEI_RETURN_IF_ERROR(repo_->Read([&](PlanTx& tx) -> absl::Status {
    SOKEI_ASSIGN_OR_RETURN(auto recs, tx.ListCollection(Kind::kPlan, r.parent()));
    SOKEI_ASSIGN_OR_RETURN(all, DecodeAll<pb::Plan>(recs));
    return absl::OkStatus();
  }));
  for (const auto& [k, value] : filter) {
    const auto* field = pb::Plan::descriptor()->FindFieldByName(k);
    if (field->enum_type()->FindValueByName(value) == nullptr) {
      return status::InvalidField("FILTER_INVALID", "filter",
                                  absl::StrCat(status::Quote(value), " is not a value of ", k));
    }
  }
  all.erase(std::remove_if(all.begin(), all.end(),
                           [&](const pb::Plan& plan) {
                             if (!CheckPlanVisible(p, plan).ok()) return true;
                             for (const auto& [k, value] : filter) {
                               const auto* field = pb::Plan::descriptor()->FindFieldByName(k);
                               const auto* got = plan.GetReflection()->GetEnum(plan, field);
                               if (got->name() != value) return true;
                             }
                             return false;
                           }),
            all.end());
  pb::ListPlansResponse resp;
  const int64_t total = static_cast<int64_t>(all.size());
  for (auto& plan : Paginate(std::move(all), page)) *resp.add_plans() = std::move(plan);
  resp.set_next_page_token(api::NextPageToken(page, total, key));
  return resp;
}

absl::StatusOr<pb::Plan> PlanDomain::UpdatePlan(const Principal& p,
                                                const pb::UpdatePlanRequest& r) {
  SOKEI_ASSIGN_OR_RETURN(auto name, api::ParseName(r.plan().name(), kPlanPattern, "plan.name"));
  SOKEI_RETURN_IF_ERROR(auth::CheckWriteStructure(p, name.municipality()));
  return Mutate<pb::Plan>(
      p, name.municipality(), "UpdatePlan", "", r,
      [&](WriteContext& w, pb::Plan* out) -> absl::Status {
        SOKEI_ASSIGN_OR_RETURN(auto rec, w.tx.Get(Kind::kPlan, name.ToString()));
        if (!rec) return status::NotFound("PLAN_NOT_FOUND", name.ToString());
        SOKEI_ASSIGN_OR_RETURN(auto before, Decode<pb::Plan>(*rec));
        SOKEI_RETURN_IF_ERROR(
            CheckEtag(Kind::kPlan, r.plan().etag(), before.etag(), before.name()));
        *out = before;
        SOKEI_RETURN_IF_ERROR(ApplyMask(
            r.plan(), r.update_mask(),
            {"display_name", "kind", "layer", "version_label", "period", "revision_cycle_years",
             "status", "adopted_date", "supersedes", "parent_plan", "levels", "description"},
            out));
        SOKEI_RETURN_IF_ERROR(ValidatePlan(w.tx, *out, name.municipality()));
        // Level definitions must still fit every node.
        SOKEI_ASSIGN_OR_RETURN(auto nodes, w.tx.ListPlan(Kind::kNode, out->name()));
        for (const Record& nr : nodes) {
          SOKEI_ASSIGN_OR_RETURN(auto node, Decode<pb::Node>(nr));
          if (node.level() > out->levels_size()) {
            return status::FailedPrecondition(
                "PLAN_LEVELS_IN_USE",
                {"LEVELS", out->name(),
                 absl::StrCat(node.name(), " is at level ", node.level(),
                              "; remove or move it before dropping that level")});
          }
          const auto& pattern = out->levels(node.level() - 1).code_pattern();
          if (!pattern.empty() && !node.code().empty() && !MatchesPattern(pattern, node.code())) {
            return status::FailedPrecondition(
                "PLAN_LEVELS_IN_USE",
                {"CODE_PATTERN", out->name(),
                 absl::StrCat("the code of ", node.name(), " does not match the new pattern")});
          }
        }
        Record next =
            Stamp(out, {name.municipality(), out->name(), rec->collection, "", 0}, w.now, &*rec);
        SOKEI_RETURN_IF_ERROR(w.tx.Update(Kind::kPlan, next));
        return w.Audit(name.municipality(), out->name(), &before, out);
      });
}

absl::StatusOr<Empty> PlanDomain::DeletePlan(const Principal& p, const pb::DeletePlanRequest& r) {
  SOKEI_ASSIGN_OR_RETURN(auto name, api::ParseName(r.name(), kPlanPattern, "name"));
  SOKEI_RETURN_IF_ERROR(auth::CheckWriteStructure(p, name.municipality()));
  return Mutate<Empty>(
      p, name.municipality(), "DeletePlan", "", r, [&](WriteContext& w, Empty*) -> absl::Status {
        SOKEI_ASSIGN_OR_RETURN(auto before, LoadOrNotFound<pb::Plan>(w.tx, Kind::kPlan, r.name()));
        SOKEI_RETURN_IF_ERROR(CheckEtag(Kind::kPlan, r.etag(), before.etag(), before.name()));
        for (Kind kind : {Kind::kLink, Kind::kPackage, Kind::kNode}) {
          SOKEI_ASSIGN_OR_RETURN(auto children, w.tx.ListPlan(kind, r.name()));
          if (!children.empty() && !r.force()) {
            return status::FailedPrecondition(
                "PLAN_HAS_CHILDREN", {"HAS_CHILDREN", r.name(),
                                      "has nodes or packages; delete them first or pass force"});
          }
          for (const Record& c : children) SOKEI_RETURN_IF_ERROR(w.tx.Delete(kind, c.name));
        }
        SOKEI_RETURN_IF_ERROR(w.tx.Delete(Kind::kPlan, r.name()));
        return w.Audit(name.municipality(), r.name(), &before, nullptr);
      });
}

}  // namespace sokei::plan
