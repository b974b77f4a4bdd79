// Reading a responses file (CSV or TSV, one row per respondent, one column per question) against
// the questionnaire, with no storage: the header matched to the respondent id, the attributes and
// the questions; every row's cells read by question type; every problem a finding.
// ImportResponses checks the ids already stored and writes what this returns.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "sokei/survey/v1/survey_service.pb.h"

namespace sokei::survey {

namespace pb = ::sokei::survey::v1;

// A row without an error: the respondent's id, the line it starts on, and the pb::Respondent
// serialized (as it is stored) — a few hundred bytes where the message would take kilobytes.
struct ParsedRespondent {
  std::string id;
  int row = 0;
  std::string data;
};

struct ReadResponses {
  pb::ImportResponsesResponse report;         // rows, skipped and the findings
  int errors = 0;                             // findings of error severity, omitted ones included
  std::string id_header;                      // the id column's header as written
  std::vector<ParsedRespondent> respondents;  // the rows without an error
};

// RESPONSES_NOT_A_TABLE (no header row, no data rows) and RESPONSES_NO_ID_COLUMN fail the whole
// file; everything else is a finding.
absl::StatusOr<ReadResponses> ReadResponseFile(const std::string& text, const pb::Survey& survey,
                                               const std::vector<pb::Question>& questions);

// Adds a finding to the report: the first 1,000 are listed, the rest counted.
void AddFinding(ReadResponses* read, pb::ImportFinding f);

}  // namespace sokei::survey
