// Municipalities: create, read, list, update.
#include <algorithm>
#include <map>
#include <set>
#include <unordered_map>

#include "absl/hash/hash.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "google/protobuf/util/json_util.h"
#include "services/plan/domain/plan_internal.h"
#include "services/plan/domain/validation.h"

namespace sokei::plan {

absl::StatusOr<pb::Municipality> PlanDomain::CreateMunicipality(
    const Principal& p, const pb::CreateMunicipalityRequest& r) {
  SOKEI_RETURN_IF_ERROR(auth::CheckAdmin(p));
  const std::string name = absl::StrCat("municipalities/", r.municipality_id());
  SOKEI_RETURN_IF_ERROR(api::ParseName(name, kMunicipalityPattern, "municipality_id").status());
  Violations v;
  v.Text("municipality.display_name", r.municipality().display_name(), kMaxTitleChars, true);
  v.Text("municipality.prefecture", r.municipality().prefecture(), kMaxLabelChars, false);
  SOKEI_RETURN_IF_ERROR(v.ToStatus("MUNICIPALITY_INVALID"));
  return Mutate<pb::Municipality>(
      p, r.municipality_id(), "CreateMunicipality", r.request_id(), r,
      [&](WriteContext& w, pb::Municipality* out) -> absl::Status {
        SOKEI_ASSIGN_OR_RETURN(auto existing, w.tx.Get(Kind::kMunicipality, name));
        if (existing) return status::AlreadyExists("MUNICIPALITY_ALREADY_EXISTS", name);
        *out = r.municipality();
        out->set_name(name);
        Record rec = Stamp(out, {r.municipality_id(), "", "", "", 0}, w.now, nullptr);
        SOKEI_RETURN_IF_ERROR(w.tx.Insert(Kind::kMunicipality, rec));
        return w.Audit(r.municipality_id(), name, nullptr, out);
      });
}

absl::StatusOr<pb::Municipality> PlanDomain::GetMunicipality(const Principal& p,
                                                             const pb::GetMunicipalityRequest& r) {
  SOKEI_ASSIGN_OR_RETURN(auto name, api::ParseName(r.name(), kMunicipalityPattern, "name"));
  SOKEI_RETURN_IF_ERROR(auth::CheckRead(p, name.municipality()));
  pb::Municipality out;
  SOKEI_RETURN_IF_ERROR(repo_->Read([&](PlanTx& tx) -> absl::Status {
    SOKEI_ASSIGN_OR_RETURN(out,
                           LoadOrNotFound<pb::Municipality>(tx, Kind::kMunicipality, r.name()));
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<pb::ListMunicipalitiesResponse> PlanDomain::ListMunicipalities(
    const Principal& p, const pb::ListMunicipalitiesRequest& r) {
  SOKEI_ASSIGN_OR_RETURN(auto page,
                         api::ParsePage(r.page_size(), r.page_token(), "municipalities"));
  std::vector<pb::Municipality> all;
  SOKEI_RETURN_IF_ERROR(repo_->Read([&](PlanTx& tx) -> absl::Status {
    SOKEI_ASSIGN_OR_RETURN(auto recs, tx.ListCollection(Kind::kMunicipality, ""));
    SOKEI_ASSIGN_OR_RETURN(all, DecodeAll<pb::Municipality>(recs));
    return absl::OkStatus();
  }));
  // Everyone sees only the municipalities they belong to (admins of "*" see all).
  all.erase(std::remove_if(all.begin(), all.end(),
                           [&](const pb::Municipality& m) {
                             return !auth::CheckRead(p, api::MunicipalityOf(m.name())).ok();
                           }),
            all.end());
  pb::ListMunicipalitiesResponse resp;
  const int64_t total = static_cast<int64_t>(all.size());
  for (auto& m : Paginate(std::move(all), page)) *resp.add_municipalities() = std::move(m);
  resp.set_next_page_token(api::NextPageToken(page, total, "municipalities"));
  return resp;
}

absl::StatusOr<pb::Municipality> PlanDomain::UpdateMunicipality(
    const Principal& p, const pb::UpdateMunicipalityRequest& r) {
  SOKEI_ASSIGN_OR_RETURN(auto name, api::ParseName(r.municipality().name(), kMunicipalityPattern,
                                                   "municipality.name"));
  SOKEI_RETURN_IF_ERROR(auth::CheckWriteStructure(p, name.municipality()));
  return Mutate<pb::Municipality>(
      p, name.municipality(), "UpdateMunicipality", "", r,
      [&](WriteContext& w, pb::Municipality* out) -> absl::Status {
        SOKEI_ASSIGN_OR_RETURN(auto rec, w.tx.Get(Kind::kMunicipality, name.ToString()));
        if (!rec) return status::NotFound("MUNICIPALITY_NOT_FOUND", name.ToString());
        SOKEI_ASSIGN_OR_RETURN(auto before, Decode<pb::Municipality>(*rec));
        SOKEI_RETURN_IF_ERROR(
            CheckEtag(Kind::kMunicipality, r.municipality().etag(), before.etag(), before.name()));
        *out = before;
        SOKEI_RETURN_IF_ERROR(
            ApplyMask(r.municipality(), r.update_mask(), {"display_name", "prefecture"}, out));
        Violations v;
        v.Text("municipality.display_name", out->display_name(), kMaxTitleChars, true);
        v.Text("municipality.prefecture", out->prefecture(), kMaxLabelChars, false);
        SOKEI_RETURN_IF_ERROR(v.ToStatus("MUNICIPALITY_INVALID"));
        Record next = Stamp(out, {name.municipality(), "", "", "", 0}, w.now, &*rec);
        SOKEI_RETURN_IF_ERROR(w.tx.Update(Kind::kMunicipality, next));
        return w.Audit(name.municipality(), out->name(), &before, out);
      });
}

}  // namespace sokei::plan
