// plan_bench: GetNode throughput against a reference echo server measured in the same run, and
// GetPlanTree latency for a synthetic 5-level plan of 2,000 nodes and 20 packages.
//
// Reference: an echo service on gRPC's completion-queue async API with one server thread — the
// fastest gRPC 1.51 serves on this machine. Both servers run in this process on loopback; the
// load client is a completion-queue client holding N calls in flight. Runs alternate (echo, plan,
// echo, plan …) so drift hits both; medians are reported.
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

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/grpcx/server.h"
#include "common/storage/sqlite/sqlite_driver.h"
#include "echo.grpc.pb.h"
#include "services/plan/api/plan_grpc_service.h"
#include "services/plan/storage/sql_plan_repository.h"

namespace {

using Clock = std::chrono::steady_clock;
namespace pb = sokei::plan::v1;
namespace eb = sokei::bench::v1;

// ---- the reference: async echo server, one completion-queue thread ----
class EchoServer {
 public:
  EchoServer() {
    grpc::ServerBuilder b;
    b.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port_);
    b.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
    b.RegisterService(&service_);
    cq_ = b.AddCompletionQueue();
    server_ = b.BuildAndStart();
    thread_ = std::thread([this] { Loop(); });
  }
  ~EchoServer() {
    server_->Shutdown();
    cq_->Shutdown();
    thread_.join();
  }
  int port() const { return port_; }

 private:
  struct Call {
    grpc::ServerContext ctx;
    eb::EchoMessage req;
    grpc::ServerAsyncResponseWriter<eb::EchoMessage> writer{&ctx};
    bool replied = false;
  };
  void Arm() {
    auto* c = new Call();
    service_.RequestEcho(&c->ctx, &c->req, &c->writer, cq_.get(), cq_.get(), c);
  }
  void Loop() {
    Arm();
    void* tag;
    bool ok;
    while (cq_->Next(&tag, &ok)) {
      auto* c = static_cast<Call*>(tag);
      if (!ok || c->replied) {
        delete c;
        continue;
      }
      Arm();
      c->replied = true;
      c->writer.Finish(c->req, grpc::Status::OK, c);
    }
  }
  eb::Echo::AsyncService service_;
  std::unique_ptr<grpc::ServerCompletionQueue> cq_;
  std::unique_ptr<grpc::Server> server_;
  std::thread thread_;
  int port_ = 0;
};

// ---- a closed-loop async client: `threads` threads, each with its own completion queue and
// connection, keeping in_flight/threads calls outstanding ----
template <typename Stub, typename Req, typename Resp>
double MeasureQps(const std::vector<std::unique_ptr<Stub>>& stubs,
                  std::unique_ptr<grpc::ClientAsyncResponseReader<Resp>> (Stub::*prepare)(
                      grpc::ClientContext*, const Req&, grpc::CompletionQueue*),
                  const Req& req, int in_flight, double seconds, bool with_principal) {
  struct Call {
    grpc::ClientContext ctx;
    Resp resp;
    grpc::Status status;
    std::unique_ptr<grpc::ClientAsyncResponseReader<Resp>> rpc;
  };
  const int threads = static_cast<int>(stubs.size());
  std::vector<long> done(threads, 0), failed(threads, 0);
  const auto begin = Clock::now();
  const auto end = begin + std::chrono::duration<double>(seconds);
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      grpc::CompletionQueue cq;
      Stub* stub = stubs[t].get();
      auto start_one = [&] {
        auto* c = new Call();
        if (with_principal) {
          c->ctx.AddMetadata("x-sokei-subject", "bench");
          c->ctx.AddMetadata("x-sokei-roles", "viewer");
          c->ctx.AddMetadata("x-sokei-municipality", "142140");
        }
        c->rpc = (stub->*prepare)(&c->ctx, req, &cq);
        c->rpc->StartCall();
        c->rpc->Finish(&c->resp, &c->status, c);
      };
      int outstanding = in_flight / threads + (t < in_flight % threads ? 1 : 0);
      for (int i = 0; i < outstanding; ++i) start_one();
      void* tag;
      bool ok;
      while (outstanding > 0 && cq.Next(&tag, &ok)) {
        auto* c = static_cast<Call*>(tag);
        if (!c->status.ok()) ++failed[t];
        ++done[t];
        delete c;
        --outstanding;
        if (Clock::now() < end) {
          start_one();
          ++outstanding;
        }
      }
    });
  }
  for (auto& w : workers) w.join();
  const double elapsed = std::chrono::duration<double>(Clock::now() - begin).count();
  long total = 0, total_failed = 0;
  for (int t = 0; t < threads; ++t) {
    total += done[t];
    total_failed += failed[t];
  }
  if (total_failed > 0)
    std::fprintf(stderr, "warning: %ld of %ld calls failed\n", total_failed, total);
  return static_cast<double>(total - total_failed) / elapsed;
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

double Percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[std::min(v.size() - 1, static_cast<size_t>(p * v.size()))];
}

// ---- synthetic plan: 5 levels, 2,000 nodes, 20 packages linked to 200 nodes ----
void BuildSyntheticPlan(pb::PlanService::Stub* stub, const std::string& m) {
  auto call = [](auto fn) {
    grpc::ClientContext ctx;
    ctx.AddMetadata("x-sokei-subject", "bench");
    ctx.AddMetadata("x-sokei-roles", "admin");
    ctx.AddMetadata("x-sokei-municipality", "*");
    grpc::Status s = fn(&ctx);
    if (!s.ok()) {
      std::fprintf(stderr, "setup failed: %s\n", s.error_message().c_str());
      std::exit(1);
    }
  };
  pb::CreateMunicipalityRequest mr;
  mr.set_municipality_id("142140");
  mr.mutable_municipality()->set_display_name("伊勢原市");
  pb::Municipality mo;
  call([&](auto* ctx) { return stub->CreateMunicipality(ctx, mr, &mo); });
  for (int d = 0; d < 40; ++d) {
    pb::CreateDepartmentRequest dr;
    dr.set_parent(m);
    dr.set_department_id(absl::StrCat("d", d));
    dr.mutable_department()->set_display_name(absl::StrCat("第", d + 1, "課"));
    pb::Department dept;
    call([&](auto* ctx) { return stub->CreateDepartment(ctx, dr, &dept); });
  }
  pb::CreatePlanRequest pr;
  pr.set_parent(m);
  pr.set_plan_id("big");
  auto* plan = pr.mutable_plan();
  plan->set_display_name("ベンチマーク用総合計画");
  plan->set_kind(pb::PLAN_KIND_COMPREHENSIVE);
  plan->set_layer(pb::PLAN_LAYER_BASIC_PLAN);
  plan->mutable_period()->set_start_year(2023);
  plan->mutable_period()->set_end_year(2032);
  for (const char* label : {"まちづくり目標", "基本政策", "施策展開の方向", "施策", "事業"}) {
    auto* l = plan->add_levels();
    l->set_depth(plan->levels_size());
    l->set_display_name(label);
  }
  pb::Plan po;
  call([&](auto* ctx) { return stub->CreatePlan(ctx, pr, &po); });
  // Fan-out 4 → 4 → 4 → 4 → 7 ≈ 4 + 16 + 64 + 256 + 1,660 = 2,000 nodes.
  pb::BatchCreateNodesRequest batch;
  batch.set_parent(po.name());
  std::vector<std::pair<std::string, int>> frontier = {{"", 0}};
  const int fanout[] = {4, 4, 4, 4, 7};
  int count = 0;
  for (int level = 1; level <= 5 && count < 2000; ++level) {
    std::vector<std::pair<std::string, int>> next;
    for (const auto& [parent, _] : frontier) {
      for (int i = 0; i < fanout[level - 1] && count < 2000; ++i) {
        const std::string id = absl::StrCat("n", ++count);
        auto* r = batch.add_requests();
        r->set_node_id(id);
        auto* n = r->mutable_node();
        n->set_level(level);
        n->set_code(absl::StrCat(level, "-", count));
        n->set_display_name(absl::StrCat("施策の名称 その", count, "（まちづくりの方向性）"));
        n->set_sort_key(i);
        n->add_sdg_goals(1 + count % 17);
        n->add_tags(count % 2 ? "DX" : "GX");
        auto* owner = n->add_departments();
        owner->set_department(absl::StrCat(m, "/departments/d", count % 40));
        owner->set_role(pb::DEPARTMENT_ROLE_OWNER);
        if (level < 5) {
          // As in real plans: 目指す姿 and 現状と課題 are written for policies and measures, not
          // for each 事業.
          auto* s = n->add_sections();
          s->set_heading("目指す姿");
          s->set_body(
              "市民一人ひとりが住み慣れた地域で安心して暮らし続けられるよう、地域の支え合いと"
              "行政の支援が結びついたまちを目指します。");
          auto* t = n->add_sections();
          t->set_heading("現状と課題");
          t->set_body(
              "人口減少と少子高齢化が進むなか、担い手の確保と、デジタル技術を活用した"
              "効率的なサービス提供が課題となっています。");
        } else {
          n->add_budget_codes(absl::StrCat("B", 10000 + count));
        }
        if (!parent.empty()) n->set_parent(absl::StrCat(po.name(), "/nodes/", parent));
        next.emplace_back(id, level);
      }
    }
    frontier = std::move(next);
  }
  pb::BatchCreateNodesResponse bo;
  call([&](auto* ctx) { return stub->BatchCreateNodes(ctx, batch, &bo); });
  for (int p = 1; p <= 20; ++p) {
    pb::CreatePackageRequest pk;
    pk.set_parent(po.name());
    pk.set_package_id(absl::StrCat("pkg", p));
    pk.mutable_package()->set_display_name(absl::StrCat("重点プロジェクト", p));
    pk.mutable_package()->set_kind(pb::PACKAGE_KIND_PRIORITY_PROJECT);
    pb::Package pko;
    call([&](auto* ctx) { return stub->CreatePackage(ctx, pk, &pko); });
    for (int k = 0; k < 10; ++k) {
      pb::CreatePackageLinkRequest lr;
      lr.set_parent(pko.name());
      lr.mutable_link()->set_node(
          absl::StrCat(po.name(), "/nodes/n", 21 + (p * 37 + k * 101) % 1900));
      lr.mutable_link()->set_role(pb::PACKAGE_LINK_ROLE_CONTRIBUTING);
      pb::PackageLink lo;
      call([&](auto* ctx) { return stub->CreatePackageLink(ctx, lr, &lo); });
    }
  }
  std::printf(
      "synthetic plan: %d nodes in 5 levels (sections on levels 1-4, budget codes on 事業), "
      "40 departments, 20 packages, 200 links\n",
      bo.nodes_size());
}

}  // namespace

// The servers run in a child process (forked before any gRPC state exists), so client and
// server do not share a process: as in production, only the machine.
struct ServerPorts {
  int plan = 0;
  int echo = 0;
};

[[noreturn]] void RunServers(const std::string& db_path, int threads, int ready_fd, int stop_fd) {
  auto db = sokei::storage::OpenSqlite({db_path, threads, 5000});
  if (!db.ok()) std::_Exit(1);
  sokei::plan::SqlPlanRepository repo(db->get());
  if (!repo.Migrate().ok()) std::_Exit(1);
  sokei::plan::PlanDomain domain(&repo);
  sokei::plan::DispatchedPlanService service(&domain, sokei::config::AuthMode::kMetadata);
  auto table = sokei::plan::MakeDispatchTable(&service);
  auto plan_server = sokei::grpcx::Server::Start({"127.0.0.1:0", threads, 64 << 20, 1000, false},
                                                 {}, {}, {table.get()});
  if (!plan_server.ok()) std::_Exit(1);
  EchoServer echo;
  ServerPorts ports{(*plan_server)->port(), echo.port()};
  if (write(ready_fd, &ports, sizeof ports) != sizeof ports) std::_Exit(1);
  char c;
  while (read(stop_fd, &c, 1) > 0) {
  }
  plan_server->reset();
  std::_Exit(0);
}

int main(int argc, char** argv) {
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
  const int threads = 8;
  int ready[2], stop[2];
  if (pipe(ready) != 0 || pipe(stop) != 0) return 1;
  const pid_t child = fork();
  if (child == 0) {
    close(ready[0]);
    close(stop[1]);
    RunServers(db_path, threads, ready[1], stop[0]);
  }
  close(ready[1]);
  close(stop[0]);
  ServerPorts ports;
  if (read(ready[0], &ports, sizeof ports) != sizeof ports) {
    std::fprintf(stderr, "servers failed to start\n");
    return 1;
  }
  std::printf("machine: %u cores; servers in pid %d, client with %d threads\n",
              std::thread::hardware_concurrency(), child, client_threads);

  std::vector<std::unique_ptr<pb::PlanService::Stub>> plan_stubs;
  std::vector<std::unique_ptr<eb::Echo::Stub>> echo_stubs;
  for (int t = 0; t < client_threads; ++t) {
    grpc::ChannelArguments args;
    args.SetInt("sokei.bench.connection", t);  // a distinct connection per client thread
    args.SetMaxReceiveMessageSize(64 << 20);
    plan_stubs.push_back(pb::PlanService::NewStub(grpc::CreateCustomChannel(
        absl::StrCat("127.0.0.1:", ports.plan), grpc::InsecureChannelCredentials(), args)));
    echo_stubs.push_back(eb::Echo::NewStub(grpc::CreateCustomChannel(
        absl::StrCat("127.0.0.1:", ports.echo), grpc::InsecureChannelCredentials(), args)));
  }
  auto* plan_stub = plan_stubs.front().get();
  auto plan_stub_channel =
      grpc::CreateCustomChannel(absl::StrCat("127.0.0.1:", ports.plan),
                                grpc::InsecureChannelCredentials(), grpc::ChannelArguments());
  const std::string m = "municipalities/142140";
  BuildSyntheticPlan(plan_stub, m);

  std::printf(
      "\nGetNode vs. echo (CQ async, 1 server thread), %d alternating runs of %.1f s, medians\n",
      runs, seconds);
  std::printf("%-10s %12s %12s %8s %8s\n", "in flight", "echo QPS", "GetNode QPS", "ratio",
              "target");
  eb::EchoMessage echo_req;
  echo_req.set_text("municipalities/142140/plans/big/nodes/n1000");
  pb::GetNodeRequest node_req;
  node_req.set_name("municipalities/142140/plans/big/nodes/n1000");
  for (int in_flight : {8, 64}) {
    std::vector<double> e, g;
    for (int r = 0; r < runs; ++r) {
      e.push_back(MeasureQps(echo_stubs, &eb::Echo::Stub::PrepareAsyncEcho, echo_req, in_flight,
                             seconds, false));
      g.push_back(MeasureQps(plan_stubs, &pb::PlanService::Stub::PrepareAsyncGetNode, node_req,
                             in_flight, seconds, true));
    }
    const double me = Median(e), mg = Median(g);
    std::printf("%-10d %12.0f %12.0f %7.0f%% %8s\n", in_flight, me, mg, 100 * mg / me, ">= 60%");
  }

  std::printf("\nGetPlanTree (2,000 nodes, 20 packages, uncached), %d sequential calls\n",
              tree_calls);
  pb::GetPlanTreeRequest tree_req;
  tree_req.set_name("municipalities/142140/plans/big");
  std::vector<double> ms;
  size_t bytes = 0;
  for (int i = 0; i < tree_calls; ++i) {
    grpc::ClientContext ctx;
    ctx.AddMetadata("x-sokei-subject", "bench");
    ctx.AddMetadata("x-sokei-roles", "viewer");
    ctx.AddMetadata("x-sokei-municipality", "142140");
    pb::PlanTree tree;
    const auto t0 = Clock::now();
    grpc::Status s = plan_stub->GetPlanTree(&ctx, tree_req, &tree);
    ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
    if (!s.ok()) {
      std::fprintf(stderr, "GetPlanTree failed: %s\n", s.error_message().c_str());
      return 1;
    }
    bytes = tree.ByteSizeLong();
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
      ctx.AddMetadata("x-sokei-subject", "bench");
      ctx.AddMetadata("x-sokei-roles", "viewer");
      ctx.AddMetadata("x-sokei-municipality", "142140");
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
      {
        google::protobuf::Arena arena;  // as the gRPC runtime calls it
        auto* tree = google::protobuf::Arena::CreateMessage<pb::PlanTree>(&arena);
        if (!domain.GetPlanTree(viewer, tree_req, tree).ok()) return 1;
      }
      domain_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
    }
  }
  std::printf("%-18s %10s %10s %12s %8s\n", "", "p50 ms", "p99 ms", "response KB", "target");
  std::printf("%-18s %10.2f %10.2f %12.0f %8s\n", "GetPlanTree (gRPC)", Percentile(ms, 0.5),
              Percentile(ms, 0.99), bytes / 1024.0, "p50<=5");
  std::printf("%-18s %10.2f %10.2f %12s %8s\n", "  bytes, no parse", Percentile(raw_ms, 0.5),
              Percentile(raw_ms, 0.99), "", "");
  std::printf("%-18s %10.2f %10.2f %12s %8s\n", "  domain only", Percentile(domain_ms, 0.5),
              Percentile(domain_ms, 0.99), "", "");
  close(stop[1]);
  int status = 0;
  waitpid(child, &status, 0);
  std::filesystem::remove_all(dir);
  return 0;
}
