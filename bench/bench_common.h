// Shared pieces of the benchmarks: the echo reference server, a closed-loop async load client,
// percentiles, and the synthetic 5-level plan.
#pragma once

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/test_identity.h"
#include "absl/strings/str_cat.h"
#include "echo.grpc.pb.h"
#include "sokei/plan/v1/plan_service.grpc.pb.h"

namespace sokei::bench {

using Clock = std::chrono::steady_clock;
namespace pb = sokei::plan::v1;
namespace eb = sokei::bench::v1;

// A channel of its own (distinct connection) to 127.0.0.1:port, with a large receive limit.
inline std::shared_ptr<grpc::Channel> BenchChannel(int port, int connection) {
  grpc::ChannelArguments args;
  args.SetInt("sokei.bench.connection", connection);
  args.SetMaxReceiveMessageSize(64 << 20);
  return grpc::CreateCustomChannel(absl::StrCat("127.0.0.1:", port),
                                   grpc::InsecureChannelCredentials(), args);
}

// The caller every benchmark request carries: a viewer of 伊勢原市.
inline void AddViewerPrincipal(grpc::ClientContext* ctx) {
  sokei::testing::AddSignedMetadata(ctx, "bench", "viewer", "142140");
}

// Runs `serve(ready_fd, stop_fd)` in a forked child (before any gRPC state exists in the parent),
// so client and servers share the machine but not a process. `serve` writes a Ports struct to
// ready_fd and returns when stop_fd closes. Returns false when the child did not report.
template <class Ports, class Serve>
bool ForkServers(Serve serve, Ports* ports, pid_t* child, int* stop_writer) {
  // The identity keys are made before the fork, so the child's services trust the parent's
  // signed calls (each process would otherwise make its own pair).
  (void)sokei::testing::TestIdentity();
  int ready[2], stop[2];
  if (pipe(ready) != 0 || pipe(stop) != 0) return false;
  *child = fork();
  if (*child == 0) {
    close(ready[0]);
    close(stop[1]);
    serve(ready[1], stop[0]);
    std::_Exit(0);
  }
  close(ready[1]);
  close(stop[0]);
  *stop_writer = stop[1];
  return read(ready[0], ports, sizeof *ports) == static_cast<ssize_t>(sizeof *ports);
}

struct LoadResult {
  double qps = 0;
  double p50_ms = 0;
  double p99_ms = 0;
};

inline double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

inline double Percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[std::min(v.size() - 1, static_cast<size_t>(p * v.size()))];
}

// ---- synthetic plan: 5 levels, 2,000 nodes, 20 packages linked to 200 nodes ----

// ---- the reference: async echo server, one completion-queue thread ----
// An echo's reply: `reply_bytes` bytes when asked for (the large-payload reference), else the
// request itself.
inline eb::EchoMessage EchoReply(const eb::EchoMessage& req) {
  if (req.reply_bytes() <= 0) return req;
  eb::EchoMessage reply;
  reply.set_text(std::string(static_cast<size_t>(req.reply_bytes()), 'x'));
  return reply;
}

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
      c->writer.Finish(EchoReply(c->req), grpc::Status::OK, c);
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
// A closed-loop load: `threads` threads, each with its own completion queue, keeping
// in_flight/threads calls outstanding for `seconds`. `prepare(thread, ctx, cq)` starts no call:
// it prepares one on the thread's stub.
template <typename Resp>
LoadResult MeasureLoadWith(
    int threads,
    const std::function<std::unique_ptr<grpc::ClientAsyncResponseReader<Resp>>(
        int, grpc::ClientContext*, grpc::CompletionQueue*)>& prepare,
    int in_flight, double seconds, bool with_principal) {
  struct Call {
    grpc::ClientContext ctx;
    Resp resp;
    grpc::Status status;
    std::unique_ptr<grpc::ClientAsyncResponseReader<Resp>> rpc;
    Clock::time_point start = Clock::now();
  };
  std::vector<long> done(threads, 0), failed(threads, 0);
  std::vector<std::vector<double>> latencies(threads);
  const auto begin = Clock::now();
  const auto end = begin + std::chrono::duration<double>(seconds);
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      grpc::CompletionQueue cq;
      auto start_one = [&] {
        auto* c = new Call();
        if (with_principal) AddViewerPrincipal(&c->ctx);
        c->rpc = prepare(t, &c->ctx, &cq);
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
        latencies[t].push_back(
            std::chrono::duration<double, std::milli>(Clock::now() - c->start).count());
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
  if (total_failed > 0) {
    std::fprintf(stderr, "warning: %ld of %ld calls failed\n", total_failed, total);
  }
  std::vector<double> all;
  for (auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
  LoadResult r;
  r.qps = static_cast<double>(total - total_failed) / elapsed;
  r.p50_ms = Percentile(all, 0.5);
  r.p99_ms = Percentile(all, 0.99);
  return r;
}

// Typed calls: the client parses every reply.
template <typename Stub, typename Req, typename Resp>
LoadResult MeasureLoad(const std::vector<std::unique_ptr<Stub>>& stubs,
                       std::unique_ptr<grpc::ClientAsyncResponseReader<Resp>> (Stub::*prepare)(
                           grpc::ClientContext*, const Req&, grpc::CompletionQueue*),
                       const Req& req, int in_flight, double seconds, bool with_principal) {
  return MeasureLoadWith<Resp>(
      static_cast<int>(stubs.size()),
      [&](int t, grpc::ClientContext* ctx, grpc::CompletionQueue* cq) {
        return ((*stubs[t]).*prepare)(ctx, req, cq);
      },
      in_flight, seconds, with_principal);
}

// Bytes in, bytes out (as the gateway's passthrough forwards them): no parse on the client.
inline LoadResult MeasureLoadBytes(const std::vector<std::unique_ptr<grpc::GenericStub>>& stubs,
                                   const std::string& method, const google::protobuf::Message& req,
                                   int in_flight, double seconds, bool with_principal) {
  const std::string bytes = req.SerializeAsString();
  return MeasureLoadWith<grpc::ByteBuffer>(
      static_cast<int>(stubs.size()),
      [&](int t, grpc::ClientContext* ctx, grpc::CompletionQueue* cq) {
        grpc::Slice slice(bytes);
        grpc::ByteBuffer buffer(&slice, 1);
        return stubs[t]->PrepareUnaryCall(ctx, method, buffer, cq);
      },
      in_flight, seconds, with_principal);
}

inline void BuildSyntheticPlan(pb::PlanService::Stub* stub, const std::string& m) {
  auto call = [](auto fn) {
    grpc::ClientContext ctx;
    sokei::testing::AddSignedMetadata(&ctx, "bench", "admin", "*");
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

template <typename Stub, typename Req, typename Resp>
double MeasureQps(const std::vector<std::unique_ptr<Stub>>& stubs,
                  std::unique_ptr<grpc::ClientAsyncResponseReader<Resp>> (Stub::*prepare)(
                      grpc::ClientContext*, const Req&, grpc::CompletionQueue*),
                  const Req& req, int in_flight, double seconds, bool with_principal) {
  return MeasureLoad(stubs, prepare, req, in_flight, seconds, with_principal).qps;
}

}  // namespace sokei::bench
