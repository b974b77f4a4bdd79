// The CLI's KPI commands: import/export of progress tables, summaries, indicator history,
// evaluations. They talk to SOKEI_KPI_ADDR (default 127.0.0.1:50052).
#pragma once

#include <map>
#include <string>
#include <vector>

namespace sokei::cli {

int RunKpiCommand(bool json, const std::map<std::string, std::string>& flags,
                  const std::vector<std::string>& words);

}  // namespace sokei::cli
