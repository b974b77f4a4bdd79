// sokei-kpi: wiring only. The common start (service_main: config → database → migrations →
// server) around the KPI domain, its plan-service client and its cache.
#include "absl/time/clock.h"
#include "common/cache/cache.h"
#include "common/grpcx/service_main.h"
#include "services/kpi/api/grpc_plan_client.h"
#include "services/kpi/api/kpi_grpc_service.h"
#include "services/kpi/files/chromium_pdf.h"
#include "services/kpi/files/format_table_writer.h"
#include "services/kpi/storage/sql_kpi_repository.h"

int main() {
  using namespace sokei;
  const std::string plan_addr =
      grpcx::UpstreamAddressOrDie("SOKEI_PLAN_ADDR", "127.0.0.1:50051", "the plan service");
  // Progress tables are imported in one message of up to 16 MiB.
  return grpcx::RunService(
      {"kpi", "127.0.0.1:50052", "sokei.kpi.v1.KpiService", 17 << 20},
      [](storage::Database* db) { return kpi::SqlKpiRepository(db).Migrate(); },
      [&](const config::ServiceConfig& cfg,
          storage::Database* db,
          const auth::IdentityCheck& identity) -> absl::StatusOr<grpcx::ServiceWiring> {
        struct Parts {
          kpi::SqlKpiRepository repo;
          kpi::GrpcPlanClient plans;
          kpi::FormatTableWriter files;
          // The 評価結果報告書 as PDF, printed by Debian's headless Chromium ($SOKEI_CHROMIUM).
          kpi::ChromiumPdf pdf;
          // The shared cache, when configured: the dashboard read only, never on the
          // correctness path.
          cache::Cache cache;
          kpi::KpiDomain domain;
          kpi::DispatchedKpiService service;
          std::unique_ptr<grpcx::DispatchTable> table;
          Parts(storage::Database* db, const config::ServiceConfig& cfg,
                const auth::IdentityCheck& identity, const std::string& plan)
              : repo(db),
                plans(kpi::GrpcPlanClient::MakeChannel(plan, 64 << 20)),
                cache({cfg.redis_addr}),
                domain(&repo, &plans, &files, &absl::Now, &cache),
                service(&domain, identity),
                table(kpi::MakeDispatchTable(&service)) {
            domain.set_pdf_renderer(&pdf);
          }
        };
        auto parts = std::make_shared<Parts>(db, cfg, identity, plan_addr);
        return grpcx::ServiceWiring{parts, parts->table.get(), {{"plan_service", plan_addr}}};
      });
}
