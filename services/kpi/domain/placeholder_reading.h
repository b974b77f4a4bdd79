// What なし, －, — or 0 in an actual cell means, read from its row (docs/domain.md §4): in a milestone
// row before the milestone is reached it is "not yet" (step 0); once the milestone was reached in
// an earlier year it stays reached; among counts it is zero; in a survey-based row it is "not
// measured" (no survey that year). When the row does not decide, nothing is guessed: the value is
// not graded, and the reading says so. The raw text is always kept as written.
#pragma once

#include <map>
#include <string>

#include "sokei/kpi/v1/resources.pb.h"

namespace sokei::kpi {

enum class PlaceholderMeaning {
  kNone,            // not a placeholder: read as written
  kZero,            // a count with nothing to count
  kNotYet,          // a milestone not reached: step 0
  kStillReached,    // a milestone reached in an earlier year
  kNotMeasured,     // a survey not held that year
  kUndecided,       // the row does not say: not graded
};

struct PlaceholderReading {
  PlaceholderMeaning meaning = PlaceholderMeaning::kNone;
  std::string explanation;  // in the words a 企画課 reads
};

// `target_kind` is the kind of the year's target; `earlier` the indicator's actuals of the years
// before `year` (raw measurements by year).
PlaceholderReading ReadPlaceholder(const v1::Indicator& ind, const type::v1::Measurement& actual,
                                   const type::v1::Measurement& target, v1::TargetKind target_kind,
                                   int year,
                                   const std::map<int, const type::v1::Measurement*>& earlier);

}  // namespace sokei::kpi
