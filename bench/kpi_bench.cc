// kpi_bench: the two KPI performance goals, each beside a reference measured in the same run.
//  1. ImportProgressTable of a synthetic 10,000-row table (every value format of docs/domain.md
//  §4),
//     against `sqlite3 .import` of the same file into a plain table (goal: ≤ 5×).
//  2. GetPlanSummary for 2,000 indicators × 10 years, uncached (goal: p50 ≤ 20 ms).
// Both run the KPI domain on SQLite files with the plan service in-process (its own SQLite file).
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "bench/synthetic_actuals.h"
#include "bench/synthetic_table.h"
#include "common/cache/cache.h"
#include "common/storage/sqlite/sqlite_driver.h"
#include "services/kpi/domain/achievement.h"
#include "services/kpi/domain/kpi_domain.h"
#include "services/kpi/import/progress_table.h"
#include "tests/support/domain_stack.h"
#include "tests/support/plan_fixtures.h"

namespace sokei {
namespace {

using bench::SyntheticTable;

using Clock = std::chrono::steady_clock;

double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

double Percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * v.size()))];
}

struct Env {
  std::string dir;
  std::unique_ptr<storage::Database> plan_db, kpi_db;
  std::unique_ptr<sokei::testing::DomainStack> stack;
  kpi::KpiDomain* kpi = nullptr;
  testing::InProcessPlanClient* client = nullptr;
  auth::Principal admin = sokei::testing::TestPrincipal(auth::Role::kAdmin, "*");

  explicit Env(const std::vector<std::string>& levels) {
    char tmpl[] = "/tmp/sokei-kpi-bench-XXXXXX";
    dir = mkdtemp(tmpl);
    plan_db = std::move(*storage::OpenSqlite({dir + "/plan.db", 4, 5000}));
    kpi_db = std::move(*storage::OpenSqlite({dir + "/kpi.db", 4, 5000}));
    auto made = sokei::testing::DomainStack::Make(plan_db.get(), kpi_db.get());
    if (!made.ok()) std::abort();
    stack = std::move(*made);
    kpi = stack->kpi.get();
    client = stack->plan_client.get();
    auto p = testing::PlanRequest("municipalities/142140", "bench", 2015, 2024, levels);
    p.mutable_plan()->set_display_name("bench");
    p.mutable_plan()->set_layer(plan::v1::PLAN_LAYER_IMPLEMENTATION_PLAN);
    if (!stack->plans->CreatePlan(admin, p).ok()) std::abort();
  }
  ~Env() {
    stack.reset();
    kpi_db.reset();
    plan_db.reset();
    std::filesystem::remove_all(dir);
  }
};

double SqliteImportMs(const std::string& file) {
  char tmpl[] = "/tmp/sokei-sqlite3-XXXXXX";
  const std::string dir = mkdtemp(tmpl);
  const std::string script = dir + "/import.sql";
  std::ofstream(script) << "CREATE TABLE t(a,b,c,d,e,f,g);\n.mode tabs\n.import " << file << " t\n";
  const auto t0 = Clock::now();
  const std::string cmd = absl::StrCat("sqlite3 ", dir, "/plain.db < ", script, " 2>/dev/null");
  const int rc = std::system(cmd.c_str());
  const double ms = Ms(Clock::now() - t0);
  std::filesystem::remove_all(dir);
  return rc == 0 ? ms : -1;
}

// The floor under the import: the rows it stored (both services' tables, their indexes, audit
// and change-feed rows), written again by SQLite alone: a fresh file with the same schema and
// pragmas, every table copied row by row in one transaction (`WHERE true` keeps SQLite from
// copying pages wholesale). What the import costs beyond this is Sokei's own work.
double StoredRowsCopyMs(storage::Database& source, const std::string& source_path) {
  std::vector<std::string> schema, tables;
  {
    auto conn = source.Acquire();
    auto rows = conn->Query(
        "SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE "
        "'sqlite_%' ORDER BY rowid",
        {});
    if (!rows.ok()) std::abort();
    for (const auto& r : *rows) {
      schema.push_back(std::get<std::string>(r[2]));
      if (std::get<std::string>(r[0]) == "table") tables.push_back(std::get<std::string>(r[1]));
    }
  }
  char tmpl[] = "/tmp/sokei-kpi-floor-XXXXXX";
  const std::string dir = mkdtemp(tmpl);
  double ms = -1;
  {
    auto db = storage::OpenSqlite({dir + "/copy.db", 1, 5000});
    if (!db.ok()) std::abort();
    auto conn = (*db)->Acquire();
    for (const auto& sql : schema) {
      if (!conn->ExecScript(sql).ok()) std::abort();
    }
    if (!conn->ExecScript(absl::StrCat("ATTACH DATABASE '", source_path, "' AS src")).ok()) {
      std::abort();
    }
    std::string copy = "BEGIN IMMEDIATE;";
    for (const auto& t : tables) {
      absl::StrAppend(&copy, "INSERT INTO main.", t, " SELECT * FROM src.", t, " WHERE true;");
    }
    absl::StrAppend(&copy, "COMMIT;");
    const auto t0 = Clock::now();
    if (!conn->ExecScript(copy).ok()) std::abort();
    ms = Ms(Clock::now() - t0);
  }
  std::filesystem::remove_all(dir);
  return ms;
}

void ImportBench(int rows, int runs) {
  const std::string table = SyntheticTable(rows);
  const std::string file = "/tmp/sokei-kpi-bench-table.tsv";
  std::ofstream(file, std::ios::binary) << table;
  std::vector<double> ours, reference, parse_only, table_only, floor;
  kpi::v1::ImportProgressTableResponse last;
  for (int i = 0; i < runs; ++i) {
    reference.push_back(SqliteImportMs(file));
    auto p0 = Clock::now();
    auto parsed = kpi::ParseProgressTable(table, {}, 0);
    table_only.push_back(Ms(Clock::now() - p0));
    if (!parsed.ok()) std::abort();
    Env env({"基本政策", "施策展開の方向", "施策", "事業"});
    kpi::v1::ImportProgressTableRequest r;
    r.set_parent("municipalities/142140/plans/bench");
    r.set_content(table);
    r.set_dry_run(true);
    auto t0 = Clock::now();
    auto dry = env.kpi->ImportProgressTable(env.admin, r);
    parse_only.push_back(Ms(Clock::now() - t0));
    r.set_dry_run(false);
    t0 = Clock::now();
    auto res = env.kpi->ImportProgressTable(env.admin, r);
    ours.push_back(Ms(Clock::now() - t0));
    if (!res.ok() || !res->committed()) {
      std::printf("import failed: %s\n",
                  res.ok() ? "not committed" : res.status().ToString().c_str());
      std::exit(1);
    }
    last = *res;
    floor.push_back(StoredRowsCopyMs(*env.plan_db, env.dir + "/plan.db") +
                    StoredRowsCopyMs(*env.kpi_db, env.dir + "/kpi.db"));
  }
  std::filesystem::remove(file);
  const double o = Median(ours), ref = Median(reference);
  std::printf("import of a %d-row progress table (%zu KB, %d runs, medians):\n", rows,
              table.size() / 1024, runs);
  std::printf("  sqlite3 .import into a plain table  %8.1f ms  (reference)\n", ref);
  std::printf("  reading the table (every cell parsed)   %8.1f ms  (no storage)\n",
              Median(table_only));
  std::printf(
      "  ImportProgressTable, dry run          %8.1f ms  (parse, plan, count; rolled back)\n",
      Median(parse_only));
  std::printf(
      "  ImportProgressTable                   %8.1f ms  = %.1f× the reference (goal ≤ 5×)\n", o,
      o / ref);
  std::printf(
      "  the rows it stored, copied by SQLite  %8.1f ms  = %.1f× the reference; the import = "
      "%.1f× this floor\n",
      Median(floor), Median(floor) / ref, o / Median(floor));
  const auto& c = last.counts();
  std::printf(
      "  wrote %d nodes, %d departments, %d indicators, %d observations; %d/%d cells fully "
      "understood\n",
      c.nodes_created(), c.departments_created(), c.indicators_created(), c.observations_created(),
      c.cells_fully_understood(), c.cells_parsed());
}

void SummaryBench(int indicators, int years, int runs, const std::string& redis) {
  Env env({"基本政策", "施策展開の方向", "施策", "事業"});
  kpi::v1::ImportProgressTableRequest r;
  r.set_parent("municipalities/142140/plans/bench");
  r.set_content(SyntheticTable(indicators));
  auto res = env.kpi->ImportProgressTable(env.admin, r);
  if (!res.ok() || !res->committed()) std::abort();
  // Nine more years of actuals for every indicator (the table gave 2020).
  if (!bench::RecordEarlierActuals(*env.kpi, env.admin, "municipalities/142140", years).ok()) {
    std::abort();
  }
  kpi::v1::GetPlanSummaryRequest sr;
  sr.set_plan("municipalities/142140/plans/bench");
  sr.set_fiscal_year(2020);
  // The reference, same run: the rows the summary reads (the plan's indicators and their
  // observations from the first year any grade needs), read by SQLite alone, nothing parsed.
  int from = sr.fiscal_year();
  size_t ref_rows = 0;
  auto read_rows = [&]() {
    return env.stack->kpi_repo->Read([&](kpi::KpiTx& tx) -> absl::Status {
      SOKEI_ASSIGN_OR_RETURN(auto inds, tx.ListPlanIndicatorData(sr.plan()));
      SOKEI_ASSIGN_OR_RETURN(auto obs,
                             tx.ListPlanObservationData(sr.plan(), from, sr.fiscal_year()));
      ref_rows = inds.size() + obs.size();
      return absl::OkStatus();
    });
  };
  (void)env.stack->kpi_repo->Read([&](kpi::KpiTx& tx) -> absl::Status {
    SOKEI_ASSIGN_OR_RETURN(auto inds, tx.ListPlanIndicatorData(sr.plan()));
    for (const auto& d : inds) {
      kpi::v1::Indicator ind;
      if (ind.ParseFromString(d)) from = std::min(from, kpi::FirstYearRead(ind, sr.fiscal_year()));
    }
    return absl::OkStatus();
  });
  // One indicator whose FY2020 actual is recorded again before an "after an actual" summary.
  kpi::v1::ListIndicatorsRequest lr;
  lr.set_parent("municipalities/142140");
  lr.set_page_size(1);
  auto first = env.kpi->ListIndicators(env.admin, lr);
  if (!first.ok() || first->indicators().empty()) std::abort();
  const std::string entered = first->indicators(0).name();
  // What the RPC serves: the summary's bytes, three ways per run, each call followed by the
  // reference read:
  //   cold — nothing parsed before (ForgetParsedRecords): the first summary after a start;
  //   after an actual — one actual recorded just before (the KPI generation moves, so a cached
  //     summary would miss): the dashboard as a department enters its year;
  //   unchanged — the same summary again (every row still read and graded).
  enum Kind { kCold, kAfterActual, kUnchanged };
  std::vector<double> ms[3], ref_ms[3];
  int nodes = 0;
  for (int i = 0; i < runs; ++i) {
    for (Kind kind : {kCold, kAfterActual, kUnchanged}) {
      if (kind == kCold) env.kpi->ForgetParsedRecords();
      if (kind == kAfterActual) {
        kpi::v1::RecordObservationsRequest rr;
        rr.set_parent("municipalities/142140");
        auto* o = rr.add_observations();
        o->set_indicator(entered);
        o->set_fiscal_year(2020);
        o->set_raw_value(absl::StrCat(1000 + i, "人"));
        if (!env.kpi->RecordObservations(env.admin, rr).ok()) std::abort();
      }
      const auto t0 = Clock::now();
      auto s = env.kpi->GetPlanSummaryBytes(env.admin, sr);
      ms[kind].push_back(Ms(Clock::now() - t0));
      if (!s.ok()) std::abort();
      kpi::v1::PlanSummary parsed;
      if (!parsed.ParseFromString(*s)) std::abort();
      nodes = parsed.nodes_size();
      const auto t1 = Clock::now();
      if (!read_rows().ok()) std::abort();
      ref_ms[kind].push_back(Ms(Clock::now() - t1));
    }
  }
  // The plan service's share: the tree read alone.
  std::vector<double> tree_ms;
  for (int i = 0; i < runs; ++i) {
    const auto t0 = Clock::now();
    if (!env.client->GetPlanTree(env.admin, sr.plan()).ok()) std::abort();
    tree_ms.push_back(Ms(Clock::now() - t0));
  }
  // With the Redis cache in front (when a redis-server was given): a hit costs the plan structure's
  // generation (asked of the plan service), the KPI generation read and one GET; the bytes go out
  // as they are.
  std::vector<double> cached_ms;
  if (!redis.empty()) {
    cache::Cache cache({redis});
    kpi::KpiDomain cached(env.stack->kpi_repo.get(), env.client, &env.stack->files, &absl::Now,
                          &cache);
    for (int i = 0; i <= runs; ++i) {
      const auto t0 = Clock::now();
      if (!cached.GetPlanSummaryBytes(env.admin, sr).ok()) std::abort();
      if (i > 0) cached_ms.push_back(Ms(Clock::now() - t0));  // the first call fills
    }
  }
  std::printf(
      "GetPlanSummary, %d indicators × %d years (%d observations), %d node roll-ups, "
      "uncached (every row read and every value graded; the plan tree kept while its structure "
      "generation holds), %d runs of each; beside each, the %zu rows it reads, read by SQLite "
      "alone after it (the reference, same run):\n",
      indicators, years, indicators * years, nodes, runs, ref_rows);
  const char* labels[3] = {"cold (nothing parsed before)", "after an actual was recorded",
                           "unchanged since the last summary"};
  for (int k = kCold; k <= kUnchanged; ++k) {
    std::printf("  %-34s p50 %5.1f ms  p99 %5.1f ms  reads p50 %4.1f ms: %.1f× its reads%s\n",
                labels[k], Percentile(ms[k], 0.5), Percentile(ms[k], 0.99),
                Percentile(ref_ms[k], 0.5), Percentile(ms[k], 0.5) / Percentile(ref_ms[k], 0.5),
                k == kCold ? "  (goal p50 ≤ 20 ms)" : "");
  }
  std::printf("  the plan tree read (kept by the summaries above) p50 %.1f ms; records kept "
              "parsed: %.1f MiB of stored bytes\n",
              Percentile(tree_ms, 0.5), env.kpi->parsed_record_bytes() / 1048576.0);
  if (!cached_ms.empty()) {
    std::printf("  with the Redis cache (hits): p50 %.1f ms  p99 %.1f ms\n",
                Percentile(cached_ms, 0.5), Percentile(cached_ms, 0.99));
  }
}

}  // namespace
}  // namespace sokei

int main(int argc, char** argv) {
  int rows = 10000, runs = 3;
  bool import = true, summary = true;
  std::string redis;
  for (int i = 1; i < argc; ++i) {
    if (std::string(argv[i]) == "--quick") {
      rows = 1000;
      runs = 1;
    }
    if (std::string(argv[i]) == "--summary-only") import = false;
    if (std::string(argv[i]) == "--import-only") summary = false;
    if (std::string(argv[i]).rfind("--redis=", 0) == 0) redis = std::string(argv[i]).substr(8);
  }
  if (import) sokei::ImportBench(rows, runs);
  if (summary) sokei::SummaryBench(rows == 10000 ? 2000 : 500, 10, rows == 10000 ? 50 : 5, redis);
  return 0;
}
