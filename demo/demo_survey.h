// A deterministic, realistic Isehara 市民意識調査: respondents aged 18+ with the skew real postal
// surveys have (older, more women, a small mountain district), importance and satisfaction for
// the 37 基本政策分野 of seed 000, settlement intention, a "can you consult someone" question that
// feeds a KPI, and an information-channel multiple choice. Used by scripts/run.sh (through the
// CLI), the tests and the benchmark. Same seed, same bytes.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "services/survey/stats/dataset.h"
#include "sokei/survey/v1/survey_service.pb.h"

namespace sokei::survey::demo {

struct DemoSurvey {
  v1::Survey survey;                                 // without a name
  std::vector<v1::CreateQuestionRequest> questions;  // question_id and question, no parent
  std::string csv;                                   // UTF-8, header + one row per respondent
};

struct DemoOptions {
  int fiscal_year = 2024;
  int wave = 2;
  int respondents = 3000;
  uint64_t seed = 2024;
  // Satisfaction moves by this much (in scale points) against wave 1, for wave comparisons.
  double satisfaction_shift = 0;
  std::string plan = "municipalities/142140/plans/next-basic-plan";  // the 分野 are its nodes f01…
  std::string consult_indicator;  // when set, 問2 feeds this indicator (share answering ある)
};

DemoSurvey MakeIseharaSurvey(const DemoOptions& options);

// The 37 基本政策分野 of seed 000, in order (codes 01…37).
const std::vector<std::string>& PolicyAreas();

// A large synthetic dataset for the benchmark: n respondents, `questions` 5-point questions
// (with わからない), attributes sex × age band × district.
stats::Dataset MakeBenchDataset(size_t n, int questions, uint64_t seed);

}  // namespace sokei::survey::demo
