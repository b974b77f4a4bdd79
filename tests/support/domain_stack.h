// The plan and KPI domains in one process, each on its own database, the KPI domain calling the
// plan domain directly (no socket). The fixture of the KPI domain tests, the table corpus, the
// survey domain tests (which put their own service on top) and the KPI benchmark.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/clock.h"
#include "common/auth/principal.h"
#include "common/status/status.h"
#include "services/kpi/domain/kpi_domain.h"
#include "services/kpi/files/format_table_writer.h"
#include "services/kpi/storage/sql_kpi_repository.h"
#include "services/plan/domain/plan_domain.h"
#include "services/plan/storage/sql_plan_repository.h"
#include "tests/support/in_process_plan_client.h"
#include "tests/support/principals.h"

namespace sokei::testing {

struct DomainStack {
  std::unique_ptr<plan::SqlPlanRepository> plan_repo;
  std::unique_ptr<plan::PlanDomain> plans;
  std::unique_ptr<InProcessPlanClient> plan_client;
  std::unique_ptr<kpi::SqlKpiRepository> kpi_repo;
  kpi::FormatTableWriter files;
  std::unique_ptr<kpi::KpiDomain> kpi;

  // Migrates both databases (which must outlive the stack) and creates the municipality
  // `municipality_id` as an administrator would.
  static absl::StatusOr<std::unique_ptr<DomainStack>> Make(
      storage::Database* plan_db, storage::Database* kpi_db,
      const std::string& municipality_id = "142140",
      const std::string& municipality_name = "伊勢原市") {
    auto s = std::make_unique<DomainStack>();
    s->plan_repo = std::make_unique<plan::SqlPlanRepository>(plan_db);
    SOKEI_RETURN_IF_ERROR(s->plan_repo->Migrate());
    s->kpi_repo = std::make_unique<kpi::SqlKpiRepository>(kpi_db);
    SOKEI_RETURN_IF_ERROR(s->kpi_repo->Migrate());
    s->plans = std::make_unique<plan::PlanDomain>(s->plan_repo.get());
    s->plan_client = std::make_unique<InProcessPlanClient>(s->plans.get());
    s->kpi = std::make_unique<kpi::KpiDomain>(s->kpi_repo.get(), s->plan_client.get(), &s->files);
    plan::v1::CreateMunicipalityRequest m;
    m.set_municipality_id(municipality_id);
    m.mutable_municipality()->set_display_name(municipality_name);
    SOKEI_RETURN_IF_ERROR(
        s->plans->CreateMunicipality(TestPrincipal(auth::Role::kAdmin, "*"), m).status());
    return s;
  }
};

}  // namespace sokei::testing
