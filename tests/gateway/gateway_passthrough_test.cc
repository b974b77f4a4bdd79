// The gateway's gRPC passthrough in front of real services over loopback: unary and
// client-streaming calls forwarded byte for byte with the principal from the caller's token,
// errors with their details, edge refusals, forged x-sokei-* metadata ignored, deadlines.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "tests/support/test_identity.h"
#include "absl/strings/str_cat.h"
#include "common/grpcx/server.h"
#include "common/grpcx/upstream.h"
#include "common/status/grpc_status.h"
#include "common/status/status.h"
#include "gateway/server/grpc_passthrough.h"
#include "services/plan/api/plan_grpc_service.h"
#include "services/plan/storage/sql_plan_repository.h"
#include "services/survey/api/survey_grpc_service.h"
#include "demo/demo_survey.h"
#include "services/survey/storage/sql_survey_repository.h"
#include "tests/support/gateway_tokens.h"
#include "tests/support/plan_fixtures.h"
#include "tests/support/test_databases.h"
#include "tests/support/test_gateway.h"

namespace sokei::gateway {
namespace {

constexpr char kSecret[] = "the passthrough test's HS256 secret, thirty-two bytes+";

class NoKpi final : public survey::KpiClient {
 public:
  absl::StatusOr<kpi::v1::RecordObservationsResponse> RecordObservations(
      const auth::Principal&, const kpi::v1::RecordObservationsRequest&) override {
    return absl::UnavailableError("no KPI service in this test");
  }
  absl::StatusOr<kpi::v1::SurveyPerceptions> RecordSurveyPerceptions(
      const auth::Principal&, const kpi::v1::RecordSurveyPerceptionsRequest&) override {
    return absl::UnavailableError("no KPI service in this test");
  }
};

std::string Token(const std::string& role, const std::string& m = "142140") {
  return sokei::testing::GatewayToken(kSecret, "idp", "u-" + role, role, m);
}

class PassthroughTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    plan_db_ = sokei::testing::TestDatabase::Make("sqlite").release();
    survey_db_ = sokei::testing::TestDatabase::Make("sqlite").release();
    plan_repo_ = new plan::SqlPlanRepository(plan_db_->db());
    ASSERT_TRUE(plan_repo_->Migrate().ok());
    plan_domain_ = new plan::PlanDomain(plan_repo_);
    plan_service_ = new plan::DispatchedPlanService(plan_domain_, sokei::testing::VerifiedIdentity());
    plan_table_ = plan::MakeDispatchTable(plan_service_).release();
    survey_repo_ = new survey::SqlSurveyRepository(survey_db_->db());
    ASSERT_TRUE(survey_repo_->Migrate().ok());
    survey_domain_ = new survey::SurveyDomain(survey_repo_, &no_kpi_, &absl::Now);
    survey_service_ =
        new survey::DispatchedSurveyService(survey_domain_, sokei::testing::VerifiedIdentity());
    survey_table_ = survey::MakeDispatchTable(survey_service_).release();
    auto s = grpcx::Server::Start({"127.0.0.1:0", 2, 20 << 20, 1000, true}, {},
                                  {"sokei.plan.v1.PlanService", "sokei.survey.v1.SurveyService"},
                                  {plan_table_, survey_table_});
    ASSERT_TRUE(s.ok()) << s.status();
    server_ = s->release();
    auto up = grpcx::MakeUpstreamChannel("127.0.0.1:" + std::to_string(server_->port()), 64 << 20);
    gateway_ =
        sokei::testing::TestGateway(kSecret, {}, {{"sokei.plan.v1", up}, {"sokei.survey.v1", up}})
            .release();
    passthrough_ = new Passthrough(gateway_);
    int port = 0;
    auto ps = StartPassthrough("127.0.0.1:0", passthrough_, &port);
    ASSERT_TRUE(ps.ok()) << ps.status();
    proxy_ = ps->release();
    channel_ = new std::shared_ptr<grpc::Channel>(
        grpcx::MakeUpstreamChannel("127.0.0.1:" + std::to_string(port), 64 << 20));
  }
  static void TearDownTestSuite() {
    proxy_->Shutdown();
    delete proxy_;
    delete channel_;
    delete passthrough_;
    delete gateway_;
    delete server_;
    delete survey_table_;
    delete survey_service_;
    delete survey_domain_;
    delete survey_repo_;
    delete plan_table_;
    delete plan_service_;
    delete plan_domain_;
    delete plan_repo_;
    delete survey_db_;
    delete plan_db_;
  }

  static void Auth(grpc::ClientContext* ctx, const std::string& token, int timeout_ms = 30000) {
    grpcx::SetTimeout(ctx, timeout_ms);
    if (!token.empty()) ctx->AddMetadata("authorization", "Bearer " + token);
  }

  static inline sokei::testing::TestDatabase* plan_db_ = nullptr;
  static inline sokei::testing::TestDatabase* survey_db_ = nullptr;
  static inline plan::SqlPlanRepository* plan_repo_ = nullptr;
  static inline plan::PlanDomain* plan_domain_ = nullptr;
  static inline plan::DispatchedPlanService* plan_service_ = nullptr;
  static inline grpcx::DispatchTable* plan_table_ = nullptr;
  static inline survey::SqlSurveyRepository* survey_repo_ = nullptr;
  static inline survey::SurveyDomain* survey_domain_ = nullptr;
  static inline survey::DispatchedSurveyService* survey_service_ = nullptr;
  static inline grpcx::DispatchTable* survey_table_ = nullptr;
  static inline NoKpi no_kpi_;
  static inline grpcx::Server* server_ = nullptr;
  static inline Gateway* gateway_ = nullptr;
  static inline Passthrough* passthrough_ = nullptr;
  static inline grpc::Server* proxy_ = nullptr;
  static inline std::shared_ptr<grpc::Channel>* channel_ = nullptr;
};

TEST_F(PassthroughTest, UnaryCallsErrorsAndRefusals) {
  auto plans = plan::v1::PlanService::NewStub(*channel_);
  {
    grpc::ClientContext ctx;
    Auth(&ctx, Token("admin", "*"));
    plan::v1::CreateMunicipalityRequest r;
    r.set_municipality_id("142140");
    r.mutable_municipality()->set_display_name("伊勢原市");
    plan::v1::Municipality out;
    auto s = plans->CreateMunicipality(&ctx, r, &out);
    ASSERT_TRUE(s.ok()) << s.error_message();
    EXPECT_EQ(out.name(), "municipalities/142140");
  }
  {
    grpc::ClientContext ctx;
    Auth(&ctx, Token("planner"));
    plan::v1::Plan out;
    auto s = plans->CreatePlan(
        &ctx, sokei::testing::PlanRequest("municipalities/142140", "next", 2), &out);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }
  // The upstream's error, with its details, comes back unchanged.
  {
    grpc::ClientContext ctx;
    Auth(&ctx, Token("viewer"));
    plan::v1::GetPlanRequest r;
    r.set_name("municipalities/142140/plans/none");
    plan::v1::Plan out;
    auto s = status::FromGrpc(plans->GetPlan(&ctx, r, &out));
    EXPECT_EQ(s.code(), absl::StatusCode::kNotFound);
    auto info = status::GetErrorInfo(s);
    ASSERT_TRUE(info.has_value());
    EXPECT_EQ(info->reason, "PLAN_NOT_FOUND");
  }
  // No token; a viewer writing (with forged metadata claiming admin): refused at the edge.
  {
    grpc::ClientContext ctx;
    grpcx::SetTimeout(&ctx, 10000);
    plan::v1::GetPlanRequest r;
    r.set_name("municipalities/142140/plans/next");
    plan::v1::Plan out;
    EXPECT_EQ(plans->GetPlan(&ctx, r, &out).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  }
  {
    grpc::ClientContext ctx;
    Auth(&ctx, Token("viewer"));
    ctx.AddMetadata("x-sokei-roles", "admin");
    ctx.AddMetadata("x-sokei-subject", "root");
    plan::v1::UpdatePlanRequest r;
    r.mutable_plan()->set_name("municipalities/142140/plans/next");
    r.mutable_plan()->set_description("x");
    r.mutable_update_mask()->add_paths("description");
    plan::v1::Plan out;
    EXPECT_EQ(plans->UpdatePlan(&ctx, r, &out).error_code(), grpc::StatusCode::PERMISSION_DENIED);
  }
  // Another municipality's planner reads: the service itself refuses (the proxy does not decode).
  {
    grpc::ClientContext ctx;
    Auth(&ctx, Token("planner", "131016"));
    plan::v1::GetPlanRequest r;
    r.set_name("municipalities/142140/plans/next");
    plan::v1::Plan out;
    EXPECT_EQ(plans->GetPlan(&ctx, r, &out).error_code(), grpc::StatusCode::PERMISSION_DENIED);
  }
  // Unknown methods are not forwarded.
  {
    grpc::GenericStub generic(*channel_);
    grpc::ClientContext ctx;
    Auth(&ctx, Token("admin", "*"));
    grpc::Slice empty("");
    grpc::ByteBuffer req(&empty, 1), resp;
    grpc::Status result;
    std::mutex mu;
    std::condition_variable cv;
    bool done = false;
    generic.UnaryCall(&ctx, "/acme.v1.Admin/Reset", grpc::StubOptions(), &req, &resp,
                      [&](grpc::Status s) {
                        std::lock_guard<std::mutex> lock(mu);
                        result = s;
                        done = true;
                        cv.notify_one();
                      });
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return done; });
    EXPECT_EQ(result.error_code(), grpc::StatusCode::UNIMPLEMENTED);
  }
}

TEST_F(PassthroughTest, ClientStreamingImportGoesThrough) {
  auto surveys = survey::v1::SurveyService::NewStub(*channel_);
  survey::demo::DemoOptions o;
  o.respondents = 400;
  auto d = survey::demo::MakeIseharaSurvey(o);
  {
    grpc::ClientContext ctx;
    Auth(&ctx, Token("planner"));
    survey::v1::CreateSurveyRequest r;
    r.set_parent("municipalities/142140");
    r.set_survey_id("s");
    *r.mutable_survey() = d.survey;
    survey::v1::Survey out;
    auto s = surveys->CreateSurvey(&ctx, r, &out);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }
  {
    grpc::ClientContext ctx;
    Auth(&ctx, Token("planner"));
    survey::v1::BatchCreateQuestionsRequest r;
    r.set_parent("municipalities/142140/surveys/s");
    for (const auto& q : d.questions) *r.add_requests() = q;
    survey::v1::BatchCreateQuestionsResponse out;
    ASSERT_TRUE(surveys->BatchCreateQuestions(&ctx, r, &out).ok());
  }
  grpc::ClientContext ctx;
  Auth(&ctx, Token("planner"));
  survey::v1::ImportResponsesResponse resp;
  auto writer = surveys->StreamResponses(&ctx, &resp);
  for (size_t off = 0; off < d.csv.size(); off += 16 << 10) {
    survey::v1::ImportResponsesRequest r;
    if (off == 0) r.set_survey("municipalities/142140/surveys/s");
    r.set_content(d.csv.substr(off, 16 << 10));
    ASSERT_TRUE(writer->Write(r));
  }
  writer->WritesDone();
  auto s = writer->Finish();
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(resp.imported(), 400);
  EXPECT_TRUE(resp.committed());
}

// The change feed's stream goes through like any server stream, with the caller's identity: a
// viewer of the municipality watches while a planner writes.
TEST_F(PassthroughTest, ServerStreamingChangeFeedGoesThrough) {
  auto plans = plan::v1::PlanService::NewStub(*channel_);
  grpc::ClientContext watch;
  Auth(&watch, Token("viewer"));
  type::v1::WatchChangesRequest req;
  req.set_parent("municipalities/142140");
  req.mutable_filter()->add_resource_types("sokei.plan.v1.Plan");
  auto reader = plans->WatchChanges(&watch, req);  // from now on
  // The stream is open before the write (the first read would otherwise race the write).
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  {
    grpc::ClientContext ctx;
    Auth(&ctx, Token("planner"));
    plan::v1::Plan out;
    auto s = plans->CreatePlan(&ctx, sokei::testing::PlanRequest("municipalities/142140", "fed"),
                               &out);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }
  type::v1::ChangeEvent e;
  ASSERT_TRUE(reader->Read(&e));
  EXPECT_EQ(e.resource(), "municipalities/142140/plans/fed");
  EXPECT_EQ(e.change_type(), type::v1::CHANGE_TYPE_CREATED);
  EXPECT_EQ(e.value().type_url(), "type.googleapis.com/sokei.plan.v1.Plan");
  watch.TryCancel();
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::CANCELLED);
  // Without a token the passthrough refuses the stream as it refuses any call.
  grpc::ClientContext anonymous;
  grpcx::SetTimeout(&anonymous, 5000);
  auto refused = plans->WatchChanges(&anonymous, req);
  EXPECT_FALSE(refused->Read(&e));
  EXPECT_EQ(refused->Finish().error_code(), grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(PassthroughTest, TheCallersDeadlineGoesUpstream) {
  // A call that cannot finish before its deadline: a client stream that sends nothing for longer
  // than its 300 ms budget (the upstream waits for the first message). It ends DEADLINE_EXCEEDED
  // near the deadline — not at the gateway's own 5-minute cap — whatever the machine's speed. (A
  // 1 ms unary call was flaky: on an idle machine the whole round trip can beat it.)
  auto surveys = survey::v1::SurveyService::NewStub(*channel_);
  grpc::ClientContext ctx;
  Auth(&ctx, Token("planner"), 300);
  survey::v1::ImportResponsesResponse resp;
  const auto t0 = std::chrono::steady_clock::now();
  auto writer = surveys->StreamResponses(&ctx, &resp);
  std::this_thread::sleep_for(std::chrono::milliseconds(600));
  writer->WritesDone();
  const grpc::Status s = writer->Finish();
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - t0)
                      .count();
  EXPECT_EQ(s.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED) << s.error_message();
  EXPECT_LT(ms, 5000);
  // And the proxy is still healthy afterwards.
  auto plans = plan::v1::PlanService::NewStub(*channel_);
  plan::v1::ListPlansRequest r;
  r.set_parent("municipalities/142140");
  plan::v1::ListPlansResponse out;
  grpc::ClientContext again;
  Auth(&again, Token("viewer"));
  EXPECT_TRUE(plans->ListPlans(&again, r, &out).ok());
}

}  // namespace
}  // namespace sokei::gateway
