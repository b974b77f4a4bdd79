// Helpers shared by the plan domain's source files (not part of its interface): name patterns,
// record decoding and stamping, etag and visibility checks, and the write plumbing.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/api/audit_events.h"
#include "common/api/idempotent_write.h"
#include "common/api/listing.h"
#include "common/api/names.h"
#include "common/api/resources.h"
#include "common/jp/text.h"
#include "common/status/status.h"
#include "google/protobuf/util/field_mask_util.h"
#include "services/plan/domain/plan_domain.h"

namespace sokei::plan {


using api::ApplyMask;
using api::AuditPayload;
using api::AuditPayloadToJson;
using api::CheckId;
using api::CheckRequestId;
using api::Fingerprint;
using api::Micros;
using api::Paginate;
using api::PrefixFields;
using api::ToTimestamp;
using google::protobuf::Message;
using google::protobuf::util::FieldMaskUtil;

inline constexpr char kMunicipalityPattern[] = "municipalities/*";
inline constexpr char kDepartmentPattern[] = "municipalities/*/departments/*";
inline constexpr char kPlanPattern[] = "municipalities/*/plans/*";
inline constexpr char kNodePattern[] = "municipalities/*/plans/*/nodes/*";
inline constexpr char kPackagePattern[] = "municipalities/*/plans/*/packages/*";
inline constexpr char kLinkPattern[] = "municipalities/*/plans/*/packages/*/links/*";


// The reason prefix of a kind (PLAN, NODE, PACKAGE_LINK …) and a reason with it: PLAN_NOT_FOUND.
std::string ReasonPrefix(Kind kind);
std::string Reason(Kind kind, absl::string_view suffix);
std::string CodeKey(const std::string& code);
absl::Status CheckEtag(Kind kind, const std::string& given, const std::string& stored,
                       const std::string& name);
// Public callers see adopted plans only; others are told the plan does not exist.
absl::Status CheckPlanVisible(const Principal& p, const pb::Plan& plan);
absl::Status CheckPlanVisibleByName(PlanTx& tx, const Principal& p, const std::string& plan);
absl::Status RequireMunicipality(PlanTx& tx, const std::string& m);
// Insert / update of a resource with a code unique in its plan: a taken code is
// <KIND>_CODE_DUPLICATE on `code_field`, a taken name <KIND>_ALREADY_EXISTS.
absl::Status InsertCoded(PlanTx& tx, Kind kind, const Record& rec, const std::string& code_field);
absl::Status UpdateCoded(PlanTx& tx, Kind kind, const Record& rec, const std::string& code_field);

template <typename T>
absl::StatusOr<T> Decode(const Record& r) {
  T msg;
  if (!msg.ParseFromString(r.data)) return status::Internal("STORAGE_CORRUPT");
  return msg;
}

template <typename T>
absl::StatusOr<std::optional<T>> Load(PlanTx& tx, Kind kind, const std::string& name) {
  SOKEI_ASSIGN_OR_RETURN(auto rec, tx.Get(kind, name));
  if (!rec) return std::optional<T>();
  SOKEI_ASSIGN_OR_RETURN(T msg, Decode<T>(*rec));
  return std::optional<T>(std::move(msg));
}

template <typename T>
absl::StatusOr<T> LoadOrNotFound(PlanTx& tx, Kind kind, const std::string& name) {
  SOKEI_ASSIGN_OR_RETURN(auto msg, Load<T>(tx, kind, name));
  if (!msg) return status::NotFound(Reason(kind, "NOT_FOUND"), name);
  return std::move(*msg);
}

template <typename T>
absl::StatusOr<std::vector<T>> DecodeAll(const std::vector<Record>& records) {
  std::vector<T> out;
  out.reserve(records.size());
  for (const Record& r : records) {
    SOKEI_ASSIGN_OR_RETURN(T msg, Decode<T>(r));
    out.push_back(std::move(msg));
  }
  return out;
}

// Where a resource lives, for its storage record.
struct Placement {
  std::string municipality, plan, collection, code;
  int64_t sort_key = 0;
};


// Sets name, etag and times; returns the record to store.
template <typename T>
Record Stamp(T* msg, const Placement& where, absl::Time now, const Record* previous) {
  const int64_t revision = api::StampRevision(msg, now, previous ? previous->revision : 0);
  Record r;
  r.name = msg->name();
  r.municipality = where.municipality;
  r.plan = where.plan;
  r.collection = where.collection;
  r.code = where.code.empty() ? "" : CodeKey(where.code);
  r.sort_key = where.sort_key;
  r.revision = revision;
  r.data = msg->SerializeAsString();
  return r;
}

// One write use case: a transaction, request_id idempotency, the write context for audit rows.
template <typename Resp>
absl::StatusOr<Resp> PlanDomain::Mutate(
    const Principal& p, const std::string& municipality, const char* method,
    const std::string& request_id, const google::protobuf::Message& request,
    const std::function<absl::Status(WriteContext&, Resp*)>& fn) {
  return api::MutateOnce<Resp, PlanTx>(repo_, clock_(), p, municipality, method, request_id, request,
                                     fn);
}

}  // namespace sokei::plan
