// The plan tree: nodes, packages and links in one read.
#include <string>
#include <vector>

#include "services/plan/domain/plan_internal.h"
#include "services/plan/domain/tree_bytes.h"
#include "services/plan/domain/validation.h"

namespace sokei::plan {

namespace {

// The tree's reply bytes, read in one transaction: the plan (existence and visibility checked),
// then its nodes, packages and links as stored (tree_bytes.h).
absl::StatusOr<std::string> ReadPlanTreeBytes(PlanRepository* repo, const Principal& p,
                                              const std::string& plan_name) {
  pb::Plan plan;
  StoredTree stored;
  std::vector<Record> package_recs, link_recs;
  SOKEI_RETURN_IF_ERROR(repo->Read([&](PlanTx& tx) -> absl::Status {
    SOKEI_ASSIGN_OR_RETURN(plan, LoadOrNotFound<pb::Plan>(tx, Kind::kPlan, plan_name));
    SOKEI_RETURN_IF_ERROR(CheckPlanVisible(p, plan));
    SOKEI_ASSIGN_OR_RETURN(stored.nodes, tx.ListPlanData(Kind::kNode, plan_name));
    SOKEI_ASSIGN_OR_RETURN(package_recs, tx.ListPlan(Kind::kPackage, plan_name));
    SOKEI_ASSIGN_OR_RETURN(link_recs, tx.ListPlan(Kind::kLink, plan_name));
    return absl::OkStatus();
  }));
  stored.plan = &plan;
  stored.packages.reserve(package_recs.size());
  for (Record& rec : package_recs) stored.packages.push_back(std::move(rec.data));
  stored.links.reserve(link_recs.size());
  stored.link_packages.reserve(link_recs.size());
  for (Record& rec : link_recs) {
    stored.links.push_back(std::move(rec.data));
    stored.link_packages.push_back(std::move(rec.collection));
  }
  return SerializePlanTree(stored);
}

}  // namespace

absl::Status PlanDomain::GetPlanTree(const Principal& p, const pb::GetPlanTreeRequest& r,
                                     pb::PlanTree* out) {
  SOKEI_ASSIGN_OR_RETURN(auto name, api::ParseName(r.name(), kPlanPattern, "name"));
  SOKEI_RETURN_IF_ERROR(auth::CheckRead(p, name.municipality()));
  SOKEI_ASSIGN_OR_RETURN(std::string bytes, ReadPlanTreeBytes(repo_, p, r.name()));
  out->Clear();
  if (!out->ParseFromString(bytes)) return status::Internal("STORAGE_CORRUPT");
  return absl::OkStatus();
}

absl::StatusOr<std::string> PlanDomain::GetPlanTreeBytes(const Principal& p,
                                                         const pb::GetPlanTreeRequest& r) {
  SOKEI_ASSIGN_OR_RETURN(auto name, api::ParseName(r.name(), kPlanPattern, "name"));
  SOKEI_RETURN_IF_ERROR(auth::CheckRead(p, name.municipality()));
  auto build = [&]() { return ReadPlanTreeBytes(repo_, p, r.name()); };
  if (cache_ == nullptr || !cache_->enabled()) return build();
  int64_t generation = 0;
  SOKEI_RETURN_IF_ERROR(repo_->Read([&](PlanTx& tx) -> absl::Status {
    SOKEI_ASSIGN_OR_RETURN(generation, tx.Generation(name.municipality()));
    // Existence and visibility are checked on every read, before the cache is consulted.
    SOKEI_ASSIGN_OR_RETURN(auto plan, LoadOrNotFound<pb::Plan>(tx, Kind::kPlan, r.name()));
    return CheckPlanVisible(p, plan);
  }));
  // The tree does not depend on who reads it (visibility was checked above).
  const std::string key = absl::StrCat("sokei:", name.municipality(), ":plan:g", generation,
                                       ":tree:", name.Id("plans"));
  return cache_->GetOrCompute(key, build);
}

absl::StatusOr<pb::StructureGeneration> PlanDomain::GetStructureGeneration(
    const Principal& p, const pb::GetStructureGenerationRequest& r) {
  SOKEI_ASSIGN_OR_RETURN(auto name, api::ParseName(r.plan(), kPlanPattern, "plan"));
  SOKEI_RETURN_IF_ERROR(auth::CheckRead(p, name.municipality()));
  pb::StructureGeneration out;
  out.set_plan(r.plan());
  SOKEI_RETURN_IF_ERROR(repo_->Read([&](PlanTx& tx) -> absl::Status {
    // The plan must exist and be visible to the caller, as for its tree.
    SOKEI_ASSIGN_OR_RETURN(auto plan, LoadOrNotFound<pb::Plan>(tx, Kind::kPlan, r.plan()));
    SOKEI_RETURN_IF_ERROR(CheckPlanVisible(p, plan));
    SOKEI_ASSIGN_OR_RETURN(auto generation, tx.Generation(name.municipality()));
    out.set_generation(generation);
    return absl::OkStatus();
  }));
  return out;
}

}  // namespace sokei::plan
