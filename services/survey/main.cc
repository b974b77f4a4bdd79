// sokei-survey: wiring only. The common start (service_main: config → database → migrations →
// server) around the survey domain and its KPI-service client.
#include "absl/time/clock.h"
#include "common/grpcx/service_main.h"
#include "common/grpcx/upstream.h"
#include "services/survey/api/grpc_kpi_client.h"
#include "services/survey/api/survey_grpc_service.h"
#include "services/survey/storage/sql_survey_repository.h"

int main() {
  using namespace sokei;
  const std::string kpi_addr =
      grpcx::UpstreamAddressOrDie("SOKEI_KPI_ADDR", "127.0.0.1:50052", "the KPI service");
  // Response files arrive in one message of up to 16 MiB, or streamed in chunks.
  return grpcx::RunService(
      {"survey", "127.0.0.1:50053", "sokei.survey.v1.SurveyService", 17 << 20},
      [](storage::Database* db) { return survey::SqlSurveyRepository(db).Migrate(); },
      [&](const config::ServiceConfig& cfg,
          storage::Database* db,
          const auth::IdentityCheck& identity) -> absl::StatusOr<grpcx::ServiceWiring> {
        struct Parts {
          survey::SqlSurveyRepository repo;
          survey::GrpcKpiClient kpi;
          survey::SurveyDomain domain;
          survey::DispatchedSurveyService service;
          std::unique_ptr<grpcx::DispatchTable> table;
          Parts(storage::Database* db, const config::ServiceConfig& cfg,
                const auth::IdentityCheck& identity, const std::string& addr)
              : repo(db),
                kpi(grpcx::MakeUpstreamChannel(addr, 64 << 20)),
                domain(&repo, &kpi, &absl::Now),
                service(&domain, identity),
                table(survey::MakeDispatchTable(&service)) {}
        };
        auto parts = std::make_shared<Parts>(db, cfg, identity, kpi_addr);
        return grpcx::ServiceWiring{parts, parts->table.get(), {{"kpi_service", kpi_addr}}};
      });
}
