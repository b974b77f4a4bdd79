// A plan's sheet template (評価シートの様式): read and update.
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/api/names.h"
#include "common/api/resources.h"
#include "common/status/status.h"
#include "services/kpi/domain/kpi_domain.h"
#include "services/kpi/domain/kpi_internal.h"
#include "services/kpi/domain/sheet_template.h"

namespace sokei::kpi {
namespace {

// The plan a template name belongs to, or INVALID_ARGUMENT naming `field`.
absl::StatusOr<std::string> TemplatePlan(const std::string& name, const std::string& field) {
  const std::string plan(absl::StripSuffix(name, "/sheetTemplate"));
  if (plan == name) {
    return status::InvalidField("NAME_INVALID", field,
                                "must be municipalities/{m}/plans/{p}/sheetTemplate");
  }
  SOKEI_RETURN_IF_ERROR(api::ParseName(plan, kPlanPattern, field).status());
  return plan;
}

}  // namespace

absl::StatusOr<pb::SheetTemplate> KpiDomain::GetSheetTemplate(
    const Principal& p, const pb::GetSheetTemplateRequest& r) {
  SOKEI_ASSIGN_OR_RETURN(const std::string plan, TemplatePlan(r.name(), "name"));
  SOKEI_ASSIGN_OR_RETURN(auto pn, api::ParseName(plan, kPlanPattern, "name"));
  SOKEI_RETURN_IF_ERROR(CheckKpiRead(p, pn.municipality()));
  pb::SheetTemplate t;
  SOKEI_RETURN_IF_ERROR(repo_->Read([&](KpiTx& tx) -> absl::Status {
    SOKEI_ASSIGN_OR_RETURN(t, LoadSheetTemplate(tx, plan));
    return absl::OkStatus();
  }));
  return t;
}

absl::StatusOr<pb::SheetTemplate> KpiDomain::UpdateSheetTemplate(
    const Principal& p, const pb::UpdateSheetTemplateRequest& r) {
  const pb::SheetTemplate& in = r.sheet_template();
  SOKEI_ASSIGN_OR_RETURN(const std::string plan, TemplatePlan(in.name(), "sheet_template.name"));
  SOKEI_ASSIGN_OR_RETURN(auto pn, api::ParseName(plan, kPlanPattern, "sheet_template.name"));
  const std::string m = pn.municipality();
  SOKEI_RETURN_IF_ERROR(auth::CheckWriteStructure(p, m));
  SOKEI_ASSIGN_OR_RETURN(auto stored_plan, plans_->GetPlan(p, plan));
  const int levels = stored_plan.levels_size();
  static const std::set<std::string> kMutable = {"project_level", "measure_level", "fields"};
  return Mutate<pb::SheetTemplate>(
      p, m, "UpdateSheetTemplate", "", r,
      [&](WriteContext& w, pb::SheetTemplate* out) -> absl::Status {
        SOKEI_ASSIGN_OR_RETURN(auto rec, w.tx.Get(Kind::kSheetTemplate, in.name()));
        SOKEI_ASSIGN_OR_RETURN(pb::SheetTemplate before, LoadSheetTemplate(w.tx, plan));
        SOKEI_RETURN_IF_ERROR(
            CheckEtag(in.etag(), before.etag(), "SHEET_TEMPLATE_ETAG_MISMATCH", before.name()));
        *out = before;
        SOKEI_RETURN_IF_ERROR(api::ApplyMask(in, r.update_mask(), kMutable, out));
        std::string field;
        if (auto why = ValidateSheetTemplate(*out, levels, &field); !why.empty()) {
          return status::InvalidField("SHEET_TEMPLATE_INVALID", field, why);
        }
        out->set_name(in.name());
        const int64_t revision = rec ? rec->revision + 1 : 1;
        *out->mutable_update_time() = api::ToTimestamp(w.now);
        out->set_etag(absl::StrCat(absl::Hex(api::Micros(w.now)), ".", revision));
        Record next{out->name(), m, plan, "", 0, revision, out->SerializeAsString()};
        if (rec) {
          SOKEI_RETURN_IF_ERROR(w.tx.Update(Kind::kSheetTemplate, next));
        } else {
          SOKEI_RETURN_IF_ERROR(w.tx.Insert(Kind::kSheetTemplate, next));
        }
        return w.Audit(m, out->name(), &before, out);
      });
}

}  // namespace sokei::kpi
