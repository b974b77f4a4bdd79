// Reads with achievement: an indicator's history and forecast, the plan summary.
#include <algorithm>
#include <map>
#include <set>

#include "absl/container/flat_hash_map.h"
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
#include "services/kpi/domain/kpi_domain.h"
#include "services/kpi/domain/kpi_internal.h"

namespace sokei::kpi {

using api::Micros;
using api::ToTimestamp;
using google::protobuf::Message;

absl::StatusOr<pb::IndicatorHistory> KpiDomain::GetIndicatorHistory(
    const Principal& p, const pb::GetIndicatorHistoryRequest& r) {
  SOKEI_ASSIGN_OR_RETURN(auto name, api::ParseName(r.name(), kIndicatorPattern, "name"));
  SOKEI_RETURN_IF_ERROR(CheckKpiRead(p, name.municipality()));
  if (!r.plan().empty()) {
    SOKEI_RETURN_IF_ERROR(api::ParseName(r.plan(), kPlanPattern, "plan").status());
  }
  pb::IndicatorHistory h;
  std::vector<pb::Observation> obs;
  pb::GradingScheme scheme;
  SOKEI_RETURN_IF_ERROR(repo_->Read([&](KpiTx& tx) -> absl::Status {
    SOKEI_ASSIGN_OR_RETURN(
        *h.mutable_indicator(),
        LoadOrNotFound<pb::Indicator>(tx, Kind::kIndicator, r.name(), "INDICATOR_NOT_FOUND"));
    SOKEI_ASSIGN_OR_RETURN(auto recs, tx.ListParent(Kind::kObservation, r.name()));
    obs.clear();
    for (const Record& rec : recs) {
      pb::Observation o;
      if (!o.ParseFromString(rec.data)) return status::Internal("STORAGE_CORRUPT");
      obs.push_back(std::move(o));
    }
    const auto plans = PlansOf(h.indicator());
    const std::string plan = !r.plan().empty() ? r.plan() : (plans.empty() ? "" : plans.front());
    if (plan.empty()) {
      scheme = Normalize(scheme);
    } else {
      SOKEI_ASSIGN_OR_RETURN(scheme, LoadScheme(tx, plan));
    }
    return absl::OkStatus();
  }));
  const pb::Indicator& ind = h.indicator();
  ObservationsByYear by_year;
  int first = 0, last = 0;
  auto widen = [&](int y) {
    if (y <= 0) return;
    first = first == 0 ? y : std::min(first, y);
    last = std::max(last, y);
  };
  for (const auto& o : obs) {
    if (!o.breakdown_key().empty()) continue;
    by_year[o.fiscal_year()] = &o;
    widen(o.fiscal_year());
  }
  int final_year = 0;
  std::optional<double> final_value;
  for (const auto& spec : ind.target_specs()) {
    for (const auto& t : spec.targets()) widen(t.fiscal_year());
  }
  if (const auto* spec = ind.target_specs().empty() ? nullptr : &*ind.target_specs().rbegin()) {
    for (const auto& t : spec->targets()) {
      if (t.fiscal_year() >= final_year) {
        final_year = t.fiscal_year();
        final_value = jp::MeasurementValue(t.value());
      }
    }
  }
  if (ind.baseline().fiscal_year() > 0) widen(ind.baseline().fiscal_year() + 1);
  // The trend runs on what the target measures. For a 累計 indicator that is the running total:
  // cells that are running totals already (an import's F1) as they stand, yearly values (F5)
  // summed from the start year — and the baseline, one year's figure, is no point of it.
  const bool cumulative = ind.aggregation().kind() == pb::AGGREGATION_KIND_CUMULATIVE;
  const bool sums = cumulative && ind.formula() != pb::FORMULA_F1_RATIO;
  std::vector<std::pair<int, double>> trend;
  auto b = jp::MeasurementValue(ind.baseline().value());
  if (b && ind.baseline().fiscal_year() > 0 && !cumulative) {
    trend.emplace_back(ind.baseline().fiscal_year(), *b);
  }
  double running = sums && ind.aggregation().baseline_included() ? b.value_or(0.0) : 0.0;
  for (int y = first; y > 0 && y <= last && y - first < 100; ++y) {
    auto* pt = h.add_points();
    pt->set_fiscal_year(y);
    if (auto it = by_year.find(y); it != by_year.end()) {
      *pt->mutable_observation() = *it->second;
      const auto& v = it->second->value();
      const int start = ind.aggregation().start_year();
      if (auto x = jp::MeasurementValue(v); x && !v.partial_period() && !it->second->reference() &&
                                            !(sums && start > 0 && y < start)) {
        running += *x;
        trend.emplace_back(y, sums ? running : *x);
      }
    }
    const pb::TargetSpec* spec = SpecInForce(ind, y);
    const YearTarget yt = TargetFor(spec, y);
    if (yt.target != nullptr && !yt.interim) {
      *pt->mutable_target() = *yt.target;
      pt->set_target_version(spec->version());
    }
    *pt->mutable_result() = EvaluateIndicator(ind, scheme, y, by_year);
  }
  *h.mutable_forecast() = LinearForecast(trend, final_year, final_value, ind.direction());
  return h;
}

namespace {

// The summary request's plan, once the caller may read it and the year is sensible.
absl::StatusOr<api::ResourceName> CheckSummaryRequest(const Principal& p,
                                                      const pb::GetPlanSummaryRequest& r) {
  SOKEI_ASSIGN_OR_RETURN(auto plan, api::ParseName(r.plan(), kPlanPattern, "plan"));
  SOKEI_RETURN_IF_ERROR(CheckKpiRead(p, plan.municipality()));
  if (r.fiscal_year() < 1900 || r.fiscal_year() > 2200) {
    return status::InvalidField("SUMMARY_INVALID", "fiscal_year",
                                "a fiscal year between 1900 and 2200 (令和2年度 = 2020)");
  }
  return plan;
}

}  // namespace

absl::StatusOr<pb::PlanSummary> KpiDomain::GetPlanSummary(const Principal& p,
                                                          const pb::GetPlanSummaryRequest& r) {
  if (cache_ != nullptr && cache_->enabled()) {
    SOKEI_ASSIGN_OR_RETURN(std::string bytes, GetPlanSummaryBytes(p, r));
    pb::PlanSummary out;
    if (!out.ParseFromString(bytes)) return status::Internal("CACHE_CORRUPT");
    return out;
  }
  SOKEI_RETURN_IF_ERROR(CheckSummaryRequest(p, r).status());
  return ComputeSummary(p, r.plan(), r.fiscal_year(), r.view() == pb::SUMMARY_VIEW_FULL);
}

absl::StatusOr<std::string> KpiDomain::GetPlanSummaryBytes(const Principal& p,
                                                           const pb::GetPlanSummaryRequest& r) {
  SOKEI_ASSIGN_OR_RETURN(auto plan, CheckSummaryRequest(p, r));
  const bool full = r.view() == pb::SUMMARY_VIEW_FULL;
  auto compute = [&]() -> absl::StatusOr<std::string> {
    return ComputeSummaryBytes(p, r.plan(), r.fiscal_year(), full);
  };
  if (cache_ == nullptr || !cache_->enabled()) return compute();
  // A hit costs two small reads and a GET: the plan structure's generation from the plan service
  // (which also checks the caller may see the plan) and the KPI generation, both in the key, so the
  // cached value is the current one. The structure itself is fetched only to compute a miss (read
  // after its generation: a value is never older than its key says). The bytes go out as they are.
  SOKEI_ASSIGN_OR_RETURN(const int64_t structure, plans_->StructureGeneration(p, r.plan()));
  int64_t generation = 0;
  SOKEI_RETURN_IF_ERROR(repo_->Read([&](KpiTx& tx) -> absl::Status {
    SOKEI_ASSIGN_OR_RETURN(generation, tx.Generation(plan.municipality()));
    return absl::OkStatus();
  }));
  const std::string key =
      absl::StrCat("sokei:kpi:summary:v2:", plan.municipality(), ":", generation, ":", structure,
                   ":", api::Fingerprint([&] {
                     pb::GetPlanSummaryRequest k = r;
                     k.set_view(full ? pb::SUMMARY_VIEW_FULL : pb::SUMMARY_VIEW_BASIC);
                     return k;
                   }()));
  return cache_->GetOrCompute(key, compute);
}

absl::Status KpiDomain::WithSummary(const Principal& p, const std::string& plan_name,
                                    int fiscal_year, bool with_indicators,
                                    const std::function<void(const pb::PlanSummary&)>& use) {
  ArenaBlock::Lease block(&summary_block_);
  google::protobuf::Arena arena(block.Options());
  SOKEI_ASSIGN_OR_RETURN(const pb::PlanSummary* s,
                         SummaryOn(&arena, p, plan_name, fiscal_year, with_indicators));
  use(*s);
  block.Used(arena.SpaceAllocated());
  return absl::OkStatus();
}

absl::StatusOr<pb::PlanSummary> KpiDomain::ComputeSummary(const Principal& p,
                                                          const std::string& plan_name,
                                                          int fiscal_year, bool with_indicators) {
  pb::PlanSummary out;
  SOKEI_RETURN_IF_ERROR(WithSummary(p, plan_name, fiscal_year, with_indicators,
                                    [&](const pb::PlanSummary& s) { out = s; }));
  return out;
}

absl::StatusOr<std::string> KpiDomain::ComputeSummaryBytes(const Principal& p,
                                                           const std::string& plan_name,
                                                           int fiscal_year, bool with_indicators) {
  std::string out;
  SOKEI_RETURN_IF_ERROR(WithSummary(p, plan_name, fiscal_year, with_indicators,
                                    [&](const pb::PlanSummary& s) { out = s.SerializeAsString(); }));
  return out;
}

absl::StatusOr<const pb::PlanSummary*> KpiDomain::SummaryOn(google::protobuf::Arena* arena,
                                                            const Principal& p,
                                                            const std::string& plan_name,
                                                            int fiscal_year,
                                                            bool with_indicators) {
  // The structure comes from the plan service — the whole tree and the departments only when its
  // generation (one small read, which also checks the caller may see the plan) is not the one
  // last read; the values from our own store.
  SOKEI_ASSIGN_OR_RETURN(const int64_t generation, plans_->StructureGeneration(p, plan_name));
  SOKEI_ASSIGN_OR_RETURN(auto tree, trees_.GetOr(plan_name, generation, [&] {
    return plans_->GetPlanTree(p, plan_name);
  }));
  const std::string municipality = api::MunicipalityOf(plan_name);
  SOKEI_ASSIGN_OR_RETURN(auto departments, departments_.GetOr(municipality, generation, [&] {
    return plans_->ListDepartments(p, municipality);
  }));
  return SummaryOn(arena, plan_name, fiscal_year, with_indicators, *tree, *departments);
}

absl::StatusOr<const pb::PlanSummary*> KpiDomain::SummaryOn(
    google::protobuf::Arena* arena, const std::string& plan_name, int fiscal_year,
    bool with_indicators, const planpb::PlanTree& tree,
    const std::vector<planpb::Department>& departments) {
  // Every row is read; only those not parsed by an earlier summary are parsed (parsed_records.h).
  // The sets hold the parsed messages until this summary is built.
  std::vector<const pb::Indicator*> indicators;
  std::vector<const pb::Observation*> observations;
  std::shared_ptr<const ParsedRecords<pb::Indicator>::Set> indicator_set;
  std::shared_ptr<const ParsedRecords<pb::Observation>::Set> observation_set;
  pb::GradingScheme scheme;
  SOKEI_RETURN_IF_ERROR(repo_->Read([&](KpiTx& tx) -> absl::Status {
    SOKEI_ASSIGN_OR_RETURN(scheme, LoadScheme(tx, plan_name));
    SOKEI_ASSIGN_OR_RETURN(auto irecs, tx.ListPlanIndicatorData(plan_name));
    SOKEI_ASSIGN_OR_RETURN(indicator_set,
                           parsed_indicators_.Parse(plan_name, std::move(irecs), &indicators));
    // The observations of every year some indicator's grade reads (FirstYearRead).
    int from = fiscal_year;
    for (const pb::Indicator* ind : indicators) {
      from = std::min(from, FirstYearRead(*ind, fiscal_year));
    }
    // The order people read: by code as the city numbers them.
    std::sort(indicators.begin(), indicators.end(),
              [](const pb::Indicator* a, const pb::Indicator* b) {
                return std::tie(a->code(), a->name()) < std::tie(b->code(), b->name());
              });
    SOKEI_ASSIGN_OR_RETURN(auto data, tx.ListPlanObservationData(plan_name, from, fiscal_year));
    SOKEI_ASSIGN_OR_RETURN(
        observation_set,
        parsed_observations_.Parse(absl::StrCat(plan_name, " ", from, "-", fiscal_year),
                                   std::move(data), &observations));
    return absl::OkStatus();
  }));
  // Observations by indicator (the name prefix before /observations/; views into the messages).
  absl::flat_hash_map<absl::string_view, ObservationsByYear> obs_of;
  obs_of.reserve(indicators.size());
  for (const auto* o : observations) {
    if (!o->breakdown_key().empty()) continue;
    const absl::string_view name = o->name();
    obs_of[name.substr(0, name.rfind("/observations/"))][o->fiscal_year()] = o;
  }
  static const ObservationsByYear kNone;
  std::vector<const pb::IndicatorResult*> results(indicators.size());
  for (size_t i = 0; i < indicators.size(); ++i) {
    auto it = obs_of.find(indicators[i]->name());
    auto* r = google::protobuf::Arena::CreateMessage<pb::IndicatorResult>(arena);
    EvaluateIndicator(*indicators[i], scheme, fiscal_year, it == obs_of.end() ? kNone : it->second,
                      r);
    results[i] = r;
  }
  auto* summary = google::protobuf::Arena::CreateMessage<pb::PlanSummary>(arena);
  BuildSummary(plan_name, fiscal_year, tree, departments, scheme, indicators, results,
               with_indicators, summary);
  return summary;
}

}  // namespace sokei::kpi
