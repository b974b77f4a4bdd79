// RecordSurveyPerceptions: what a published survey says of the 施策 linked to its questions, kept
// per survey (a survey published again replaces its record), and read for the 評価シート.
#include "services/kpi/domain/survey_perceptions.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/api/names.h"
#include "common/api/resources.h"
#include "common/status/status.h"
#include "services/kpi/domain/kpi_domain.h"
#include "services/kpi/domain/kpi_internal.h"

namespace sokei::kpi {
namespace {

constexpr int kMaxNodes = 1000;
constexpr int kMaxMeasures = 4;

void CheckMeasure(api::Violations& v, const std::string& at, const pb::PerceptionMeasure& m) {
  if (m.role() != pb::PERCEPTION_ROLE_IMPORTANCE && m.role() != pb::PERCEPTION_ROLE_SATISFACTION) {
    v.Add(at + ".role", "IMPORTANCE or SATISFACTION");
  }
  if (m.n() < 0) v.Add(at + ".n", "a count of answers, 0 or more");
  for (double x : {m.mean_score(), m.mean_margin_of_error(), m.positive_margin_of_error_points()}) {
    if (!std::isfinite(x)) v.Add(at, "numbers must be finite");
  }
  if (!(m.positive_percent() >= 0 && m.positive_percent() <= 100)) {
    v.Add(at + ".positive_percent", "a share from 0 to 100 %");
  }
  v.Text(at + ".number", m.number(), 40, false);
}

}  // namespace

absl::StatusOr<std::vector<pb::NodePerception>> NodePerceptions(KpiTx& tx,
                                                                const std::string& municipality,
                                                                const std::string& node,
                                                                int fiscal_year) {
  SOKEI_ASSIGN_OR_RETURN(auto recs,
                         tx.ListParent(Kind::kPerceptions, "municipalities/" + municipality));
  std::vector<pb::NodePerception> out;
  for (const Record& rec : recs) {
    pb::SurveyPerceptions survey;
    if (!survey.ParseFromString(rec.data)) return status::Internal("STORAGE_CORRUPT");
    if (survey.fiscal_year() > fiscal_year) continue;
    for (const auto& n : survey.nodes()) {
      if (n.node() == node) out.push_back(n);
    }
  }
  std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return a.fiscal_year() != b.fiscal_year() ? a.fiscal_year() > b.fiscal_year()
                                              : a.survey() < b.survey();
  });
  if (out.size() > static_cast<size_t>(kPerceptionsOnASheet)) out.resize(kPerceptionsOnASheet);
  return out;
}

absl::StatusOr<pb::SurveyPerceptions> KpiDomain::RecordSurveyPerceptions(
    const Principal& p, const pb::RecordSurveyPerceptionsRequest& r) {
  SOKEI_ASSIGN_OR_RETURN(auto parent, api::ParseName(r.parent(), kMunicipalityPattern, "parent"));
  const std::string m = parent.municipality();
  SOKEI_RETURN_IF_ERROR(auth::CheckWriteStructure(p, m));
  const pb::SurveyPerceptions& in = r.perceptions();
  SOKEI_ASSIGN_OR_RETURN(
      auto survey, api::ParseName(in.survey(), "municipalities/*/surveys/*", "perceptions.survey"));
  api::Violations v;
  if (survey.municipality() != m) v.Add("perceptions.survey", "a survey of this municipality");
  CheckYear(v, "perceptions.fiscal_year", in.fiscal_year(), true);
  v.Text("perceptions.survey_display_name", in.survey_display_name(), 200, false);
  if (in.nodes_size() > kMaxNodes) v.Add("perceptions.nodes", "at most 1,000 nodes");
  for (int i = 0; i < in.nodes_size() && i < kMaxNodes; ++i) {
    const auto& n = in.nodes(i);
    const std::string at = absl::StrCat("perceptions.nodes[", i, "]");
    auto node = api::ParseName(n.node(), kNodePattern, at + ".node");
    if (!node.ok() || node->municipality() != m) v.Add(at + ".node", "a node of this municipality");
    if (n.measures_size() > kMaxMeasures) v.Add(at + ".measures", "at most 4");
    for (int j = 0; j < n.measures_size() && j < kMaxMeasures; ++j) {
      CheckMeasure(v, absl::StrCat(at, ".measures[", j, "]"), n.measures(j));
    }
  }
  SOKEI_RETURN_IF_ERROR(v.ToStatus("PERCEPTIONS_INVALID"));
  const std::string name = absl::StrCat(r.parent(), "/surveyPerceptions/", survey.Id("surveys"));
  return Mutate<pb::SurveyPerceptions>(
      p, m, "RecordSurveyPerceptions", r.request_id(), r,
      [&](WriteContext& w, pb::SurveyPerceptions* out) -> absl::Status {
        SOKEI_ASSIGN_OR_RETURN(auto rec, w.tx.Get(Kind::kPerceptions, name));
        pb::SurveyPerceptions before;
        if (rec && !before.ParseFromString(rec->data)) return status::Internal("STORAGE_CORRUPT");
        *out = in;
        out->set_name(name);
        // Every node's entry names its survey and year, so that a sheet's list stands alone.
        for (auto& n : *out->mutable_nodes()) {
          n.set_survey(in.survey());
          n.set_survey_display_name(in.survey_display_name());
          n.set_fiscal_year(in.fiscal_year());
        }
        const int64_t revision = rec ? rec->revision + 1 : 1;
        *out->mutable_create_time() = rec ? before.create_time() : api::ToTimestamp(w.now);
        *out->mutable_update_time() = api::ToTimestamp(w.now);
        out->set_etag(absl::StrCat(absl::Hex(api::Micros(w.now)), ".", revision));
        Record next{name, m, r.parent(), "", in.fiscal_year(), revision, out->SerializeAsString()};
        if (rec) {
          SOKEI_RETURN_IF_ERROR(w.tx.Update(Kind::kPerceptions, next));
        } else {
          SOKEI_RETURN_IF_ERROR(w.tx.Insert(Kind::kPerceptions, next));
        }
        return w.Audit(m, name, rec ? &before : nullptr, out);
      });
}

}  // namespace sokei::kpi
