// plan_bench: GetNode throughput against a reference echo server measured in the same run, and
// GetPlanTree latency for a synthetic 5-level plan of 2,000 nodes and 20 packages.
//
// Reference: an echo service on gRPC's completion-queue async API with one server thread — the
// fastest gRPC 1.51 serves on this machine. Beside it, the same echo on Sokei's own runtime
// (`grpcx::Server`, the plan service's threads, its handler GetNode's without the storage read),
// which splits GetNode's distance from the echo into the runtime's part and the read's. The
// servers run in one child process on loopback; the load client is a completion-queue client
// holding N calls in flight. Runs alternate (echo, runtime echo, plan, echo …) so drift hits all;
// medians are reported.
//
// usage: plan_bench [--seconds=2] [--runs=5] [--tree-calls=200]
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <thread>
#include <vector>

#include "tests/support/test_identity.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/grpcx/lock_mode.h"
#include "bench/bench_common.h"
#include "common/grpcx/adapter.h"
#include "common/grpcx/dispatch.h"
#include "common/grpcx/server.h"
#include "common/storage/sqlite/sqlite_driver.h"
#include "services/plan/api/plan_grpc_service.h"
#include "services/plan/storage/sql_plan_repository.h"

namespace {
using namespace sokei::bench;
}  // namespace

// The servers run in a child process (forked before any gRPC state exists), so client and
// server do not share a process: as in production, only the machine.
struct ServerPorts {
  int plan = 0;
  int echo = 0;
  int runtime_echo = 0;
};

// The echo on Sokei's runtime: received on the completion queues of `grpcx::Server`, logged and
// traced as every call is, the principal verified from the call's metadata, the request parsed
// and a read permission checked — GetNode's handler up to its storage read, but for parsing the
// node's name — then `reply_bytes` bytes back (the size of the node GetNode returns).
std::unique_ptr<sokei::grpcx::DispatchTable> RuntimeEchoTable(
    sokei::grpcx::Dispatched<eb::Echo::Service>* service,
    const sokei::auth::IdentityCheck* identity) {
  auto table = std::make_unique<sokei::grpcx::DispatchTable>(
      service, eb::EchoMessage::descriptor()->file()->FindServiceByName("Echo"));
  table->Add<eb::Echo::Service, grpc::ByteBuffer, grpc::ByteBuffer>(
      service, "Echo",
      [identity](grpc::ServerContext* ctx, const grpc::ByteBuffer* req, grpc::ByteBuffer* resp) {
        return sokei::grpcx::ServeUnaryBytes<eb::EchoMessage>(
            ctx, *identity, "Echo", req, resp,
            [](const sokei::auth::Principal& p,
               const eb::EchoMessage& m) -> absl::StatusOr<std::string> {
              absl::Status readable = sokei::auth::CheckRead(p, "142140");
              if (!readable.ok()) return readable;
              return EchoReply(m).SerializeAsString();
            });
      });
  return table;
}

[[noreturn]] void RunServers(const std::string& db_path, int threads, int ready_fd, int stop_fd) {
  auto db = sokei::storage::OpenSqlite({db_path, threads, 5000});
  if (!db.ok()) std::_Exit(1);
  sokei::plan::SqlPlanRepository repo(db->get());
  if (!repo.Migrate().ok()) std::_Exit(1);
  sokei::plan::PlanDomain domain(&repo);
  sokei::plan::DispatchedPlanService service(&domain, sokei::testing::VerifiedIdentity());
  auto table = sokei::plan::MakeDispatchTable(&service);
  auto plan_server = sokei::grpcx::Server::Start({"127.0.0.1:0", threads, 64 << 20, 1000, false},
                                                 {}, {}, {table.get()});
  if (!plan_server.ok()) std::_Exit(1);
  EchoServer echo;
  sokei::grpcx::Dispatched<eb::Echo::Service> echo_service;
  const sokei::auth::IdentityCheck identity = sokei::testing::VerifiedIdentity();
  auto echo_table = RuntimeEchoTable(&echo_service, &identity);
  auto runtime_echo = sokei::grpcx::Server::Start({"127.0.0.1:0", threads, 64 << 20, 1000, false},
                                                  {}, {}, {echo_table.get()});
  if (!runtime_echo.ok()) std::_Exit(1);
  ServerPorts ports{(*plan_server)->port(), echo.port(), (*runtime_echo)->port()};
  if (write(ready_fd, &ports, sizeof ports) != sizeof ports) std::_Exit(1);
  char c;
  while (read(stop_fd, &c, 1) > 0) {
  }
  runtime_echo->reset();
  plan_server->reset();
  std::_Exit(0);
}

int main(int argc, char** argv) {
  sokei::grpcx::QuietLockGraphInRelease();  // as the service binaries run
  double seconds = 2;
  int runs = 5, tree_calls = 200, client_threads = 2;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a.rfind("--seconds=", 0) == 0) (void)absl::SimpleAtod(a.substr(10), &seconds);
    if (a.rfind("--runs=", 0) == 0) (void)absl::SimpleAtoi(a.substr(7), &runs);
    if (a.rfind("--tree-calls=", 0) == 0) (void)absl::SimpleAtoi(a.substr(13), &tree_calls);
    if (a.rfind("--client-threads=", 0) == 0) (void)absl::SimpleAtoi(a.substr(17), &client_threads);
  }
  char tmpl[] = "/tmp/sokei-bench-XXXXXX";
  const std::string dir = mkdtemp(tmpl);
  const std::string db_path = dir + "/plan.db";
  const int threads =
      std::getenv("SOKEI_BENCH_THREADS") ? std::atoi(std::getenv("SOKEI_BENCH_THREADS")) : 8;
  ServerPorts ports;
  pid_t child = 0;
  int stop_writer = -1;
  if (!ForkServers(
          [&](int ready_fd, int stop_fd) { RunServers(db_path, threads, ready_fd, stop_fd); },
          &ports, &child, &stop_writer)) {
    std::fprintf(stderr, "servers failed to start\n");
    return 1;
  }
  std::printf("machine: %u cores; servers in pid %d, client with %d threads\n",
              std::thread::hardware_concurrency(), child, client_threads);

  std::vector<std::unique_ptr<pb::PlanService::Stub>> plan_stubs;
  std::vector<std::unique_ptr<eb::Echo::Stub>> echo_stubs, runtime_stubs;
  for (int t = 0; t < client_threads; ++t) {  // a distinct connection per client thread
    plan_stubs.push_back(pb::PlanService::NewStub(BenchChannel(ports.plan, t)));
    echo_stubs.push_back(eb::Echo::NewStub(BenchChannel(ports.echo, t)));
    runtime_stubs.push_back(eb::Echo::NewStub(BenchChannel(ports.runtime_echo, t)));
  }
  auto* plan_stub = plan_stubs.front().get();
  auto plan_stub_channel = BenchChannel(ports.plan, 1000);
  const std::string m = "municipalities/142140";
  BuildSyntheticPlan(plan_stub, m);

  std::printf(
      "\nGetNode vs. echo (CQ async, 1 server thread), %d alternating runs of %.1f s, medians;\n"
      "runtime echo: the echo on Sokei's runtime (%d threads), GetNode's handler without its "
      "read\n",
      runs, seconds, threads);
  std::printf("%-10s %10s %16s %12s %8s %11s %8s\n", "in flight", "echo QPS", "runtime echo QPS",
              "GetNode QPS", "ratio", "vs runtime", "target");
  eb::EchoMessage echo_req;
  echo_req.set_text("municipalities/142140/plans/big/nodes/n1000");
  pb::GetNodeRequest node_req;
  node_req.set_name("municipalities/142140/plans/big/nodes/n1000");
  eb::EchoMessage runtime_req = echo_req;
  {
    grpc::ClientContext ctx;
    AddViewerPrincipal(&ctx);
    pb::Node node;
    if (!plan_stub->GetNode(&ctx, node_req, &node).ok()) return 1;
    runtime_req.set_reply_bytes(static_cast<int32_t>(node.ByteSizeLong()));
  }
  for (int in_flight : {8, 64}) {
    std::vector<double> e, re, g;
    for (int r = 0; r < runs; ++r) {
      e.push_back(MeasureQps(echo_stubs, &eb::Echo::Stub::PrepareAsyncEcho, echo_req, in_flight,
                             seconds, false));
      re.push_back(MeasureQps(runtime_stubs, &eb::Echo::Stub::PrepareAsyncEcho, runtime_req,
                              in_flight, seconds, true));
      g.push_back(MeasureQps(plan_stubs, &pb::PlanService::Stub::PrepareAsyncGetNode, node_req,
                             in_flight, seconds, true));
    }
    const double me = Median(e), mre = Median(re), mg = Median(g);
    std::printf("%-10d %10.0f %10.0f (%3.0f%%) %12.0f %7.0f%% %10.0f%% %8s\n", in_flight, me, mre,
                100 * mre / me, mg, 100 * mg / me, 100 * mg / mre, ">= 60%");
  }

  std::printf("\nGetPlanTree (2,000 nodes, 20 packages, uncached), %d sequential calls\n",
              tree_calls);
  pb::GetPlanTreeRequest tree_req;
  tree_req.set_name("municipalities/142140/plans/big");
  std::vector<double> ms, arena_ms;
  size_t bytes = 0;
  for (int i = 0; i < tree_calls; ++i) {
    grpc::ClientContext ctx;
    AddViewerPrincipal(&ctx);
    pb::PlanTree tree;
    const auto t0 = Clock::now();
    grpc::Status s = plan_stub->GetPlanTree(&ctx, tree_req, &tree);
    ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
    if (!s.ok()) {
      std::fprintf(stderr, "GetPlanTree failed: %s\n", s.error_message().c_str());
      return 1;
    }
    bytes = tree.ByteSizeLong();
    // The same call parsed on an arena (a client keeping the reply on one): how much of the
    // typed call is the client's allocation.
    grpc::ClientContext actx;
    AddViewerPrincipal(&actx);
    google::protobuf::Arena arena;
    auto* on_arena = google::protobuf::Arena::CreateMessage<pb::PlanTree>(&arena);
    const auto t1 = Clock::now();
    if (!plan_stub->GetPlanTree(&actx, tree_req, on_arena).ok()) return 1;
    arena_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t1).count());
  }
  // The same call with a generic stub: bytes in, bytes out, no client-side parse (what the
  // gateway's passthrough does).
  std::vector<double> raw_ms;
  {
    grpc::GenericStub generic(plan_stub_channel);
    grpc::ByteBuffer request;
    {
      std::string bytes = tree_req.SerializeAsString();
      grpc::Slice slice(bytes);
      request = grpc::ByteBuffer(&slice, 1);
    }
    for (int i = 0; i < tree_calls; ++i) {
      grpc::ClientContext ctx;
      AddViewerPrincipal(&ctx);
      grpc::ByteBuffer response;
      std::mutex mu;
      std::condition_variable cv;
      bool done = false;
      grpc::Status status;
      const auto t0 = Clock::now();
      generic.UnaryCall(&ctx, "/sokei.plan.v1.PlanService/GetPlanTree", grpc::StubOptions(),
                        &request, &response, [&](grpc::Status s) {
                          std::lock_guard<std::mutex> lock(mu);
                          status = s;
                          done = true;
                          cv.notify_one();
                        });
      std::unique_lock<std::mutex> lock(mu);
      cv.wait(lock, [&] { return done; });
      raw_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
      if (!status.ok()) return 1;
    }
  }
  // The reference, same run: the echo server answering with as many bytes as the tree (one
  // string field), so the row below is what moving those bytes through gRPC costs here.
  std::vector<double> echo_ms;
  {
    eb::EchoMessage big;
    big.set_reply_bytes(static_cast<int32_t>(bytes));
    for (int i = 0; i < tree_calls; ++i) {
      grpc::ClientContext ctx;
      eb::EchoMessage reply;
      const auto t0 = Clock::now();
      if (!echo_stubs.front()->Echo(&ctx, big, &reply).ok()) return 1;
      echo_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
    }
  }
  // The same read without gRPC, on the same database file: what domain and storage cost alone.
  std::vector<double> domain_ms;
  {
    auto db = sokei::storage::OpenSqlite({db_path, 1, 5000});
    if (!db.ok()) return 1;
    sokei::plan::SqlPlanRepository repo(db->get());
    sokei::plan::PlanDomain domain(&repo);
    sokei::auth::Principal viewer;
    viewer.subject = "bench";
    viewer.roles = {sokei::auth::Role::kViewer};
    viewer.municipality = "142140";
    for (int i = 0; i < tree_calls; ++i) {
      const auto t0 = Clock::now();
      // What the RPC calls: the reply's bytes (no cache here).
      if (!domain.GetPlanTreeBytes(viewer, tree_req).ok()) return 1;
      domain_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
    }
  }
  std::printf("%-18s %10s %10s %12s %8s\n", "", "p50 ms", "p99 ms", "response KB", "target");
  std::printf("%-18s %10.2f %10.2f %12.0f %8s\n", "echo, same bytes", Percentile(echo_ms, 0.5),
              Percentile(echo_ms, 0.99), bytes / 1024.0, "(ref)");
  std::printf("%-18s %10.2f %10.2f %12.0f %8s\n", "GetPlanTree (gRPC)", Percentile(ms, 0.5),
              Percentile(ms, 0.99), bytes / 1024.0, "p50<=5");
  std::printf("%-18s %10.2f %10.2f %12s %8s\n", "  parsed on arena", Percentile(arena_ms, 0.5),
              Percentile(arena_ms, 0.99), "", "");
  std::printf("%-18s %10.2f %10.2f %12s %8s\n", "  bytes, no parse", Percentile(raw_ms, 0.5),
              Percentile(raw_ms, 0.99), "", "");
  std::printf("%-18s %10.2f %10.2f %12s %8s\n", "  domain only", Percentile(domain_ms, 0.5),
              Percentile(domain_ms, 0.99), "", "");
  std::printf("GetPlanTree p50 = %.1f× the echo of the same bytes\n",
              Percentile(ms, 0.5) / Percentile(echo_ms, 0.5));
  close(stop_writer);
  int status = 0;
  waitpid(child, &status, 0);
  std::filesystem::remove_all(dir);
  return 0;
}
