// Reading a city's published survey results — the tables of its report, not the responses: per
// question (or per 施策) either the percent of each option with the base n, or mean scores on the
// city's own scale (−2…+2, 1…5, 0–100 点), negatives written ▲ / △ / −. No storage here.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "sokei/survey/v1/resources.pb.h"

namespace sokei::survey {

struct PublishedQuestion {
  int row = 0;
  std::string number;  // as printed (問3(1)), or the row's place
  std::string text;    // the question or the item (防災対策の推進), with 重要度 / 満足度 when a
                       // row gives both
  sokei::survey::v1::QuestionType type = sokei::survey::v1::QUESTION_TYPE_UNSPECIFIED;
  std::vector<sokei::survey::v1::Option> options;  // shares: one per option column
  sokei::survey::v1::PublishedResult result;
};

struct PublishedTable {
  std::string shape;  // "shares" (percent per option) or "means"
  std::vector<PublishedQuestion> questions;
  std::vector<sokei::survey::v1::ImportFinding> findings;
  int rows = 0;
};

// `text` is UTF-8. INVALID_ARGUMENT only when no header is found; everything else is a finding.
absl::StatusOr<PublishedTable> ParsePublishedTable(const std::string& text);

// "▲0.12" → −0.12, "45.3%" → 45.3, "3.2点" → 3.2; false for anything else (blank, －, words).
bool ParsePublishedNumber(const std::string& cell, double* out, bool* negative_mark);

}  // namespace sokei::survey
