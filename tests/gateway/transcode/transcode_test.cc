// The gateway's transcoding core against the real contract: path templates (parsing, matching,
// percent-decoding, verbs), the route table compiled from every linked sokei service (no
// duplicates, every unary method reachable, 404 / 405), request binding (path, query of each field
// kind, body, PATCH mask derivation, refusals naming the field), and JSON rendering of replies and
// errors with the HTTP status of docs/architecture.md, "Errors on the wire".
#include <gtest/gtest.h>

#include "common/status/grpc_status.h"
#include "common/status/status.h"
#include "gateway/transcode/transcoder.h"
#include "sokei/kpi/v1/kpi_service.pb.h"
#include "sokei/plan/v1/plan_service.pb.h"
#include "sokei/survey/v1/survey_service.pb.h"

namespace sokei::gateway {
namespace {

using Bindings = std::vector<std::pair<std::string, std::string>>;

std::vector<const google::protobuf::ServiceDescriptor*> Services() {
  return {plan::v1::GetPlanRequest::descriptor()->file()->FindServiceByName("PlanService"),
          kpi::v1::GetIndicatorRequest::descriptor()->file()->FindServiceByName("KpiService"),
          survey::v1::GetSurveyRequest::descriptor()->file()->FindServiceByName("SurveyService")};
}

const RouteTable& Table() {
  static const RouteTable* table = [] {
    auto t = RouteTable::Build(Services());
    EXPECT_TRUE(t.ok()) << t.status();
    return new RouteTable(std::move(*t));
  }();
  return *table;
}

std::string Field(const absl::Status& s) {
  auto v = status::GetFieldViolations(s);
  return v.empty() ? "" : v.front().field;
}

TEST(PathTemplate, ParsesAndRefusesBadRules) {
  for (const char* ok :
       {"/v1/{name=municipalities/*/plans/*}:tree", "/v1/{parent=municipalities/*}/indicators",
        "/v1/{indicator.name=municipalities/*/indicators/*}", "/v1/files/{path=**}", "/v1/{id}",
        "/healthz"}) {
    EXPECT_TRUE(PathTemplate::Parse(ok).ok()) << ok;
  }
  for (const char* bad : {"v1/x", "/v1/{name", "/v1/name}", "/v1/{na-me}", "/v1/**/x", "/v1//x",
                          "/v1/{a}/{a}", "/v1/{a=b/{c}}", "/v1/x:", "/v1/a b"}) {
    EXPECT_FALSE(PathTemplate::Parse(bad).ok()) << bad;
  }
}

TEST(PathTemplate, MatchesMultiSegmentVariablesVerbsAndDecodes) {
  auto t = PathTemplate::Parse("/v1/{name=municipalities/*/plans/*}:tree");
  ASSERT_TRUE(t.ok());
  Bindings b;
  ASSERT_TRUE(t->Match("/v1/municipalities/142140/plans/next-basic-plan:tree", &b));
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].first, "name");
  EXPECT_EQ(b[0].second, "municipalities/142140/plans/next-basic-plan");
  EXPECT_FALSE(t->Match("/v1/municipalities/142140/plans/next-basic-plan", &b));
  EXPECT_FALSE(t->Match("/v1/municipalities/142140/plans/x:other", &b));
  EXPECT_FALSE(t->Match("/v1/municipalities/142140/plans/x/y:tree", &b));
  EXPECT_FALSE(t->Match("/v1/municipalities//plans/x:tree", &b));
  // A multi-segment variable keeps %2F encoded; a single-segment one decodes everything.
  ASSERT_TRUE(t->Match("/v1/municipalities/14%32140/plans/a%2Fb:tree", &b));
  EXPECT_EQ(b[0].second, "municipalities/142140/plans/a%2Fb");
  auto single = PathTemplate::Parse("/v1/things/{id}");
  ASSERT_TRUE(single.ok());
  ASSERT_TRUE(single->Match("/v1/things/%E4%BC%8A%2F", &b));
  EXPECT_EQ(b[0].second, "伊/");
  EXPECT_FALSE(single->Match("/v1/things/%E4%B", &b)) << "a malformed escape does not match";
  auto rest = PathTemplate::Parse("/v1/files/{path=**}");
  ASSERT_TRUE(rest.ok());
  ASSERT_TRUE(rest->Match("/v1/files/a/b/c", &b));
  EXPECT_EQ(b[0].second, "a/b/c");
  EXPECT_FALSE(rest->Match("/v1/files", &b));
}

TEST(RouteTable, EveryUnaryMethodOfEveryServiceHasARoute) {
  const auto& t = Table();
  std::set<std::string> routed;
  for (const auto& r : t.routes()) routed.insert(r.method->full_name());
  int unary = 0;
  for (const auto* svc : Services()) {
    for (int i = 0; i < svc->method_count(); ++i) {
      const auto* m = svc->method(i);
      if (m->client_streaming() || m->server_streaming()) {
        EXPECT_FALSE(routed.count(m->full_name())) << m->full_name();
        continue;
      }
      ++unary;
      EXPECT_TRUE(routed.count(m->full_name())) << m->full_name() << " has no REST form";
    }
  }
  EXPECT_GE(static_cast<int>(t.routes().size()), unary);
  EXPECT_GT(unary, 60);
}

TEST(RouteTable, FindsMostSpecificRouteAnd404And405) {
  const auto& t = Table();
  RouteTable::Match m;
  std::vector<std::string> allowed;
  ASSERT_EQ(t.Find("GET", "/v1/municipalities/142140/plans/next-basic-plan:tree", &m, &allowed),
            RouteTable::Outcome::kFound);
  EXPECT_EQ(m.route->method->name(), "GetPlanTree");
  ASSERT_EQ(t.Find("GET", "/v1/municipalities/142140/plans/next-basic-plan", &m, &allowed),
            RouteTable::Outcome::kFound);
  EXPECT_EQ(m.route->method->name(), "GetPlan");
  ASSERT_EQ(t.Find("PATCH", "/v1/municipalities/142140/indicators/x", &m, &allowed),
            RouteTable::Outcome::kFound);
  EXPECT_EQ(m.route->method->name(), "UpdateIndicator");
  EXPECT_EQ(m.bindings[0].first, "indicator.name");
  ASSERT_EQ(t.Find("GET", "/v1/municipalities/142140/surveys/s/analyses/cs", &m, &allowed),
            RouteTable::Outcome::kFound);
  EXPECT_EQ(m.route->method->full_name(), "sokei.survey.v1.SurveyService.RunCsAnalysis");
  EXPECT_EQ(m.route->grpc_path, "/sokei.survey.v1.SurveyService/RunCsAnalysis");
  EXPECT_EQ(t.Find("DELETE", "/v1/municipalities/142140/plans/p:tree", &m, &allowed),
            RouteTable::Outcome::kMethodNotAllowed);
  EXPECT_EQ(allowed, std::vector<std::string>{"GET"});
  EXPECT_EQ(t.Find("GET", "/v1/nothing/here", &m, &allowed), RouteTable::Outcome::kNotFound);
  EXPECT_EQ(t.Find("GET", "/v2/municipalities/142140/plans/p", &m, &allowed),
            RouteTable::Outcome::kNotFound);
}

TEST(RouteTable, RefusesADuplicateRule) {
  // The same service twice: every rule collides with itself.
  auto dup = RouteTable::Build({Services()[0], Services()[0]});
  EXPECT_FALSE(dup.ok());
  EXPECT_NE(dup.status().message().find("two routes"), std::string::npos);
}

absl::Status Bind(const std::string& method, const std::string& path, const std::string& query,
                  const std::string& body, std::unique_ptr<google::protobuf::Message>* out) {
  RouteTable::Match m;
  std::vector<std::string> allowed;
  if (Table().Find(method, path, &m, &allowed) != RouteTable::Outcome::kFound) {
    return absl::NotFoundError("no route");
  }
  out->reset(google::protobuf::MessageFactory::generated_factory()
                 ->GetPrototype(m.route->method->input_type())
                 ->New());
  return BindRequest(*m.route, m.bindings, query, body, out->get());
}

TEST(Binder, QueryParametersOfEachKind) {
  std::unique_ptr<google::protobuf::Message> req;
  ASSERT_TRUE(Bind("GET", "/v1/municipalities/142140/plans/p:kpiSummary",
                   "fiscalYear=2020&view=SUMMARY_VIEW_BASIC", "", &req)
                  .ok());
  auto* s = dynamic_cast<kpi::v1::GetPlanSummaryRequest*>(req.get());
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->plan(), "municipalities/142140/plans/p");
  EXPECT_EQ(s->fiscal_year(), 2020);
  EXPECT_EQ(s->view(), kpi::v1::SUMMARY_VIEW_BASIC);
  // snake_case names, repeated fields, booleans, enum numbers, + and %-escapes.
  ASSERT_TRUE(Bind("GET", "/v1/municipalities/142140/surveys/s/questions/q:crossTab",
                   "dimensions=district&dimensions=age&weighted=true&disclosure=1", "", &req)
                  .ok());
  auto* c = dynamic_cast<survey::v1::GetCrossTabRequest*>(req.get());
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->dimensions_size(), 2);
  EXPECT_TRUE(c->weighted());
  EXPECT_EQ(c->disclosure(), survey::v1::DISCLOSURE_PUBLISHED);
  ASSERT_TRUE(Bind("GET", "/v1/municipalities/142140/indicators",
                   "filter=code%3D%2206-101%22+AND+plan%3D%22x%22&page_size=5", "", &req)
                  .ok());
  auto* l = dynamic_cast<kpi::v1::ListIndicatorsRequest*>(req.get());
  ASSERT_NE(l, nullptr);
  EXPECT_EQ(l->filter(), "code=\"06-101\" AND plan=\"x\"");
  EXPECT_EQ(l->page_size(), 5);
  // Enum values also in the short form the docs show: format=xlsx, csv-cp932, any case.
  for (const auto& [given, wanted] :
       std::vector<std::pair<std::string, kpi::v1::TableFormat>>{
           {"xlsx", kpi::v1::TABLE_FORMAT_XLSX},
           {"csv-cp932", kpi::v1::TABLE_FORMAT_CSV_CP932},
           {"TSV", kpi::v1::TABLE_FORMAT_TSV},
           {"TABLE_FORMAT_CSV_UTF8_BOM", kpi::v1::TABLE_FORMAT_CSV_UTF8_BOM}}) {
    ASSERT_TRUE(Bind("GET", "/v1/municipalities/142140/plans/p:exportProgressTable",
                     "fiscalYear=2020&format=" + given, "", &req)
                    .ok())
        << given;
    auto* e = dynamic_cast<kpi::v1::ExportProgressTableRequest*>(req.get());
    ASSERT_NE(e, nullptr);
    EXPECT_EQ(e->format(), wanted) << given;
  }
  EXPECT_EQ(Field(Bind("GET", "/v1/municipalities/142140/plans/p:exportProgressTable",
                       "fiscalYear=2020&format=unspecified", "", &req)),
            "format");
  // Refusals name the parameter.
  EXPECT_EQ(Field(Bind("GET", "/v1/municipalities/142140/indicators", "pageSize=ten", "", &req)),
            "pageSize");
  EXPECT_EQ(Field(Bind("GET", "/v1/municipalities/142140/indicators", "colour=red", "", &req)),
            "colour");
  EXPECT_EQ(Field(Bind("GET", "/v1/municipalities/142140/indicators", "parent=municipalities/1", "",
                       &req)),
            "parent");
  EXPECT_EQ(Field(Bind("GET", "/v1/municipalities/142140/surveys/s/questions/q:crossTab",
                       "disclosure=SOMETIMES", "", &req)),
            "disclosure");
  EXPECT_EQ(Field(Bind("GET", "/v1/municipalities/142140/indicators", "filter=%zz", "", &req)),
            "filter");
  // Percent-decoded bytes that are not UTF-8 never reach a string field (query or path).
  EXPECT_EQ(Field(Bind("GET", "/v1/municipalities/142140/indicators", "filter=%FF%FE", "", &req)),
            "filter");
  EXPECT_EQ(Field(Bind("GET", "/v1/municipalities/142140/plans/p%F4%A5", "", "", &req)), "name");
  EXPECT_TRUE(
      Bind("GET", "/v1/municipalities/142140/indicators", "filter=%E5%9C%B0%E5%9F%9F", "", &req)
          .ok());
}

TEST(Binder, BodiesAndPatchMasks) {
  std::unique_ptr<google::protobuf::Message> req;
  // body "*": the whole request; the path wins over the body.
  ASSERT_TRUE(Bind("POST", "/v1/municipalities/142140/plans/p:importProgressTable", "",
                   R"({"parent":"municipalities/999999/plans/x","content":"44GC","dryRun":true})",
                   &req)
                  .ok());
  auto* imp = dynamic_cast<kpi::v1::ImportProgressTableRequest*>(req.get());
  ASSERT_NE(imp, nullptr);
  EXPECT_EQ(imp->parent(), "municipalities/142140/plans/p");
  EXPECT_TRUE(imp->dry_run());
  EXPECT_EQ(imp->content(), "あ");
  // Unknown JSON fields are refused; so is a query parameter where the body carries everything.
  EXPECT_EQ(Field(Bind("POST", "/v1/municipalities/142140/plans/p:importProgressTable", "",
                       R"({"contnet":"x"})", &req)),
            "body");
  EXPECT_EQ(Field(Bind("POST", "/v1/municipalities/142140/plans/p:importProgressTable",
                       "dryRun=true", "{}", &req)),
            "dryRun");
  EXPECT_EQ(Field(Bind("GET", "/v1/municipalities/142140/plans/p", "", "{}", &req)), "body");
  // PATCH without a mask: the mask is the body's keys; with one, it is the client's.
  ASSERT_TRUE(Bind("PATCH", "/v1/municipalities/142140/indicators/x", "",
                   R"({"displayName":"新しい名前","unit":"","baseline":{"label":"策定時"}})", &req)
                  .ok());
  auto* upd = dynamic_cast<kpi::v1::UpdateIndicatorRequest*>(req.get());
  ASSERT_NE(upd, nullptr);
  EXPECT_EQ(upd->indicator().name(), "municipalities/142140/indicators/x");
  EXPECT_EQ(upd->indicator().display_name(), "新しい名前");
  ASSERT_EQ(upd->update_mask().paths_size(), 3);
  EXPECT_EQ(upd->update_mask().paths(0), "baseline");
  EXPECT_EQ(upd->update_mask().paths(1), "display_name");
  EXPECT_EQ(upd->update_mask().paths(2), "unit");
  ASSERT_TRUE(Bind("PATCH", "/v1/municipalities/142140/indicators/x", "updateMask=unit",
                   R"({"displayName":"x","unit":"%"})", &req)
                  .ok());
  upd = dynamic_cast<kpi::v1::UpdateIndicatorRequest*>(req.get());
  ASSERT_EQ(upd->update_mask().paths_size(), 1);
  EXPECT_EQ(upd->update_mask().paths(0), "unit");
  EXPECT_EQ(Field(Bind("PATCH", "/v1/municipalities/142140/indicators/x", "indicator.unit=%25",
                       "{}", &req)),
            "indicator.unit");
}

TEST(Render, RepliesAndErrorsAsJsonWithTheirHttpStatus) {
  plan::v1::Plan p;
  p.set_name("municipalities/142140/plans/x");
  p.set_display_name("総合計画");
  p.set_kind(plan::v1::PLAN_KIND_COMPREHENSIVE);
  const std::string json = RenderJson(p);
  EXPECT_NE(json.find(R"("displayName":"総合計画")"), std::string::npos) << json;
  EXPECT_NE(json.find(R"("kind":"PLAN_KIND_COMPREHENSIVE")"), std::string::npos) << json;

  const absl::Status err = status::InvalidField("PLAN_INVALID", "plan.display_name", "is required");
  const std::string body = RenderError(status::ToGrpc(err));
  EXPECT_NE(body.find(R"("code":3)"), std::string::npos) << body;
  EXPECT_NE(body.find("PLAN_INVALID"), std::string::npos) << body;
  EXPECT_NE(body.find("plan.display_name"), std::string::npos) << body;
  EXPECT_NE(body.find("type.googleapis.com/google.rpc.BadRequest"), std::string::npos) << body;
  EXPECT_NE(RenderError(grpc::Status(grpc::StatusCode::UNAVAILABLE, "down")).find("down"),
            std::string::npos);

  const std::vector<std::pair<grpc::StatusCode, int>> table = {
      {grpc::StatusCode::OK, 200},
      {grpc::StatusCode::INVALID_ARGUMENT, 400},
      {grpc::StatusCode::FAILED_PRECONDITION, 400},
      {grpc::StatusCode::OUT_OF_RANGE, 400},
      {grpc::StatusCode::UNAUTHENTICATED, 401},
      {grpc::StatusCode::PERMISSION_DENIED, 403},
      {grpc::StatusCode::NOT_FOUND, 404},
      {grpc::StatusCode::ALREADY_EXISTS, 409},
      {grpc::StatusCode::ABORTED, 409},
      {grpc::StatusCode::RESOURCE_EXHAUSTED, 429},
      {grpc::StatusCode::CANCELLED, 499},
      {grpc::StatusCode::UNIMPLEMENTED, 501},
      {grpc::StatusCode::UNAVAILABLE, 503},
      {grpc::StatusCode::DEADLINE_EXCEEDED, 504},
      {grpc::StatusCode::INTERNAL, 500},
      {grpc::StatusCode::DATA_LOSS, 500},
      {grpc::StatusCode::UNKNOWN, 500}};
  for (auto [code, http] : table) EXPECT_EQ(HttpStatusFor(code), http) << code;
}

}  // namespace
}  // namespace sokei::gateway
