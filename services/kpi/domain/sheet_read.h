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

// NOT_FOUND when the evaluation does not exist (or is not published, for public callers) or the
// node has no sheet; `field` names the request field that holds `name`.
absl::StatusOr<SheetRead> ReadSheet(KpiRepository& repo, PlanClient& plans,
                                    const auth::Principal& p, const std::string& name,
                                    const std::string& field);

}  // namespace sokei::kpi
