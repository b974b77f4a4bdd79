// The CLI's survey commands: the demo 市民意識調査, response import (streamed), statistics,
// cross-tabs, CS analysis, wave comparison and publication. They talk to SOKEI_SURVEY_ADDR
// (default 127.0.0.1:50053); `survey demo --kpi-link` also to SOKEI_KPI_ADDR.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "sokei/type/v1/audit.pb.h"

namespace sokei::cli {

int RunSurveyCommand(bool json, const std::map<std::string, std::string>& flags,
                     const std::vector<std::string>& words);

// The survey service's latest `limit` audit events of a municipality.
absl::StatusOr<std::vector<type::v1::AuditEvent>> SurveyAuditEvents(const std::string& municipality,
                                                                     int limit);

}  // namespace sokei::cli
