// Revisions (ローリング): RevisePlan copies a plan into its next version with the lineage filled
// in; DiffPlans compares two versions by that lineage (plan_diff.h).
#include <string>

#include "absl/strings/str_cat.h"
#include "services/plan/domain/plan_diff.h"
#include "services/plan/domain/plan_internal.h"
#include "services/plan/domain/validation.h"

namespace sokei::plan {
namespace {

// `name` of the revised plan, moved into the next version `to` (…/plans/5th/nodes/a →
// …/plans/6th/nodes/a).
std::string Moved(const std::string& name, const std::string& from, const std::string& to) {
  if (name.compare(0, from.size() + 1, from + "/") != 0) return name;
  return to + name.substr(from.size());
}

// Stamps `msg` as new in the next version and inserts it.
template <typename T>
absl::Status InsertCopy(PlanTx& tx, Kind kind, T* msg, const Placement& where, absl::Time now) {
  msg->clear_etag();
  msg->clear_create_time();
  msg->clear_update_time();
  Record rec = Stamp(msg, where, now, nullptr);
  return tx.Insert(kind, rec);
}

}  // namespace

absl::StatusOr<pb::Plan> PlanDomain::RevisePlan(const Principal& p,
                                                const pb::RevisePlanRequest& r) {
  SOKEI_ASSIGN_OR_RETURN(auto name, api::ParseName(r.name(), kPlanPattern, "name"));
  const std::string m = name.municipality();
  SOKEI_RETURN_IF_ERROR(auth::CheckWriteStructure(p, m));
  SOKEI_RETURN_IF_ERROR(CheckId("new_plan_id", r.new_plan_id()));
  Violations v;
  v.Text("display_name", r.display_name(), kMaxTitleChars, false);
  v.Text("version_label", r.version_label(), kMaxLabelChars, false);
  if (r.has_period()) {
    const auto& period = r.period();
    if (period.start_year() < 1900 || period.start_year() > 2200) {
      v.Add("period.start_year", "the first fiscal year (令和7年度 = 2025)");
    }
    if (period.end_year() < period.start_year() || period.end_year() - period.start_year() > 30) {
      v.Add("period.end_year", "must be on or after start_year, within 30 years");
    }
  }
  SOKEI_RETURN_IF_ERROR(v.ToStatus("PLAN_INVALID"));
  const std::string next = absl::StrCat("municipalities/", m, "/plans/", r.new_plan_id());
  return Mutate<pb::Plan>(
      p, m, "RevisePlan", r.request_id(), r, [&](WriteContext& w, pb::Plan* out) -> absl::Status {
        SOKEI_ASSIGN_OR_RETURN(pb::Plan current,
                               LoadOrNotFound<pb::Plan>(w.tx, Kind::kPlan, r.name()));
        SOKEI_ASSIGN_OR_RETURN(auto existing, w.tx.Get(Kind::kPlan, next));
        if (existing) return status::AlreadyExists("PLAN_ALREADY_EXISTS", next);
        *out = current;
        out->set_name(next);
        out->set_status(pb::PLAN_STATUS_DRAFT);
        out->clear_adopted_date();
        out->set_supersedes(r.name());
        if (!r.display_name().empty()) out->set_display_name(r.display_name());
        if (!r.version_label().empty()) out->set_version_label(r.version_label());
        if (r.has_period()) *out->mutable_period() = r.period();
        SOKEI_RETURN_IF_ERROR(InsertCopy(
            w.tx, Kind::kPlan, out, {m, next, absl::StrCat("municipalities/", m), "", 0}, w.now));
        SOKEI_RETURN_IF_ERROR(w.Audit(m, next, nullptr, out));
        // Every node, continued from the one it copies.
        SOKEI_ASSIGN_OR_RETURN(auto nodes, w.tx.ListPlan(Kind::kNode, r.name()));
        for (const Record& rec : nodes) {
          SOKEI_ASSIGN_OR_RETURN(pb::Node n, Decode<pb::Node>(rec));
          const std::string source = n.name();
          n.set_name(Moved(source, r.name(), next));
          n.set_parent(Moved(n.parent(), r.name(), next));
          n.clear_lineage();
          auto* l = n.add_lineage();
          l->set_source_node(source);
          l->set_relation(pb::LINEAGE_RELATION_CONTINUED);
          SOKEI_RETURN_IF_ERROR(
              InsertCopy(w.tx, Kind::kNode, &n, {m, next, next, rec.code, rec.sort_key}, w.now));
          SOKEI_RETURN_IF_ERROR(w.Audit(m, n.name(), nullptr, &n));
        }
        SOKEI_ASSIGN_OR_RETURN(auto packages, w.tx.ListPlan(Kind::kPackage, r.name()));
        for (const Record& rec : packages) {
          SOKEI_ASSIGN_OR_RETURN(pb::Package pk, Decode<pb::Package>(rec));
          pk.set_name(Moved(pk.name(), r.name(), next));
          pk.set_parent(Moved(pk.parent(), r.name(), next));
          SOKEI_RETURN_IF_ERROR(InsertCopy(w.tx, Kind::kPackage, &pk,
                                           {m, next, next, rec.code, rec.sort_key}, w.now));
          SOKEI_RETURN_IF_ERROR(w.Audit(m, pk.name(), nullptr, &pk));
        }
        SOKEI_ASSIGN_OR_RETURN(auto links, w.tx.ListPlan(Kind::kLink, r.name()));
        for (const Record& rec : links) {
          SOKEI_ASSIGN_OR_RETURN(pb::PackageLink link, Decode<pb::PackageLink>(rec));
          link.set_name(Moved(link.name(), r.name(), next));
          link.set_node(Moved(link.node(), r.name(), next));
          SOKEI_RETURN_IF_ERROR(
              InsertCopy(w.tx, Kind::kLink, &link,
                         {m, next, Moved(rec.collection, r.name(), next), link.node(), 0}, w.now));
          SOKEI_RETURN_IF_ERROR(w.Audit(m, link.name(), nullptr, &link));
        }
        return absl::OkStatus();
      });
}

absl::StatusOr<pb::PlanDiff> PlanDomain::DiffPlans(const Principal& p,
                                                   const pb::DiffPlansRequest& r) {
  SOKEI_ASSIGN_OR_RETURN(auto plan, api::ParseName(r.plan(), kPlanPattern, "plan"));
  SOKEI_ASSIGN_OR_RETURN(auto base, api::ParseName(r.base(), kPlanPattern, "base"));
  if (base.municipality() != plan.municipality()) {
    return status::InvalidField("PLAN_INVALID", "base", "must be a plan of the same municipality");
  }
  pb::PlanTree older, newer;
  pb::GetPlanTreeRequest get;
  get.set_name(r.base());
  SOKEI_RETURN_IF_ERROR(GetPlanTree(p, get, &older));
  get.set_name(r.plan());
  SOKEI_RETURN_IF_ERROR(GetPlanTree(p, get, &newer));
  return DiffPlanTrees(older, newer);
}

}  // namespace sokei::plan
