#include "services/survey/domain/survey_domain.h"

#include <algorithm>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/api/audit_events.h"
#include "common/api/hash.h"
#include "common/api/idempotent_write.h"
#include "common/api/listing.h"
#include "common/api/names.h"
#include "common/jp/text.h"
#include "services/survey/domain/survey_internal.h"

namespace sokei::survey {

using api::ToTimestamp;
using google::protobuf::Message;

// ---------------------------------------------------------------------------------------------
// Shared helpers

bool IsPlanner(const Principal& p) {
  return p.Has(auth::Role::kAdmin) || p.Has(auth::Role::kPlanner);
}

absl::Status CheckSurveyRead(const Principal& p, const std::string& municipality) {
  return auth::CheckRead(p, municipality);
}

absl::Status CheckEtag(const std::string& given, const std::string& stored, const char* reason,
                       const std::string& name) {
  if (!given.empty() && given != stored) return status::EtagMismatch(reason, name);
  return absl::OkStatus();
}

std::string IdOf(const std::string& name) { return name.substr(name.rfind('/') + 1); }

std::string ColumnKey(const pb::Question& q) {
  return jp::Nfkc(q.column().empty() ? q.number() : q.column());
}

int MinCellCount(const pb::Survey& s) {
  return s.disclosure().min_cell_count() > 0 ? s.disclosure().min_cell_count() : 10;
}

int SmallRowLimit(const pb::Survey& s) {
  return s.disclosure().small_row_limit() > 0 ? s.disclosure().small_row_limit()
                                              : 5 * MinCellCount(s);
}

std::string PercentText(double share, int64_t count) {
  if (count == 0) return "-";
  return absl::StrFormat("%.1f", share * 100);
}

SurveyDomain::SurveyDomain(SurveyRepository* repo, KpiClient* kpi,
                           std::function<absl::Time()> clock)
    : repo_(repo), kpi_(kpi), clock_(std::move(clock)) {}

const pb::Question* SurveyDomain::View::Find(const std::string& name) const {
  for (const auto& q : questions) {
    if (q.name() == name) return &q;
  }
  return nullptr;
}

}  // namespace sokei::survey
