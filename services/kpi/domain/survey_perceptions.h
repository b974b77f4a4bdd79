// What the surveys say of a node (市民意識調査: importance and satisfaction with n and margin of
// error), as the survey service recorded them on publication (RecordSurveyPerceptions), read for
// the node's 評価シート.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "services/kpi/storage/kpi_repository.h"
#include "sokei/kpi/v1/resources.pb.h"

namespace sokei::kpi {

inline constexpr int kPerceptionsOnASheet = 3;

// The node's perceptions from surveys of `fiscal_year` or before, newest first, at most
// kPerceptionsOnASheet. `municipality` is the id (142140).
absl::StatusOr<std::vector<v1::NodePerception>> NodePerceptions(KpiTx& tx,
                                                                const std::string& municipality,
                                                                const std::string& node,
                                                                int fiscal_year);

}  // namespace sokei::kpi
