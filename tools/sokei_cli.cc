// sokei: the command-line client. Talks gRPC to the services; prints what a person can read, or
// --json for scripts. Errors show the status reason and the offending field, not a stack of codes.
#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "bundle.pb.h"
#include "common/config/config.h"
#include "common/grpcx/server.h"
#include "common/jp/text.h"
#include "common/status/grpc_status.h"
#include "common/status/status.h"
#include "sokei/plan/v1/plan_service.grpc.pb.h"
#include "tools/arguments.h"
#include "tools/cli_util.h"
#include "tools/kpi_commands.h"
#include "tools/oidc_login.h"
#include "tools/survey_commands.h"

namespace {

namespace pb = sokei::plan::v1;
using sokei::cli::Fail;
using sokei::cli::PrintJson;
using sokei::tools::v1::Bundle;

struct Options {
  std::string addr = sokei::config::EnvOr("SOKEI_PLAN_ADDR", "127.0.0.1:50051");
  bool json = false;
  int timeout_ms = 10000;
  std::map<std::string, std::string> flags;  // --dept=…, --plan=…
  std::vector<std::string> args;
};

const char kUsage[] = R"(usage: sokei [--profile NAME] [--addr=host:port] [--json] COMMAND

  plans list [MUNICIPALITY]        plans of one municipality (6-digit code), or of every one you see
  plan tree PLAN                   the plan as an indented tree (PLAN = municipalities/142140/plans/…)
  plan matrix PLAN [--level=N]     packages × nodes (重点プロジェクト ↔ 施策)
  plan revise PLAN --id NEW_ID [--label 令和7年度改定]
                                   the next version (ローリング): a DRAFT copy, lineage filled in,
                                   the indicators carried on to the continued nodes
  plan diff PLAN --base BASE       what changed since BASE: nodes added, removed, renamed, moved,
                                   split, merged (by lineage); indicators added, removed, renamed,
                                   moved, with another unit or other targets
  nodes search [--plan=PLAN | --municipality=CODE] [--dept=DEPT] [--sdg=N] [--tag=T] [--level=N] WORDS…
                                   text search, width- and case-insensitive
  audit MUNICIPALITY               recent changes
  load FILE.json…                  load plan bundles (idempotent: loading twice changes nothing)

  import progress-table FILE --plan PLAN [--encoding cp932|utf8] [--year N] [--dry-run]
                         [--allow-partial] [--map HEADER=FIELD]…
                                   the city's 進捗管理表 (TSV/CSV, UTF-8 or CP932) into the plan
  export progress-table --plan PLAN --year N [--format tsv|csv|sjis|xlsx] [--out FILE]
  import cost-table FILE --plan PLAN [--year N] [--rate YEN_PER_FTE] [--dry-run]
                                   the 財務会計システム's 予算・決算 export (円 or 千円) into the 事業's
                                   costs; --rate sets the year's 人件費単価 (円 per 人工)
  summary --plan PLAN --year N [--level N]
                                   grades, roll-ups and indicators needing attention
  indicator history INDICATOR      every year: target as it was, actual, achievement, trend
  evaluation create|advance|report …   see `sokei evaluation` for details

  survey demo [--year N] [--respondents N] [--shift X] [--kpi-link]
                                   the deterministic Isehara 市民意識調査 (idempotent)
  survey import SURVEY FILE.csv [--encoding cp932|utf-8] [--dry-run] [--replace] [--allow-partial]
  survey stats QUESTION [--weighted] [--published]
  survey crosstab QUESTION --by ATTR[,ATTR] [--weighted] [--published] [--tsv]
  survey cs SURVEY [--index improvement_index|z_gap] [--deviation] [--weighted] [--tsv]
  survey compare QUESTION BASELINE_QUESTION
  survey publish SURVEY            freeze the results, record survey-derived KPI actuals

Without a profile the commands call the services directly (dev mode, as scripts/run.sh runs them):
SOKEI_PLAN_ADDR (default 127.0.0.1:50051), SOKEI_KPI_ADDR (default 127.0.0.1:50052),
SOKEI_SURVEY_ADDR (default 127.0.0.1:50053). With --profile NAME (or SOKEI_PROFILE, or the file's
"current") every call goes to that profile's gateway with its token. Profiles are JSON at
$SOKEI_CONFIG (default ~/.config/sokei/profiles.json):
  {"current": "isehara",
   "profiles": {"isehara": {"gateway": "sokei.city.example.lg.jp:443", "tls": true,
                            "caFile": "/etc/ssl/city-ca.pem", "tokenFile": "~/.sokei-token"}}}
("tokenEnv": "VAR" takes the token from an environment variable instead). With
"oidc": {"issuer": "https://idp.city.example.lg.jp", "clientId": "sokei-cli"} in a profile,
  sokei --profile NAME login       signs in with the provider's device code (a code to enter in a
                                   browser) and saves the token to the profile's tokenFile
)";

class Client {
 public:
  explicit Client(const Options& o)
      : o_(o),
        stub_(pb::PlanService::NewStub(
            sokei::cli::CurrentConnection().profile.empty()
                ? sokei::grpcx::MakeChannel(o.addr, 64 << 20)
                : sokei::cli::CurrentConnection().Channel("SOKEI_PLAN_ADDR", "127.0.0.1:50051"))) {}

  template <typename Req, typename Resp>
  absl::Status Call(grpc::Status (pb::PlanService::Stub::*fn)(grpc::ClientContext*, const Req&,
                                                              Resp*),
                    const Req& req, Resp* resp) {
    grpc::ClientContext ctx;
    sokei::grpcx::SetTimeout(&ctx, o_.timeout_ms);
    sokei::cli::CurrentConnection().Prepare(&ctx);
    return sokei::status::FromGrpc(((*stub_).*fn)(&ctx, req, resp));
  }
  pb::PlanService::Stub& stub() { return *stub_; }

 private:
  const Options& o_;
  std::unique_ptr<pb::PlanService::Stub> stub_;
};

std::string MunicipalityName(const std::string& arg) {
  return absl::StartsWith(arg, "municipalities/") ? arg : absl::StrCat("municipalities/", arg);
}

int PlansList(Client& c, const Options& o) {
  std::vector<std::string> municipalities;
  if (!o.args.empty()) {
    municipalities.push_back(MunicipalityName(o.args[0]));
  } else {
    pb::ListMunicipalitiesRequest req;
    req.set_page_size(500);
    pb::ListMunicipalitiesResponse resp;
    if (auto s = c.Call(&pb::PlanService::Stub::ListMunicipalities, req, &resp); !s.ok())
      return Fail(s);
    for (const auto& m : resp.municipalities()) municipalities.push_back(m.name());
  }
  pb::ListPlansResponse all;
  for (const auto& m : municipalities) {
    std::string token;
    do {
      pb::ListPlansRequest req;
      req.set_parent(m);
      req.set_page_size(500);
      req.set_page_token(token);
      pb::ListPlansResponse resp;
      if (auto s = c.Call(&pb::PlanService::Stub::ListPlans, req, &resp); !s.ok()) return Fail(s);
      for (const auto& p : resp.plans()) *all.add_plans() = p;
      token = resp.next_page_token();
    } while (!token.empty());
  }
  if (o.json) {
    PrintJson(all);
    return 0;
  }
  for (const auto& p : all.plans()) {
    std::printf("%-48s %s  (%d–%d, %s)\n", p.name().c_str(), p.display_name().c_str(),
                p.period().start_year(), p.period().end_year(),
                pb::PlanStatus_Name(p.status()).substr(12).c_str());
  }
  if (all.plans_size() == 0) std::printf("(no plans)\n");
  return 0;
}

std::string Tail(const std::string& name) { return name.substr(name.rfind('/') + 1); }

int PlanTree(Client& c, const Options& o) {
  if (o.args.empty()) {
    std::fprintf(stderr, "usage: sokei plan tree PLAN\n");
    return 2;
  }
  pb::GetPlanTreeRequest req;
  req.set_name(o.args[0]);
  pb::PlanTree tree;
  if (auto s = c.Call(&pb::PlanService::Stub::GetPlanTree, req, &tree); !s.ok()) return Fail(s);
  if (o.json) {
    PrintJson(tree);
    return 0;
  }
  const auto& plan = tree.plan();
  std::printf("%s  (%d–%d)\n", plan.display_name().c_str(), plan.period().start_year(),
              plan.period().end_year());
  std::vector<std::string> labels;
  for (const auto& l : tree.levels()) labels.push_back(l.display_name());
  std::printf("levels: %s\n\n", absl::StrJoin(labels, " → ").c_str());
  for (const auto& tn : tree.nodes()) {
    const auto& n = tn.node();
    std::string extra;
    std::vector<std::string> depts;
    for (const auto& d : n.departments()) depts.push_back(Tail(d.department()));
    if (!depts.empty()) absl::StrAppend(&extra, "  [", absl::StrJoin(depts, ","), "]");
    if (n.sdg_goals_size() > 0)
      absl::StrAppend(&extra, "  SDG ", absl::StrJoin(n.sdg_goals(), ","));
    if (n.tags_size() > 0) absl::StrAppend(&extra, "  #", absl::StrJoin(n.tags(), " #"));
    const std::string level =
        n.level() <= static_cast<int>(labels.size()) ? labels[n.level() - 1] : "";
    std::printf("%s%s %s  〈%s〉%s\n", std::string((n.level() - 1) * 2, ' ').c_str(),
                n.code().c_str(), n.display_name().c_str(), level.c_str(), extra.c_str());
  }
  if (tree.packages_size() > 0) {
    std::printf("\npackages:\n");
    std::map<std::string, int> link_counts;
    for (const auto& p : tree.link_packages()) link_counts[p]++;
    for (const auto& p : tree.packages()) {
      std::printf("%s%s %s  〈%s〉 %d link(s)\n", p.parent().empty() ? "  " : "    ",
                  p.code().c_str(), p.display_name().c_str(), p.kind_label().c_str(),
                  link_counts[p.name()]);
    }
  }
  return 0;
}

int PlanMatrix(Client& c, const Options& o) {
  if (o.args.empty()) {
    std::fprintf(stderr, "usage: sokei plan matrix PLAN [--level=N]\n");
    return 2;
  }
  pb::GetPackageMatrixRequest req;
  req.set_plan(o.args[0]);
  if (o.flags.count("level")) req.set_level(std::atoi(o.flags.at("level").c_str()));
  pb::PackageMatrix m;
  if (auto s = c.Call(&pb::PlanService::Stub::GetPackageMatrix, req, &m); !s.ok()) return Fail(s);
  if (o.json) {
    PrintJson(m);
    return 0;
  }
  for (int i = 0; i < m.packages_size(); ++i) {
    std::printf("P%d = %s %s\n", i + 1, m.packages(i).code().c_str(),
                m.packages(i).display_name().c_str());
  }
  std::printf("\n");
  for (const auto& row : m.rows()) {
    std::string marks;
    for (int i = 0; i < m.packages_size(); ++i) {
      bool hit = false;
      for (const auto& cell : row.cells()) hit |= cell.package() == m.packages(i).name();
      absl::StrAppend(&marks, hit ? " ●" : " ・");
    }
    std::printf("%s  %s %s\n", marks.c_str(), row.node().code().c_str(),
                row.node().display_name().c_str());
  }
  return 0;
}

int PlanRevise(Client& c, const Options& o) {
  if (o.args.empty() || !o.flags.count("id")) {
    std::fprintf(stderr, "usage: sokei plan revise PLAN --id NEW_ID [--label LABEL]\n");
    return 2;
  }
  pb::RevisePlanRequest req;
  req.set_name(o.args[0]);
  req.set_new_plan_id(o.flags.at("id"));
  if (o.flags.count("label")) req.set_version_label(o.flags.at("label"));
  pb::Plan plan;
  if (auto s = c.Call(&pb::PlanService::Stub::RevisePlan, req, &plan); !s.ok()) return Fail(s);
  // The indicators go on measuring the nodes the revision continues.
  auto carried = sokei::cli::KpiCarryIndicators(plan.name(), req.name(),
                                                absl::StrCat("revise-carry-", plan.name()));
  if (!carried.ok()) return Fail(carried.status());
  if (o.json) {
    PrintJson(plan);
    return 0;
  }
  std::printf("%s  %s %s (draft, supersedes %s)\n", plan.name().c_str(),
              plan.display_name().c_str(), plan.version_label().c_str(), plan.supersedes().c_str());
  std::printf("%d indicator(s) carried on", carried->carried_size());
  if (carried->not_carried_size() > 0) {
    std::printf("; %d left to a person (their node was split or is gone):",
                carried->not_carried_size());
    for (const auto& n : carried->not_carried()) std::printf(" %s", n.c_str());
  }
  std::printf("\n");
  return 0;
}

int PlanDiff(Client& c, const Options& o) {
  if (o.args.empty() || !o.flags.count("base")) {
    std::fprintf(stderr, "usage: sokei plan diff PLAN --base BASE\n");
    return 2;
  }
  pb::DiffPlansRequest req;
  req.set_plan(o.args[0]);
  req.set_base(o.flags.at("base"));
  pb::PlanDiff diff;
  if (auto s = c.Call(&pb::PlanService::Stub::DiffPlans, req, &diff); !s.ok()) return Fail(s);
  auto indicators = sokei::cli::KpiIndicatorDiff(req.plan(), req.base());
  if (!indicators.ok()) return Fail(indicators.status());
  if (o.json) {  // one document: {"nodes": PlanDiff, "indicators": IndicatorDiff}
    std::cout << "{\"nodes\": ";
    PrintJson(diff);
    std::cout << ", \"indicators\": ";
    PrintJson(*indicators);
    std::cout << "}\n";
    return 0;
  }
  static const std::map<pb::NodeChangeKind, const char*> kWords = {
      {pb::NODE_CHANGE_KIND_ADDED, "新設"},
      {pb::NODE_CHANGE_KIND_REMOVED, "廃止"},
      {pb::NODE_CHANGE_KIND_RENAMED, "名称・番号変更"},
      {pb::NODE_CHANGE_KIND_MOVED, "移動"},
      {pb::NODE_CHANGE_KIND_SPLIT, "分割"},
      {pb::NODE_CHANGE_KIND_MERGED, "統合"}};
  for (const auto& ch : diff.changes()) {
    auto it = kWords.find(ch.kind());
    const char* word = it == kWords.end() ? "?" : it->second;
    if (ch.before().empty()) {
      std::printf("%s  %s\n", word, ch.after().c_str());
    } else if (ch.after().empty()) {
      std::printf("%s  %s\n", word, ch.before().c_str());
    } else {
      std::printf("%s  %s → %s\n", word, ch.before().c_str(), ch.after().c_str());
    }
  }
  std::printf("%d change(s), %d node(s) unchanged\n", diff.changes_size(), diff.unchanged());
  static const std::map<sokei::kpi::v1::IndicatorChangeKind, const char*> kIndicatorWords = {
      {sokei::kpi::v1::INDICATOR_CHANGE_KIND_ADDED, "指標追加"},
      {sokei::kpi::v1::INDICATOR_CHANGE_KIND_REMOVED, "指標削除"},
      {sokei::kpi::v1::INDICATOR_CHANGE_KIND_RENAMED, "指標名・番号変更"},
      {sokei::kpi::v1::INDICATOR_CHANGE_KIND_MOVED, "指標の施策変更"},
      {sokei::kpi::v1::INDICATOR_CHANGE_KIND_UNIT_CHANGED, "単位変更"},
      {sokei::kpi::v1::INDICATOR_CHANGE_KIND_RETARGETED, "目標値変更"}};
  for (const auto& ch : indicators->changes()) {
    auto it = kIndicatorWords.find(ch.kind());
    std::printf("%s  %s %s: %s → %s\n", it == kIndicatorWords.end() ? "?" : it->second,
                ch.code().c_str(), ch.display_name().c_str(),
                ch.before().empty() ? "—" : ch.before().c_str(),
                ch.after().empty() ? "—" : ch.after().c_str());
  }
  std::printf("%d indicator change(s), %d indicator(s) unchanged\n", indicators->changes_size(),
              indicators->unchanged());
  return 0;
}

int NodesSearch(Client& c, const Options& o) {
  pb::SearchNodesRequest req;
  if (o.flags.count("plan")) {
    req.set_parent(o.flags.at("plan"));
  } else if (o.flags.count("municipality")) {
    req.set_parent(absl::StrCat(MunicipalityName(o.flags.at("municipality")), "/plans/-"));
  } else {
    std::fprintf(stderr, "nodes search needs --plan=PLAN or --municipality=CODE\n");
    return 2;
  }
  req.set_query(absl::StrJoin(o.args, " "));
  if (o.flags.count("dept")) {
    const std::string& d = o.flags.at("dept");
    req.set_department(absl::StrContains(d, "/")
                           ? d
                           : absl::StrCat(req.parent().substr(0, req.parent().find("/plans/")),
                                          "/departments/", d));
  }
  if (o.flags.count("sdg")) req.set_sdg_goal(std::atoi(o.flags.at("sdg").c_str()));
  if (o.flags.count("tag")) req.set_tag(o.flags.at("tag"));
  if (o.flags.count("level")) req.set_level(std::atoi(o.flags.at("level").c_str()));
  req.set_page_size(500);
  pb::SearchNodesResponse resp;
  if (auto s = c.Call(&pb::PlanService::Stub::SearchNodes, req, &resp); !s.ok()) return Fail(s);
  if (o.json) {
    PrintJson(resp);
    return 0;
  }
  for (const auto& n : resp.nodes()) {
    std::printf("%-10s %s\n           %s\n", n.code().c_str(), n.display_name().c_str(),
                n.name().c_str());
  }
  std::printf("%d node(s)\n", resp.nodes_size());
  return 0;
}

// The recent changes of a municipality in all three services, newest first.
int Audit(Client& c, const Options& o) {
  if (o.args.empty()) {
    std::fprintf(stderr, "usage: sokei audit MUNICIPALITY\n");
    return 2;
  }
  const std::string m = MunicipalityName(o.args[0]);
  pb::ListAuditEventsRequest req;
  req.set_parent(m);
  req.set_page_size(50);
  pb::ListAuditEventsResponse all;
  // A service that does not answer is named on stderr; the others' events are still shown.
  int answered = 0;
  absl::Status last;
  auto note = [&](const char* service, const absl::Status& s) {
    last = s;
    std::fprintf(stderr, "(the %s service's changes are missing: %s)\n", service,
                 std::string(s.message()).c_str());
  };
  if (auto s = c.Call(&pb::PlanService::Stub::ListAuditEvents, req, &all); s.ok()) {
    ++answered;
  } else if (s.code() == absl::StatusCode::kUnavailable) {
    note("plan", s);
  } else {
    return Fail(s);
  }
  for (const auto& [service, events] :
       {std::make_pair("KPI", sokei::cli::KpiAuditEvents(m, 50)),
        std::make_pair("survey", sokei::cli::SurveyAuditEvents(m, 50))}) {
    if (events.ok()) {
      ++answered;
      for (const auto& e : *events) *all.add_audit_events() = e;
    } else if (events.status().code() == absl::StatusCode::kUnavailable) {
      note(service, events.status());
    } else {
      return Fail(events.status());
    }
  }
  if (answered == 0) return Fail(last);
  std::stable_sort(all.mutable_audit_events()->begin(), all.mutable_audit_events()->end(),
                   [](const auto& a, const auto& b) {
                     return std::make_pair(a.time().seconds(), a.time().nanos()) >
                            std::make_pair(b.time().seconds(), b.time().nanos());
                   });
  if (o.json) {
    PrintJson(all);
    return 0;
  }
  for (const auto& e : all.audit_events()) {
    const absl::Time t = absl::FromUnixSeconds(e.time().seconds());
    std::printf("%s  %s %s %s\n",
                absl::FormatTime("%Y-%m-%d %H:%M:%S JST", t, absl::FixedTimeZone(9 * 3600)).c_str(),
                sokei::jp::PadToWidth(e.actor(), 8).c_str(),
                sokei::jp::PadToWidth(e.method(), 20).c_str(), e.resource().c_str());
  }
  return 0;
}

// ---- load ----

template <typename Resp, typename Req>
absl::Status Create(Client& c,
                    grpc::Status (pb::PlanService::Stub::*fn)(grpc::ClientContext*, const Req&,
                                                              Resp*),
                    const Req& req, int* created, int* existing) {
  Resp resp;
  absl::Status s = c.Call(fn, req, &resp);
  if (s.ok()) {
    ++*created;
    return s;
  }
  if (s.code() == absl::StatusCode::kAlreadyExists) {
    ++*existing;
    return absl::OkStatus();
  }
  return s;
}

int LoadBundle(Client& c, const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    std::fprintf(stderr, "cannot read %s\n", path.c_str());
    return 2;
  }
  std::stringstream buf;
  buf << in.rdbuf();
  Bundle b;
  auto js = google::protobuf::util::JsonStringToMessage(buf.str(), &b);
  if (!js.ok()) {
    std::fprintf(stderr, "%s: not a plan bundle: %s\n", path.c_str(), js.ToString().c_str());
    return 2;
  }
  const std::string m = absl::StrCat("municipalities/", b.municipality_id());
  const std::string plan = absl::StrCat(m, "/plans/", b.plan_id());
  int created = 0, existing = 0;
  auto fail = [&](const absl::Status& s, const std::string& what) {
    std::fprintf(stderr, "%s: while loading %s\n", path.c_str(), what.c_str());
    return Fail(s);
  };
  {
    pb::CreateMunicipalityRequest req;
    req.set_municipality_id(b.municipality_id());
    req.mutable_municipality()->set_display_name(b.municipality_title());
    req.mutable_municipality()->set_prefecture(b.prefecture());
    if (auto s = Create(c, &pb::PlanService::Stub::CreateMunicipality, req, &created, &existing);
        !s.ok())
      return fail(s, m);
  }
  for (const auto& d : b.departments()) {
    pb::CreateDepartmentRequest req;
    req.set_parent(m);
    req.set_department_id(d.id());
    req.mutable_department()->set_code(d.code());
    req.mutable_department()->set_display_name(d.title());
    if (auto s = Create(c, &pb::PlanService::Stub::CreateDepartment, req, &created, &existing);
        !s.ok())
      return fail(s, d.id());
  }
  {
    pb::CreatePlanRequest req;
    req.set_parent(m);
    req.set_plan_id(b.plan_id());
    *req.mutable_plan() = b.plan();
    if (auto s = Create(c, &pb::PlanService::Stub::CreatePlan, req, &created, &existing); !s.ok())
      return fail(s, plan);
  }
  std::map<std::string, int> level;
  pb::BatchCreateNodesRequest batch;
  batch.set_parent(plan);
  for (const auto& n : b.nodes()) {
    const int lv = n.parent().empty() ? 1 : level[n.parent()] + 1;
    level[n.id()] = lv;
    // Skip nodes that already exist so that loading twice is a no-op.
    pb::GetNodeRequest get;
    get.set_name(absl::StrCat(plan, "/nodes/", n.id()));
    pb::Node got;
    if (c.Call(&pb::PlanService::Stub::GetNode, get, &got).ok()) {
      ++existing;
      continue;
    }
    auto* r = batch.add_requests();
    r->set_node_id(n.id());
    auto* node = r->mutable_node();
    node->set_code(n.code());
    node->set_display_name(n.title());
    node->set_level(lv);
    node->set_sort_key(static_cast<int>(level.size()));
    if (!n.parent().empty()) node->set_parent(absl::StrCat(plan, "/nodes/", n.parent()));
    *node->mutable_sections() = n.sections();
    *node->mutable_sdg_goals() = n.sdg_goals();
    *node->mutable_tags() = n.tags();
    for (const auto& d : n.owners()) {
      auto* a = node->add_departments();
      a->set_department(absl::StrCat(m, "/departments/", d));
      a->set_role(pb::DEPARTMENT_ROLE_OWNER);
    }
  }
  if (batch.requests_size() > 0) {
    pb::BatchCreateNodesResponse resp;
    if (auto s = c.Call(&pb::PlanService::Stub::BatchCreateNodes, batch, &resp); !s.ok())
      return fail(s, "nodes");
    created += resp.nodes_size();
  }
  int sort = 0;
  for (const auto& p : b.packages()) {
    pb::CreatePackageRequest req;
    req.set_parent(plan);
    req.set_package_id(p.id());
    auto* pkg = req.mutable_package();
    pkg->set_code(p.code());
    pkg->set_display_name(p.title());
    pkg->set_kind(p.kind());
    pkg->set_kind_label(p.kind_label());
    pkg->set_sort_key(++sort);
    if (!p.parent().empty()) pkg->set_parent(absl::StrCat(plan, "/packages/", p.parent()));
    *pkg->mutable_sections() = p.sections();
    *pkg->mutable_tags() = p.tags();
    *pkg->mutable_indicator_titles() = p.indicator_titles();
    if (auto s = Create(c, &pb::PlanService::Stub::CreatePackage, req, &created, &existing);
        !s.ok())
      return fail(s, p.id());
    for (const auto& node_id : p.nodes()) {
      pb::CreatePackageLinkRequest lr;
      lr.set_parent(absl::StrCat(plan, "/packages/", p.id()));
      lr.mutable_link()->set_node(absl::StrCat(plan, "/nodes/", node_id));
      lr.mutable_link()->set_role(pb::PACKAGE_LINK_ROLE_PRIMARY);
      if (auto s = Create(c, &pb::PlanService::Stub::CreatePackageLink, lr, &created, &existing);
          !s.ok()) {
        return fail(s, absl::StrCat(p.id(), " → ", node_id));
      }
    }
  }
  std::printf("%s: %s — %d created, %d already there\n", path.c_str(), plan.c_str(), created,
              existing);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  auto parsed = sokei::cli::ParseArguments(argc, argv);
  if (!parsed.ok()) {
    std::fprintf(stderr, "%s\n", std::string(parsed.status().message()).c_str());
    return 2;
  }
  if (parsed->help) {
    std::printf("%s", kUsage);
    return 0;
  }
  o.json = parsed->json;
  o.flags = parsed->flags;
  if (auto it = o.flags.find("addr"); it != o.flags.end()) o.addr = it->second;
  const std::vector<std::string>& words = parsed->words;
  if (words.empty()) {
    std::fprintf(stderr, "%s", kUsage);
    return 2;
  }
  if (words[0] == "login") {
    // Before the connection: the token it would read is what this command obtains.
    auto found = sokei::cli::FindProfile(sokei::cli::Flag(o.flags, "profile"));
    if (!found.ok() || found->name.empty()) {
      std::fprintf(stderr, "error: %s\n",
                   found.ok() ? "sokei login needs a profile (--profile NAME) with oidc settings"
                              : std::string(found.status().message()).c_str());
      return 2;
    }
    const absl::Status s = sokei::cli::DeviceLogin(found->name, found->profile);
    if (!s.ok()) std::fprintf(stderr, "error: %s\n", std::string(s.message()).c_str());
    return s.ok() ? 0 : 1;
  }
  auto connection = sokei::cli::LoadConnection(sokei::cli::Flag(o.flags, "profile"));
  if (!connection.ok()) {
    std::fprintf(stderr, "error: %s\n", std::string(connection.status().message()).c_str());
    return 2;
  }
  sokei::cli::SetCurrentConnection(std::move(*connection));
  Client c(o);
  auto take = [&](size_t n) { o.args.assign(words.begin() + static_cast<long>(n), words.end()); };
  const std::string cmd = words[0];
  const std::string sub = words.size() > 1 ? words[1] : "";
  if (cmd == "plans" && sub == "list") {
    take(2);
    return PlansList(c, o);
  }
  if (cmd == "plan" && sub == "tree") {
    take(2);
    return PlanTree(c, o);
  }
  if (cmd == "plan" && sub == "matrix") {
    take(2);
    return PlanMatrix(c, o);
  }
  if (cmd == "plan" && sub == "revise") {
    take(2);
    return PlanRevise(c, o);
  }
  if (cmd == "plan" && sub == "diff") {
    take(2);
    return PlanDiff(c, o);
  }
  if (cmd == "nodes" && sub == "search") {
    take(2);
    return NodesSearch(c, o);
  }
  if (cmd == "audit") {
    take(1);
    return Audit(c, o);
  }
  if (cmd == "import" || cmd == "export" || cmd == "summary" || cmd == "indicator" ||
      cmd == "evaluation") {
    return sokei::cli::RunKpiCommand(o.json, o.flags, words);
  }
  if (cmd == "survey") return sokei::cli::RunSurveyCommand(o.json, o.flags, words);
  if (cmd == "load") {
    take(1);
    int rc = 0;
    for (const auto& f : o.args) rc = std::max(rc, LoadBundle(c, f));
    return rc;
  }
  std::fprintf(stderr, "unknown command '%s'\n\n%s", cmd.c_str(), kUsage);
  return 2;
}
