// The plan tree: nodes, packages and links in one read.
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

absl::Status PlanDomain::GetPlanTree(const Principal& p, const pb::GetPlanTreeRequest& r,
                                     pb::PlanTree* out) {
  SOKEI_ASSIGN_OR_RETURN(auto name, api::ParseName(r.name(), kPlanPattern, "name"));
  SOKEI_RETURN_IF_ERROR(auth::CheckRead(p, name.municipality()));
  out->Clear();
  pb::PlanTree& tree = *out;
  google::protobuf::Arena* arena = tree.GetArena();
  std::vector<std::string> node_data;
  std::vector<Record> package_recs, link_recs;
  SOKEI_RETURN_IF_ERROR(repo_->Read([&](PlanTx& tx) -> absl::Status {
    SOKEI_ASSIGN_OR_RETURN(*tree.mutable_plan(),
                           LoadOrNotFound<pb::Plan>(tx, Kind::kPlan, r.name()));
    SOKEI_RETURN_IF_ERROR(CheckPlanVisible(p, tree.plan()));
    SOKEI_ASSIGN_OR_RETURN(node_data, tx.ListPlanData(Kind::kNode, r.name()));
    SOKEI_ASSIGN_OR_RETURN(package_recs, tx.ListPlan(Kind::kPackage, r.name()));
    SOKEI_ASSIGN_OR_RETURN(link_recs, tx.ListPlan(Kind::kLink, r.name()));
    return absl::OkStatus();
  }));
  *tree.mutable_levels() = tree.plan().levels();
  // Parse every node onto the response's arena (or the heap), in sibling order (the rows come
  // sorted by sort_key, name); then hand them to the response depth-first without copying.
  std::vector<pb::Node*> nodes;
  std::vector<std::unique_ptr<pb::Node>> heap_owned;  // only when the response is on the heap
  nodes.reserve(node_data.size());
  for (const std::string& data : node_data) {
    pb::Node* node = google::protobuf::Arena::CreateMessage<pb::Node>(arena);
    if (arena == nullptr) heap_owned.emplace_back(node);
    if (!node->ParseFromString(data)) return status::Internal("STORAGE_CORRUPT");
    nodes.push_back(node);
  }
  std::unordered_map<absl::string_view, std::vector<size_t>, absl::Hash<absl::string_view>>
      children;
  std::vector<size_t> roots;
  for (size_t i = 0; i < nodes.size(); ++i) {
    if (nodes[i]->parent().empty()) {
      roots.push_back(i);
    } else {
      children[nodes[i]->parent()].push_back(i);
    }
  }
  tree.mutable_nodes()->Reserve(static_cast<int>(nodes.size()));
  std::vector<size_t> stack(roots.rbegin(), roots.rend());
  while (!stack.empty()) {
    const size_t i = stack.back();
    stack.pop_back();
    auto* tn = tree.add_nodes();
    auto it = children.find(nodes[i]->name());
    if (it != children.end()) {
      for (size_t c : it->second) tn->add_children(nodes[c]->name());
      stack.insert(stack.end(), it->second.rbegin(), it->second.rend());
    }
    if (arena != nullptr) {
      tn->unsafe_arena_set_allocated_node(nodes[i]);
    } else {
      tn->set_allocated_node(heap_owned[i].release());
    }
  }
  for (const Record& rec : package_recs) {
    if (!tree.add_packages()->ParseFromString(rec.data)) return status::Internal("STORAGE_CORRUPT");
  }
  for (const Record& rec : link_recs) {
    if (!tree.add_links()->ParseFromString(rec.data)) return status::Internal("STORAGE_CORRUPT");
    tree.add_link_packages(rec.collection);
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> PlanDomain::GetPlanTreeBytes(const Principal& p,
                                                         const pb::GetPlanTreeRequest& r) {
  SOKEI_ASSIGN_OR_RETURN(auto name, api::ParseName(r.name(), kPlanPattern, "name"));
  SOKEI_RETURN_IF_ERROR(auth::CheckRead(p, name.municipality()));
  auto build = [&]() -> absl::StatusOr<std::string> {
    google::protobuf::Arena arena;
    auto* tree = google::protobuf::Arena::CreateMessage<pb::PlanTree>(&arena);
    SOKEI_RETURN_IF_ERROR(GetPlanTree(p, r, tree));
    return tree->SerializeAsString();
  };
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
