// The plan-structure use cases: every method of sokei.plan.v1.PlanService as plain C++ returning
// absl::StatusOr, on a PlanRepository. One transaction per write, etag checks (ABORTED),
// request_id idempotency, and an audit row in the same transaction.
#pragma once

#include <functional>
#include <optional>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/api/change_feed.h"
#include "common/api/write_context.h"
#include "common/auth/principal.h"
#include "common/cache/cache.h"
#include "services/plan/storage/plan_repository.h"
#include "sokei/plan/v1/plan_service.pb.h"

namespace sokei::plan {

namespace pb = ::sokei::plan::v1;
using auth::Principal;
using ::google::protobuf::Empty;

class PlanDomain {
 public:
  using Clock = std::function<absl::Time()>;
  explicit PlanDomain(PlanRepository* repo, Clock clock = &absl::Now, cache::Cache* cache = nullptr)
      : repo_(repo), clock_(std::move(clock)), cache_(cache) {}

  absl::StatusOr<pb::Municipality> CreateMunicipality(const Principal& p,
                                                      const pb::CreateMunicipalityRequest& r);
  absl::StatusOr<pb::Municipality> GetMunicipality(const Principal& p,
                                                   const pb::GetMunicipalityRequest& r);
  absl::StatusOr<pb::ListMunicipalitiesResponse> ListMunicipalities(
      const Principal& p, const pb::ListMunicipalitiesRequest& r);
  absl::StatusOr<pb::Municipality> UpdateMunicipality(const Principal& p,
                                                      const pb::UpdateMunicipalityRequest& r);

  absl::StatusOr<pb::Department> CreateDepartment(const Principal& p,
                                                  const pb::CreateDepartmentRequest& r);
  absl::StatusOr<pb::Department> GetDepartment(const Principal& p,
                                               const pb::GetDepartmentRequest& r);
  absl::StatusOr<pb::ListDepartmentsResponse> ListDepartments(const Principal& p,
                                                              const pb::ListDepartmentsRequest& r);
  absl::StatusOr<pb::Department> UpdateDepartment(const Principal& p,
                                                  const pb::UpdateDepartmentRequest& r);
  absl::StatusOr<Empty> DeleteDepartment(const Principal& p, const pb::DeleteDepartmentRequest& r);

  absl::StatusOr<pb::Plan> CreatePlan(const Principal& p, const pb::CreatePlanRequest& r);
  absl::StatusOr<pb::Plan> GetPlan(const Principal& p, const pb::GetPlanRequest& r);
  absl::StatusOr<pb::ListPlansResponse> ListPlans(const Principal& p,
                                                  const pb::ListPlansRequest& r);
  absl::StatusOr<pb::Plan> UpdatePlan(const Principal& p, const pb::UpdatePlanRequest& r);
  absl::StatusOr<Empty> DeletePlan(const Principal& p, const pb::DeletePlanRequest& r);
  // The whole tree, parsed into `out` (the domain's own uses; the RPC sends GetPlanTreeBytes).
  absl::Status GetPlanTree(const Principal& p, const pb::GetPlanTreeRequest& r, pb::PlanTree* out);
  // The same tree as serialized PlanTree bytes, made from the stored nodes without parsing them
  // (tree_bytes.h), or from the cache when it holds the current generation's copy (the gRPC
  // adapter sends them as they are).
  absl::StatusOr<std::string> GetPlanTreeBytes(const Principal& p, const pb::GetPlanTreeRequest& r);

  absl::StatusOr<pb::Node> CreateNode(const Principal& p, const pb::CreateNodeRequest& r);
  absl::StatusOr<pb::BatchCreateNodesResponse> BatchCreateNodes(
      const Principal& p, const pb::BatchCreateNodesRequest& r);
  absl::StatusOr<pb::Node> GetNode(const Principal& p, const pb::GetNodeRequest& r);
  // The same node as its serialized Node bytes, as stored (the gRPC adapter sends them as they
  // are, without parsing them and serializing them again).
  absl::StatusOr<std::string> GetNodeBytes(const Principal& p, const pb::GetNodeRequest& r);
  absl::StatusOr<pb::ListNodesResponse> ListNodes(const Principal& p,
                                                  const pb::ListNodesRequest& r);
  absl::StatusOr<pb::Node> UpdateNode(const Principal& p, const pb::UpdateNodeRequest& r);
  absl::StatusOr<Empty> DeleteNode(const Principal& p, const pb::DeleteNodeRequest& r);
  absl::StatusOr<pb::Node> MoveNode(const Principal& p, const pb::MoveNodeRequest& r);
  absl::StatusOr<pb::SearchNodesResponse> SearchNodes(const Principal& p,
                                                      const pb::SearchNodesRequest& r);

  absl::StatusOr<pb::Package> CreatePackage(const Principal& p, const pb::CreatePackageRequest& r);
  absl::StatusOr<pb::Package> GetPackage(const Principal& p, const pb::GetPackageRequest& r);
  absl::StatusOr<pb::ListPackagesResponse> ListPackages(const Principal& p,
                                                        const pb::ListPackagesRequest& r);
  absl::StatusOr<pb::Package> UpdatePackage(const Principal& p, const pb::UpdatePackageRequest& r);
  absl::StatusOr<Empty> DeletePackage(const Principal& p, const pb::DeletePackageRequest& r);
  absl::StatusOr<pb::PackageLink> CreatePackageLink(const Principal& p,
                                                    const pb::CreatePackageLinkRequest& r);
  absl::StatusOr<pb::PackageLink> GetPackageLink(const Principal& p,
                                                 const pb::GetPackageLinkRequest& r);
  absl::StatusOr<pb::ListPackageLinksResponse> ListPackageLinks(
      const Principal& p, const pb::ListPackageLinksRequest& r);
  absl::StatusOr<Empty> DeletePackageLink(const Principal& p,
                                          const pb::DeletePackageLinkRequest& r);
  absl::StatusOr<pb::PackageMatrix> GetPackageMatrix(const Principal& p,
                                                     const pb::GetPackageMatrixRequest& r);
  // One small read: the municipality's generation, after the same checks as GetPlanTree.
  absl::StatusOr<pb::StructureGeneration> GetStructureGeneration(
      const Principal& p, const pb::GetStructureGenerationRequest& r);

  // revisions.cc: the rolling revision of a plan and the diff of two versions.
  absl::StatusOr<pb::Plan> RevisePlan(const Principal& p, const pb::RevisePlanRequest& r);
  absl::StatusOr<pb::PlanDiff> DiffPlans(const Principal& p, const pb::DiffPlansRequest& r);

  absl::StatusOr<pb::ListAuditEventsResponse> ListAuditEvents(const Principal& p,
                                                              const pb::ListAuditEventsRequest& r);
  // The change feed (common/api/change_feed.h): a page (long-poll) or a stream of changes.
  api::ChangeFeed& changes() { return changes_; }

 private:
  using WriteContext = api::WriteContext<PlanTx>;
  // Runs `fn` in a write transaction with request_id idempotency: a replay of the same request
  // returns the first response; the same id with a different request is INVALID_ARGUMENT.
  template <typename Resp>
  absl::StatusOr<Resp> Mutate(const Principal& p, const std::string& municipality,
                              const char* method, const std::string& request_id,
                              const google::protobuf::Message& request,
                              const std::function<absl::Status(WriteContext&, Resp*)>& fn);
  // What a batch of node creations has read and written so far: the plan (the same for every
  // item) and the level of each node it created (a later item's parent).
  struct NodeBatch {
    std::optional<pb::Plan> plan;
    absl::flat_hash_map<std::string, int> created_levels;
  };
  absl::Status CreateNodeInTx(WriteContext& w, const pb::CreateNodeRequest& r, pb::Node* out,
                              NodeBatch* batch = nullptr);

  PlanRepository* repo_;
  Clock clock_;
  cache::Cache* cache_;
  // Reads the outbox through the repository (declared last: it refers to repo_).
  api::ChangeFeed changes_{[this](const api::ChangeFeed::ReadFn::argument_type& fn) {
    return repo_->Read([&](PlanTx& tx) { return fn(tx); });
  }};
};

}  // namespace sokei::plan
