// cache_bench: GetPlanTree (2,000 nodes, 20 packages) uncached on SQLite, uncached on PostgreSQL,
// and through the Redis cache; beside two limits measured in the same run: a raw hiredis GET of
// the same payload size (what the cache can do at best) and the gRPC echo of the same reply size.
// Target: cached reads >= 50% of the echo QPS.
//
// usage: cache_bench [--seconds=3] [--runs=3] [--in-flight=8]
//        SOKEI_BENCH_PG_DSN selects a PostgreSQL server for the uncached PostgreSQL row
//        (scripts/bench.sh starts a throwaway cluster).
#include <hiredis/hiredis.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "tests/support/test_identity.h"
#include "absl/strings/numbers.h"
#include "bench/bench_common.h"
#include "common/cache/cache.h"
#include "common/grpcx/server.h"
#include "common/storage/postgres/pg_driver.h"
#include "common/storage/sqlite/sqlite_driver.h"
#include "services/plan/api/plan_grpc_service.h"
#include "services/plan/storage/sql_plan_repository.h"
#include "tests/support/redis_server.h"

namespace {

using namespace sokei::bench;

struct Ports {
  int sqlite = 0, postgres = 0, cached = 0, echo = 0;
};

// One plan server: database, optional cache, domain, service, gRPC server.
struct PlanServer {
  std::unique_ptr<sokei::storage::Database> db;
  std::unique_ptr<sokei::plan::SqlPlanRepository> repo;
  std::unique_ptr<sokei::cache::Cache> cache;
  std::unique_ptr<sokei::plan::PlanDomain> domain;
  std::unique_ptr<sokei::plan::DispatchedPlanService> service;
  std::unique_ptr<sokei::grpcx::DispatchTable> table;
  std::unique_ptr<sokei::grpcx::Server> server;

  int Start(absl::StatusOr<std::unique_ptr<sokei::storage::Database>> opened,
            const std::string& redis) {
    if (!opened.ok()) return 0;
    db = std::move(*opened);
    repo = std::make_unique<sokei::plan::SqlPlanRepository>(db.get());
    if (!repo->Migrate().ok()) return 0;
    cache = std::make_unique<sokei::cache::Cache>(sokei::cache::CacheOptions{redis});
    domain = std::make_unique<sokei::plan::PlanDomain>(repo.get(), &absl::Now, cache.get());
    service = std::make_unique<sokei::plan::DispatchedPlanService>(
        domain.get(), sokei::testing::VerifiedIdentity());
    table = sokei::plan::MakeDispatchTable(service.get());
    auto s = sokei::grpcx::Server::Start({"127.0.0.1:0", 8, 64 << 20, 1000, false}, {}, {},
                                         {table.get()});
    if (!s.ok()) return 0;
    server = std::move(*s);
    return server->port();
  }
};

[[noreturn]] void RunServers(const std::string& dir, const std::string& pg_dsn,
                             const std::string& redis, int ready_fd, int stop_fd) {
  PlanServer a, b, c;
  Ports ports;
  ports.sqlite = a.Start(sokei::storage::OpenSqlite({dir + "/a.db", 8, 5000}), "");
  if (!pg_dsn.empty()) {
    ports.postgres = b.Start(
        sokei::storage::OpenPostgres({pg_dsn, "bench_" + std::to_string(getpid()), 8, 30000}), "");
  }
  ports.cached = c.Start(sokei::storage::OpenSqlite({dir + "/c.db", 8, 5000}), redis);
  EchoServer echo;
  ports.echo = echo.port();
  if (write(ready_fd, &ports, sizeof ports) != sizeof ports) std::_Exit(1);
  char ch;
  while (read(stop_fd, &ch, 1) > 0) {
  }
  std::_Exit(0);
}

std::vector<std::unique_ptr<pb::PlanService::Stub>> PlanStubs(int port, int n) {
  std::vector<std::unique_ptr<pb::PlanService::Stub>> stubs;
  for (int t = 0; t < n; ++t) stubs.push_back(pb::PlanService::NewStub(BenchChannel(port, t)));
  return stubs;
}

// GET of one key of `bytes` bytes from `threads` connections for `seconds`.
LoadResult RedisGet(const std::string& host, int port, size_t bytes, int threads, double seconds) {
  {
    redisContext* c = redisConnect(host.c_str(), port);
    const std::string value(bytes, 'x');
    freeReplyObject(redisCommand(c, "SET bench:payload %b", value.data(), value.size()));
    redisFree(c);
  }
  std::vector<std::vector<double>> lat(threads);
  std::vector<std::thread> workers;
  const auto begin = Clock::now();
  const auto end = begin + std::chrono::duration<double>(seconds);
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      redisContext* c = redisConnect(host.c_str(), port);
      while (Clock::now() < end) {
        const auto t0 = Clock::now();
        auto* r = static_cast<redisReply*>(redisCommand(c, "GET bench:payload"));
        if (r == nullptr || static_cast<size_t>(r->len) != bytes) std::abort();
        freeReplyObject(r);
        lat[t].push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
      }
      redisFree(c);
    });
  }
  for (auto& w : workers) w.join();
  std::vector<double> all;
  for (auto& l : lat) all.insert(all.end(), l.begin(), l.end());
  const double elapsed = std::chrono::duration<double>(Clock::now() - begin).count();
  return {all.size() / elapsed, Percentile(all, 0.5), Percentile(all, 0.99)};
}

}  // namespace

int main(int argc, char** argv) {
  double seconds = 3;
  int runs = 3, in_flight = 8;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a.rfind("--seconds=", 0) == 0) (void)absl::SimpleAtod(a.substr(10), &seconds);
    if (a.rfind("--runs=", 0) == 0) (void)absl::SimpleAtoi(a.substr(7), &runs);
    if (a.rfind("--in-flight=", 0) == 0) (void)absl::SimpleAtoi(a.substr(12), &in_flight);
  }
  const char* dsn_env = std::getenv("SOKEI_BENCH_PG_DSN");
  const std::string pg_dsn = dsn_env == nullptr ? "" : dsn_env;
  char tmpl[] = "/tmp/sokei-cache-bench-XXXXXX";
  const std::string dir = mkdtemp(tmpl);
  sokei::testing::RedisServer redis;
  Ports ports;
  pid_t child = 0;
  int stop_writer = -1;
  if (!ForkServers([&](int ready_fd,
                       int stop_fd) { RunServers(dir, pg_dsn, redis.addr(), ready_fd, stop_fd); },
                   &ports, &child, &stop_writer) ||
      ports.sqlite == 0 || ports.cached == 0) {
    std::fprintf(stderr, "servers failed to start\n");
    return 1;
  }
  struct Row {
    const char* label;
    int port;
    std::vector<std::unique_ptr<pb::PlanService::Stub>> stubs;
    std::vector<LoadResult> results;
    std::vector<LoadResult> bytes_results;
    std::vector<std::unique_ptr<grpc::GenericStub>> generic;
  };
  std::vector<Row> rows;
  rows.push_back({"uncached, SQLite", ports.sqlite, PlanStubs(ports.sqlite, 2), {}, {}, {}});
  if (ports.postgres != 0) {
    rows.push_back(
        {"uncached, PostgreSQL", ports.postgres, PlanStubs(ports.postgres, 2), {}, {}, {}});
  }
  rows.push_back({"Redis-cached", ports.cached, PlanStubs(ports.cached, 2), {}, {}, {}});
  for (auto& row : rows) {
    BuildSyntheticPlan(row.stubs.front().get(), "municipalities/142140");
    for (int t = 0; t < 2; ++t) {
      row.generic.push_back(std::make_unique<grpc::GenericStub>(BenchChannel(row.port, 100 + t)));
    }
  }

  pb::GetPlanTreeRequest req;
  req.set_name("municipalities/142140/plans/big");
  size_t payload = 0;
  {
    grpc::ClientContext ctx;
    AddViewerPrincipal(&ctx);
    pb::PlanTree tree;
    if (!rows.back().stubs.front()->GetPlanTree(&ctx, req, &tree).ok())
      return 1;  // warms the cache
    payload = tree.ByteSizeLong();
  }
  std::vector<std::unique_ptr<eb::Echo::Stub>> echo_stubs;
  for (int t = 0; t < 2; ++t) echo_stubs.push_back(eb::Echo::NewStub(BenchChannel(ports.echo, t)));
  eb::EchoMessage echo_req;
  echo_req.set_reply_bytes(static_cast<int32_t>(payload));
  std::vector<LoadResult> echo, raw;
  const std::string host = "127.0.0.1";
  const int redis_port = std::atoi(redis.addr().substr(redis.addr().rfind(':') + 1).c_str());
  for (int r = 0; r < runs; ++r) {  // alternate so drift hits every row alike
    echo.push_back(MeasureLoad(echo_stubs, &eb::Echo::Stub::PrepareAsyncEcho, echo_req, in_flight,
                               seconds, false));
    raw.push_back(RedisGet(host, redis_port, payload, 2, seconds));
    for (auto& row : rows) {
      row.results.push_back(MeasureLoad(row.stubs, &pb::PlanService::Stub::PrepareAsyncGetPlanTree,
                                        req, in_flight, seconds, true));
      row.bytes_results.push_back(MeasureLoadBytes(
          row.generic, "/sokei.plan.v1.PlanService/GetPlanTree", req, in_flight, seconds, true));
    }
  }
  auto median = [](const std::vector<LoadResult>& v, double LoadResult::*field) {
    std::vector<double> x;
    for (const auto& r : v) x.push_back(r.*field);
    return Median(x);
  };
  const double echo_qps = median(echo, &LoadResult::qps);
  std::printf(
      "GetPlanTree, 2,000 nodes, %zu KB reply, %d in flight, %d alternating runs of %.0f s, "
      "medians\n\n",
      payload / 1024, in_flight, runs, seconds);
  std::printf("%-34s %10s %10s %10s %10s\n", "", "QPS", "p50 ms", "p99 ms", "vs echo");
  auto line = [&](const char* label, const std::vector<LoadResult>& v) {
    const double q = median(v, &LoadResult::qps);
    std::printf("%-34s %10.0f %10.2f %10.2f %9.0f%%\n", label, q, median(v, &LoadResult::p50_ms),
                median(v, &LoadResult::p99_ms), 100 * q / echo_qps);
  };
  for (const auto& row : rows) {
    line(absl::StrCat(row.label, ", bytes").c_str(), row.bytes_results);
    line(absl::StrCat(row.label, ", parsed by client").c_str(), row.results);
  }
  line("raw hiredis GET (limit)", raw);
  line("gRPC echo, same reply", echo);
  if (ports.postgres == 0)
    std::printf("(no PostgreSQL row: set SOKEI_BENCH_PG_DSN, as scripts/bench.sh does)\n");
  std::printf(
      "\n'bytes': the reply is forwarded as it arrives (the gateway's passthrough); 'parsed': the\n"
      "client also parses 2,000 nodes, on the same 2 cores as the servers.\n"
      "target: Redis-cached >= 50%% of the echo QPS\n");
  close(stop_writer);
  waitpid(child, nullptr, 0);
  std::filesystem::remove_all(dir);
  return 0;
}
