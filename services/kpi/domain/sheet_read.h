// Reading one evaluation sheet as its readers see it (shared by GetEvaluationSheet and the
// sheet's printable page): the stored sheet, or a blank one for a node that has none yet, with
// the node's indicators and roll-up from the evaluation's snapshot and, on a 施策 sheet, the 事業
// under it.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "common/auth/principal.h"
#include "services/kpi/domain/plan_client.h"
#include "services/kpi/storage/kpi_repository.h"
#include "sokei/kpi/v1/resources.pb.h"

namespace sokei::kpi {

struct SheetRead {
  v1::EvaluationSheet sheet;
  v1::SheetTemplate sheet_template;
  v1::GradingScheme scheme;
  v1::EvaluationStage stage = v1::EVALUATION_STAGE_UNSPECIFIED;
};

// The plan's tree as the caller may read it. A public caller reads a published evaluation's
// sheets even when the plan itself is not public (a draft 実施計画): for them a plan the plan
// service hides is an empty tree — only the sheets that were written, as they were written.
absl::StatusOr<planpb::PlanTree> SheetTree(PlanClient& plans, const auth::Principal& p,
                                           const std::string& plan);

// NOT_FOUND when the evaluation does not exist (or is not published, for public callers) or the
// node has no sheet; `field` names the request field that holds `name`. `tree` (SheetTree of the
// sheet's plan) spares a reader of many sheets one tree read each; null: read here.
absl::StatusOr<SheetRead> ReadSheet(KpiRepository& repo, PlanClient& plans,
                                    const auth::Principal& p, const std::string& name,
                                    const std::string& field,
                                    const planpb::PlanTree* tree = nullptr);

}  // namespace sokei::kpi
