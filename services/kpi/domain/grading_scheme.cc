// The plan's grading scheme: read and update.
#include "services/kpi/domain/kpi_domain.h"

#include <algorithm>
#include <map>
#include <set>
#include <unordered_map>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "common/api/audit_events.h"
#include "common/api/hash.h"
#include "common/api/idempotent_write.h"
#include "common/api/listing.h"
#include "common/api/names.h"
#include "common/api/resources.h"
#include "common/jp/measurement.h"
#include "common/jp/text.h"
#include "common/status/status.h"
#include "services/kpi/domain/achievement.h"
#include "services/kpi/domain/kpi_internal.h"

namespace sokei::kpi {

using api::Micros;
using api::ToTimestamp;
using google::protobuf::Message;


absl::StatusOr<pb::GradingScheme> KpiDomain::GetGradingScheme(
    const Principal& p, const pb::GetGradingSchemeRequest& r) {
  const std::string plan(absl::StripSuffix(r.name(), "/gradingScheme"));
  if (plan == r.name()) {
    return status::InvalidField("NAME_INVALID", "name",
                                "must be municipalities/{m}/plans/{p}/gradingScheme");
  }
  SOKEI_ASSIGN_OR_RETURN(auto pn, api::ParseName(plan, kPlanPattern, "name"));
  SOKEI_RETURN_IF_ERROR(CheckKpiRead(p, pn.municipality()));
  pb::GradingScheme s;
  SOKEI_RETURN_IF_ERROR(repo_->Read([&](KpiTx& tx) -> absl::Status {
    SOKEI_ASSIGN_OR_RETURN(s, LoadScheme(tx, plan));
    return absl::OkStatus();
  }));
  return s;
}

absl::StatusOr<pb::GradingScheme> KpiDomain::UpdateGradingScheme(
    const Principal& p, const pb::UpdateGradingSchemeRequest& r) {
  const std::string plan(absl::StripSuffix(r.scheme().name(), "/gradingScheme"));
  if (plan == r.scheme().name()) {
    return status::InvalidField("NAME_INVALID", "scheme.name",
                                "must be municipalities/{m}/plans/{p}/gradingScheme");
  }
  SOKEI_ASSIGN_OR_RETURN(auto pn, api::ParseName(plan, kPlanPattern, "scheme.name"));
  const std::string m = pn.municipality();
  SOKEI_RETURN_IF_ERROR(auth::CheckWriteStructure(p, m));
  SOKEI_RETURN_IF_ERROR(plans_->GetPlan(p, plan).status());
  static const std::set<std::string> kMutable = {
      "preset",          "bands",        "tolerance",         "no_change_band_points",
      "not_evaluable_label", "no_target_label", "not_reported_label", "rollup_rules"};
  return Mutate<pb::GradingScheme>(
      p, m, "UpdateGradingScheme", "", r,
      [&](WriteContext& w, pb::GradingScheme* out) -> absl::Status {
        SOKEI_ASSIGN_OR_RETURN(auto rec, w.tx.Get(Kind::kScheme, r.scheme().name()));
        SOKEI_ASSIGN_OR_RETURN(pb::GradingScheme before, LoadScheme(w.tx, plan));
        SOKEI_RETURN_IF_ERROR(
            CheckEtag(r.scheme().etag(), before.etag(), "SCHEME_ETAG_MISMATCH", before.name()));
        *out = before;
        SOKEI_RETURN_IF_ERROR(api::ApplyMask(r.scheme(), r.update_mask(), kMutable, out));
        if (!pb::GradingPreset_IsValid(out->preset())) {
          return status::InvalidField("SCHEME_INVALID", "scheme.preset", "is not a known preset");
        }
        *out = Normalize(*out);
        std::string field;
        if (auto why = ValidateScheme(*out, &field); !why.empty()) {
          return status::InvalidField("SCHEME_INVALID", field, why);
        }
        out->set_name(r.scheme().name());
        const int64_t revision = rec ? rec->revision + 1 : 1;
        *out->mutable_update_time() = ToTimestamp(w.now);
        out->set_etag(absl::StrCat(absl::Hex(Micros(w.now)), ".", revision));
        Record next{out->name(), m, plan, "", 0, revision, out->SerializeAsString()};
        if (rec) {
          SOKEI_RETURN_IF_ERROR(w.tx.Update(Kind::kScheme, next));
        } else {
          SOKEI_RETURN_IF_ERROR(w.tx.Insert(Kind::kScheme, next));
        }
        return w.Audit(m, out->name(), &before, out);
      });
}

}  // namespace sokei::kpi
