// The survey service over real gRPC on loopback, publishing into a real KPI service that calls a
// real plan service, each on its own database (SQLite files, or schemas on the PostgreSQL test
// cluster with SOKEI_TEST_BACKEND=postgres): the client-streaming import, errors with their
// details on the wire, the principal forwarded to the KPI service, and disclosure by role.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <set>

#include "absl/strings/str_cat.h"
#include "common/grpcx/upstream.h"
#include "common/status/grpc_status.h"
#include "common/status/status.h"
#include "demo/demo_survey.h"
#include "tests/support/plan_fixtures.h"
#include "tests/support/service_stack.h"
#include "tests/support/status_details.h"
#include "tests/support/survey_fixtures.h"
#include "tests/support/test_databases.h"
#include "tests/support/test_identity.h"

namespace sokei::survey {
namespace {

using sokei::testing::Reason;
constexpr char kM[] = "municipalities/142140";
constexpr char kPlan[] = "municipalities/142140/plans/next-basic-plan";
constexpr char kIndicator[] = "municipalities/142140/indicators/consult";

struct Caller {
  std::string subject = "planner-1";
  std::string roles = "planner";
  std::string municipality = "142140";
};

void Authorize(grpc::ClientContext* ctx, const Caller& who) {
  grpcx::SetTimeout(ctx, 60000);
  sokei::testing::AddSignedMetadata(ctx, who.subject, who.roles, who.municipality);
}

using Stack = sokei::testing::ServiceStack;
using sokei::testing::Addr;

class SurveyGrpcTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const std::string backend = sokei::testing::BackendFromEnv();
    auto s = Stack::Start(backend);
    if (s == nullptr) return;
    stack_ = s.release();

    // The plan with the node the indicator hangs on, and the indicator, through their APIs.
    const Caller admin{"root", "admin", "*"};
    auto plans = plan::v1::PlanService::NewStub(stack_->plan_channel);
    {
      grpc::ClientContext ctx;
      Authorize(&ctx, admin);
      plan::v1::CreateMunicipalityRequest m;
      m.set_municipality_id("142140");
      m.mutable_municipality()->set_display_name("伊勢原市");
      plan::v1::Municipality out;
      ASSERT_TRUE(plans->CreateMunicipality(&ctx, m, &out).ok());
    }
    {
      grpc::ClientContext ctx;
      Authorize(&ctx, admin);
      plan::v1::Plan out;
      ASSERT_TRUE(
          plans->CreatePlan(&ctx, sokei::testing::PlanRequest(kM, "next-basic-plan", 2), &out)
              .ok());
    }
    {
      grpc::ClientContext ctx;
      Authorize(&ctx, admin);
      plan::v1::CreateNodeRequest nr;
      nr.set_parent(kPlan);
      nr.set_node_id("f05");
      nr.mutable_node()->set_code("05");
      nr.mutable_node()->set_level(1);
      nr.mutable_node()->set_display_name("地域福祉");
      plan::v1::Node out;
      auto st = plans->CreateNode(&ctx, nr, &out);
      ASSERT_TRUE(st.ok()) << st.error_message();
    }
    {
      auto kpis = kpi::v1::KpiService::NewStub(stack_->kpi_channel);
      grpc::ClientContext ctx;
      Authorize(&ctx, Caller());
      const auto r = sokei::testing::ConsultIndicatorRequest(kM, kPlan);
      kpi::v1::Indicator out;
      auto st = kpis->CreateIndicator(&ctx, r, &out);
      ASSERT_TRUE(st.ok()) << st.error_message();
    }
  }

  static void TearDownTestSuite() {
    delete stack_;
    stack_ = nullptr;
  }

  void SetUp() override {
    if (stack_ == nullptr) GTEST_SKIP() << "no PostgreSQL test cluster (scripts/test.sh)";
    stub_ = pb::SurveyService::NewStub(stack_->survey_channel);
  }

  template <typename Req, typename Resp>
  absl::Status Call(grpc::Status (pb::SurveyService::Stub::*fn)(grpc::ClientContext*, const Req&,
                                                                Resp*),
                    const Req& req, Resp* resp, const Caller& who = Caller()) {
    grpc::ClientContext ctx;
    Authorize(&ctx, who);
    return status::FromGrpc(((*stub_).*fn)(&ctx, req, resp));
  }

  // Defines a survey and its questionnaire over gRPC; returns the demo CSV.
  std::string Define(const std::string& id, int respondents, bool link) {
    demo::DemoOptions o;
    o.respondents = respondents;
    if (link) o.consult_indicator = kIndicator;
    auto d = demo::MakeIseharaSurvey(o);
    pb::CreateSurveyRequest cs;
    cs.set_parent(kM);
    cs.set_survey_id(id);
    *cs.mutable_survey() = d.survey;
    pb::Survey created;
    auto s = Call(&pb::SurveyService::Stub::CreateSurvey, cs, &created);
    EXPECT_TRUE(s.ok()) << s;
    pb::BatchCreateQuestionsRequest bq;
    bq.set_parent(absl::StrCat(kM, "/surveys/", id));
    for (const auto& q : d.questions) *bq.add_requests() = q;
    pb::BatchCreateQuestionsResponse qs;
    s = Call(&pb::SurveyService::Stub::BatchCreateQuestions, bq, &qs);
    EXPECT_TRUE(s.ok()) << s;
    return d.csv;
  }

  // Streams `csv` in `chunk`-byte messages.
  absl::StatusOr<pb::ImportResponsesResponse> Stream(const std::string& survey,
                                                     const std::string& csv, size_t chunk,
                                                     const std::string& second_survey = "") {
    grpc::ClientContext ctx;
    Authorize(&ctx, Caller());
    pb::ImportResponsesResponse resp;
    auto writer = stub_->StreamResponses(&ctx, &resp);
    for (size_t off = 0; off < csv.size(); off += chunk) {
      pb::ImportResponsesRequest r;
      if (off == 0) {
        r.set_survey(survey);
        r.set_request_id("stream-" + survey.substr(survey.rfind('/') + 1));
      } else if (!second_survey.empty()) {
        r.set_survey(second_survey);
      }
      r.set_content(csv.substr(off, chunk));
      if (!writer->Write(r)) break;
    }
    writer->WritesDone();
    auto s = status::FromGrpc(writer->Finish());
    if (!s.ok()) return s;
    return resp;
  }

  static inline Stack* stack_ = nullptr;
  std::unique_ptr<pb::SurveyService::Stub> stub_;
};

TEST_F(SurveyGrpcTest, StreamedImportMatchesUnaryImport) {
  const std::string csv = Define("streamed", 1500, false);
  Define("unary", 1500, false);
  auto streamed = Stream(absl::StrCat(kM, "/surveys/streamed"), csv, 64 << 10);
  ASSERT_TRUE(streamed.ok()) << streamed.status();
  EXPECT_TRUE(streamed->committed());
  EXPECT_EQ(streamed->imported(), 1500);
  pb::ImportResponsesRequest r;
  r.set_survey(absl::StrCat(kM, "/surveys/unary"));
  r.set_content(csv);
  pb::ImportResponsesResponse unary;
  ASSERT_TRUE(Call(&pb::SurveyService::Stub::ImportResponses, r, &unary).ok());
  EXPECT_EQ(unary.imported(), 1500);
  for (const char* q : {"settle", "channels", "sat-12"}) {
    pb::GetQuestionStatsRequest a, b;
    a.set_question(absl::StrCat(kM, "/surveys/streamed/questions/", q));
    b.set_question(absl::StrCat(kM, "/surveys/unary/questions/", q));
    pb::QuestionStats sa, sb;
    ASSERT_TRUE(Call(&pb::SurveyService::Stub::GetQuestionStats, a, &sa).ok());
    ASSERT_TRUE(Call(&pb::SurveyService::Stub::GetQuestionStats, b, &sb).ok());
    sa.clear_question();
    sb.clear_question();
    EXPECT_EQ(sa.SerializeAsString(), sb.SerializeAsString()) << q;
  }
  // A stream naming another survey half-way is refused, and nothing is written.
  auto mixed = Stream(absl::StrCat(kM, "/surveys/unary"), csv, 64 << 10,
                      absl::StrCat(kM, "/surveys/streamed"));
  EXPECT_EQ(mixed.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Reason(mixed.status()), "RESPONSES_STREAM_INVALID");
}

TEST_F(SurveyGrpcTest, ErrorsCarryDetailsOnTheWire) {
  Define("errors", 5, false);
  pb::ImportResponsesRequest r;
  r.set_survey(absl::StrCat(kM, "/surveys/errors"));
  r.set_content("性別,年代\n1,2\n");
  pb::ImportResponsesResponse resp;
  auto s = Call(&pb::SurveyService::Stub::ImportResponses, r, &resp);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Reason(s), "RESPONSES_NO_ID_COLUMN");
  auto fields = status::GetFieldViolations(s);
  ASSERT_EQ(fields.size(), 1u);
  EXPECT_EQ(fields[0].field, "content");
  for (const char* leak : {"/tmp", "SELECT", "INSERT", "sqlite", "postgres"}) {
    EXPECT_EQ(s.message().find(leak), std::string::npos) << leak;
  }
  // No principal: UNAUTHENTICATED; another municipality: PERMISSION_DENIED.
  grpc::ClientContext bare;
  grpcx::SetTimeout(&bare, 10000);
  pb::Survey out;
  pb::GetSurveyRequest g;
  g.set_name(absl::StrCat(kM, "/surveys/errors"));
  EXPECT_EQ(stub_->GetSurvey(&bare, g, &out).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(
      Call(&pb::SurveyService::Stub::GetSurvey, g, &out, Caller{"p", "planner", "131016"}).code(),
      absl::StatusCode::kPermissionDenied);
}

TEST_F(SurveyGrpcTest, PublishRecordsTheActualThroughTheKpiService) {
  const std::string csv = Define("published", 800, true);
  pb::ImportResponsesRequest r;
  r.set_survey(absl::StrCat(kM, "/surveys/published"));
  r.set_content(csv);
  pb::ImportResponsesResponse imported;
  ASSERT_TRUE(Call(&pb::SurveyService::Stub::ImportResponses, r, &imported).ok());
  // A viewer may not publish (and the KPI service is never called).
  pb::PublishRequest p;
  p.set_name(r.survey());
  p.set_request_id("publish-grpc");
  pb::PublishResponse published;
  EXPECT_EQ(Call(&pb::SurveyService::Stub::Publish, p, &published, Caller{"v", "viewer", "142140"})
                .code(),
            absl::StatusCode::kPermissionDenied);
  auto s = Call(&pb::SurveyService::Stub::Publish, p, &published);
  ASSERT_TRUE(s.ok()) << s;
  ASSERT_EQ(published.actuals_size(), 1);
  auto kpis = kpi::v1::KpiService::NewStub(stack_->kpi_channel);
  grpc::ClientContext ctx;
  Authorize(&ctx, Caller());
  kpi::v1::ListObservationsRequest lr;
  lr.set_parent(kIndicator);
  kpi::v1::ListObservationsResponse obs;
  ASSERT_TRUE(kpis->ListObservations(&ctx, lr, &obs).ok());
  ASSERT_EQ(obs.observations_size(), 1);
  EXPECT_EQ(obs.observations(0).fiscal_year(), 2024);
  EXPECT_EQ(obs.observations(0).value().value(), published.actuals(0).value());
  EXPECT_EQ(obs.observations(0).source(), r.survey());
  // The person who published is the one the KPI service recorded.
  EXPECT_EQ(obs.observations(0).entered_by(), "planner-1");

  // What the survey says of the 施策 (its 満足度 and 重要度 questions are linked to f05) is on
  // the 施策's 評価シート of that year, with n and margins.
  {
    grpc::ClientContext c1;
    Authorize(&c1, Caller());
    kpi::v1::CreateEvaluationRequest cr;
    cr.set_parent(kPlan);
    cr.set_fiscal_year(2024);
    kpi::v1::Evaluation e;
    ASSERT_TRUE(kpis->CreateEvaluation(&c1, cr, &e).ok());
    grpc::ClientContext c2;
    Authorize(&c2, Caller());
    kpi::v1::GetEvaluationSheetRequest gs;
    gs.set_name(absl::StrCat(kPlan, "/evaluations/2024/sheets/f05"));
    kpi::v1::EvaluationSheet sheet;
    auto st = kpis->GetEvaluationSheet(&c2, gs, &sheet);
    ASSERT_TRUE(st.ok()) << st.error_message();
    ASSERT_EQ(sheet.perceptions_size(), 1);
    const auto& pc = sheet.perceptions(0);
    EXPECT_EQ(pc.survey(), r.survey());
    EXPECT_EQ(pc.fiscal_year(), 2024);
    ASSERT_EQ(pc.measures_size(), 2);
    std::set<kpi::v1::PerceptionRole> roles;
    for (const auto& m : pc.measures()) {
      roles.insert(m.role());
      EXPECT_GT(m.n(), 500);  // 800 respondents, less those who skipped or chose わからない
      EXPECT_LE(m.n(), 800);
      EXPECT_TRUE(m.weighted());  // the demo survey is weighted, so the sheet shows weighted estimates
      EXPECT_TRUE(m.margin_known());
      EXPECT_GT(m.positive_margin_of_error_points(), 0);
      EXPECT_LT(m.positive_margin_of_error_points(), 5);  // ±1.96·√(p(1−p)/n) at n≈800
      EXPECT_GT(m.positive_percent(), 0);
      EXPECT_LT(m.positive_percent(), 100);
    }
    EXPECT_EQ(roles, (std::set<kpi::v1::PerceptionRole>{kpi::v1::PERCEPTION_ROLE_IMPORTANCE,
                                                        kpi::v1::PERCEPTION_ROLE_SATISFACTION}));
    // The survey's own figures: the sheet's satisfaction is the question's weighted top-2-box.
    pb::GetQuestionStatsRequest qr;
    qr.set_question(absl::StrCat(r.survey(), "/questions/sat-05"));
    qr.set_weighted(true);
    pb::QuestionStats qs;
    ASSERT_TRUE(Call(&pb::SurveyService::Stub::GetQuestionStats, qr, &qs).ok());
    for (const auto& m : pc.measures()) {
      if (m.role() != kpi::v1::PERCEPTION_ROLE_SATISFACTION) continue;
      EXPECT_NEAR(m.positive_percent(), qs.positive_percent(), 0.05);
      EXPECT_EQ(m.n(), qs.base());
    }
    // A year before the survey: nothing yet.
    grpc::ClientContext c3;
    Authorize(&c3, Caller());
    cr.set_fiscal_year(2023);
    ASSERT_TRUE(kpis->CreateEvaluation(&c3, cr, &e).ok());
    grpc::ClientContext c4;
    Authorize(&c4, Caller());
    gs.set_name(absl::StrCat(kPlan, "/evaluations/2023/sheets/f05"));
    ASSERT_TRUE(kpis->GetEvaluationSheet(&c4, gs, &sheet).ok());
    EXPECT_EQ(sheet.perceptions_size(), 0);
  }

  // The public now sees the suppressed cross-tab, never the full one.
  pb::GetCrossTabRequest ct;
  ct.set_question(absl::StrCat(r.survey(), "/questions/settle"));
  ct.add_dimensions("district");
  ct.add_dimensions("age");
  pb::CrossTab tab;
  const Caller pub{"anyone", "public", "142140"};
  ASSERT_TRUE(Call(&pb::SurveyService::Stub::GetCrossTab, ct, &tab, pub).ok());
  EXPECT_TRUE(tab.disclosure_applied());
  EXPECT_GT(tab.suppressed_cells(), 0);
  for (const auto& row : tab.rows()) {
    for (const auto& c : row.cells()) EXPECT_FALSE(c.count() >= 1 && c.count() < 10);
  }
}

}  // namespace
}  // namespace sokei::survey
