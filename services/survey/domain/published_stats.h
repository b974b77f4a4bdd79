// Statistics of a published-results survey, from the figures the city printed: the same
// Distribution the responses give, with counts derived as percent × n, and the mean's standard
// error only where the printed distribution allows it.
#pragma once

#include <optional>

#include "services/survey/stats/stats.h"
#include "sokei/survey/v1/resources.pb.h"

namespace sokei::survey {

// The question's options as the statistics take them.
std::vector<stats::OptionMeta> OptionMetaOf(const sokei::survey::v1::Question& q);

// The printed figures as a distribution: base n (0 when not printed), shares, positive and
// negative shares, the mean (printed, or from the shares and the options' scores).
stats::Distribution PublishedDistribution(const sokei::survey::v1::Question& q);

// The mean's standard error from the printed shares and n; none for means printed alone.
std::optional<double> PublishedMeanStandardError(const sokei::survey::v1::Question& q);

// GetQuestionStats of a published-results survey: the printed percentages, n, the mean and the
// margin of error where n is printed; `published` set, nothing suppressed.
sokei::survey::v1::QuestionStats PublishedQuestionStats(const sokei::survey::v1::Survey& s,
                                                       const sokei::survey::v1::Question& q);

}  // namespace sokei::survey
