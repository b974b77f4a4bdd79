// The CLI's KPI commands: import/export of progress tables, summaries, indicator history,
// evaluations. They talk to SOKEI_KPI_ADDR (default 127.0.0.1:50052).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "sokei/kpi/v1/kpi_service.pb.h"
#include "sokei/type/v1/audit.pb.h"

namespace sokei::cli {

int RunKpiCommand(bool json, const std::map<std::string, std::string>& flags,
                  const std::vector<std::string>& words);

// The KPI service's latest `limit` audit events of a municipality.
absl::StatusOr<std::vector<type::v1::AuditEvent>> KpiAuditEvents(const std::string& municipality,
                                                                 int limit);

// How the indicators changed between two versions of a plan (for `plan diff`).
absl::StatusOr<kpi::v1::IndicatorDiff> KpiIndicatorDiff(const std::string& plan,
                                                        const std::string& base);

// Carries the base plan's indicators on to its revision (for `plan revise`).
absl::StatusOr<kpi::v1::CarryIndicatorsResponse> KpiCarryIndicators(
    const std::string& plan, const std::string& base, const std::string& request_id);

}  // namespace sokei::cli
