// The CLI's survey commands: the demo 市民意識調査, response import (streamed), statistics,
// cross-tabs, CS analysis, wave comparison and publication. They talk to SOKEI_SURVEY_ADDR
// (default 127.0.0.1:50053); `survey demo --kpi-link` also to SOKEI_KPI_ADDR.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace sokei::cli {

int RunSurveyCommand(bool json, const std::map<std::string, std::string>& flags,
                     const std::vector<std::string>& words);

}  // namespace sokei::cli
