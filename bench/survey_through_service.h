// survey_bench's end-to-end row: the benchmark's dataset sent to a running sokei-survey over gRPC
// — a survey and its questions created, the respondents streamed in as CSV files of 50,000 rows
// (as a city would import them), then every question's distribution and the age × district
// cross-tab asked by RPC — timed as a caller sees it.
#pragma once

#include <sys/types.h>

#include <string>

#include "absl/status/statusor.h"
#include "services/survey/stats/stats.h"

namespace sokei::bench {

struct ServiceFigures {
  double import_ms = 0;       // every CSV imported and committed
  double first_stats_ms = 0;  // the first GetQuestionStats: the service compiles the responses
  double all_stats_ms = 0;    // every question's GetQuestionStats, median of the runs
  double crosstab_ms = 0;     // GetCrossTab q0 by age × district, median of the runs
  long long imported = 0;     // respondents the service reports imported
  long long answered = 0;     // the sum of every question's answered count
  double rss_after_import_mib = 0, rss_after_stats_mib = 0;    // the service's VmRSS (0: unknown)
  double anon_after_import_mib = 0, anon_after_stats_mib = 0;  // of which its heap (RssAnon)
};

// `address`: host:port of a sokei-survey in dev mode; `pid` its process (for its RSS; 0: none).
absl::StatusOr<ServiceFigures> RunThroughService(const std::string& address, pid_t pid,
                                                 const survey::stats::Dataset& data, int runs);

}  // namespace sokei::bench
