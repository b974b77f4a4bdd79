// Identity between services (issue 20 §4): the proof the gateway signs over a principal, checked
// by every service. Unit cases for the proof itself (tampering, other keys, expiry, rotation), then
// the three services started for real: a client on a service port that writes x-sokei-* headers
// without a valid proof is refused UNAUTHENTICATED and nothing is written, while the same request
// with the gateway's proof goes through — including the KPI service's own call to the plan
// service, which forwards the caller's proof.
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "common/auth/identity_check.h"
#include "common/auth/identity_proof.h"
#include "common/status/grpc_status.h"
#include "sokei/kpi/v1/kpi_service.grpc.pb.h"
#include "sokei/plan/v1/plan_service.grpc.pb.h"
#include "sokei/survey/v1/survey_service.grpc.pb.h"
#include "tests/support/plan_fixtures.h"
#include "tests/support/principals.h"
#include "tests/support/service_stack.h"
#include "tests/support/status_details.h"
#include "tests/support/survey_fixtures.h"
#include "tests/support/test_identity.h"

namespace sokei {
namespace {

using auth::Principal;
using auth::Role;
using sokei::testing::Reason;
using sokei::testing::TestIdentity;
using sokei::testing::TestPrincipal;

const absl::Time kNow = absl::FromUnixSeconds(1'800'000'000);

std::unique_ptr<auth::ProofSigner> OtherSigner(std::string* public_pem = nullptr) {
  auto pair = auth::GenerateIdentityKeyPair();
  EXPECT_TRUE(pair.ok());
  if (public_pem != nullptr) *public_pem = pair->public_pem;
  auto signer = auth::ProofSigner::FromPem(pair->private_pem);
  EXPECT_TRUE(signer.ok());
  return std::move(*signer);
}

TEST(IdentityProofTest, AProofVerifiesOnlyTheFieldsItWasMadeFor) {
  Principal p = TestPrincipal(Role::kEditor, "142140", {"d-welfare"});
  p.proof = TestIdentity().signer->Sign(p, kNow);
  EXPECT_TRUE(TestIdentity().verifier->Verify(p, kNow).ok());

  // Every field is covered: a role, the municipality, a department or the subject changed.
  Principal planner = p;
  planner.roles = {Role::kPlanner};
  Principal other_city = p;
  other_city.municipality = "132012";
  Principal more_departments = p;
  more_departments.departments.insert("d-finance");
  Principal someone_else = p;
  someone_else.subject = "user-other";
  for (const Principal* forged : {&planner, &other_city, &more_departments, &someone_else}) {
    EXPECT_EQ(Reason(TestIdentity().verifier->Verify(*forged, kNow)), "PRINCIPAL_PROOF_INVALID");
  }
  Principal bare = p;
  bare.proof.clear();
  EXPECT_EQ(Reason(TestIdentity().verifier->Verify(bare, kNow)), "PRINCIPAL_PROOF_MISSING");
  Principal garbled = p;
  garbled.proof[garbled.proof.size() - 3] ^= 1;
  EXPECT_FALSE(TestIdentity().verifier->Verify(garbled, kNow).ok());
  Principal junk = p;
  junk.proof = "v1.x.y.z";
  EXPECT_FALSE(TestIdentity().verifier->Verify(junk, kNow).ok());
}

TEST(IdentityProofTest, AProofExpiresAndIsReissuedBeforeItsLastHalf) {
  Principal p = TestPrincipal(Role::kViewer);
  auto signer = auth::ProofSigner::FromPem(TestIdentity().pems.private_pem, absl::Minutes(10));
  ASSERT_TRUE(signer.ok());
  p.proof = (*signer)->Sign(p, kNow);
  EXPECT_TRUE(TestIdentity().verifier->Verify(p, kNow + absl::Minutes(9)).ok());
  EXPECT_EQ(Reason(TestIdentity().verifier->Verify(p, kNow + absl::Minutes(10))),
            "PRINCIPAL_PROOF_EXPIRED");
  // The same proof while more than half its life is left, a new one after.
  EXPECT_EQ((*signer)->Sign(p, kNow + absl::Minutes(4)), p.proof);
  const std::string renewed = (*signer)->Sign(p, kNow + absl::Minutes(6));
  EXPECT_NE(renewed, p.proof);
  p.proof = renewed;
  EXPECT_TRUE(TestIdentity().verifier->Verify(p, kNow + absl::Minutes(15)).ok());
}

TEST(IdentityProofTest, KeysRotateByTrustingBothForAWhile) {
  std::string next_public;
  auto next = OtherSigner(&next_public);
  Principal p = TestPrincipal(Role::kPlanner);
  p.proof = next->Sign(p, kNow);
  // Services that trust only the old key refuse the new key's proofs by name...
  EXPECT_EQ(Reason(TestIdentity().verifier->Verify(p, kNow)), "PRINCIPAL_PROOF_KEY_UNKNOWN");
  // ...and with both trusted, proofs of either verify.
  auto both = auth::ProofVerifier::FromPem(TestIdentity().pems.public_pem + next_public);
  ASSERT_TRUE(both.ok());
  EXPECT_EQ((*both)->key_count(), 2u);
  EXPECT_TRUE((*both)->Verify(p, kNow).ok());
  Principal old = p;
  old.proof = TestIdentity().signer->Sign(old, kNow);
  EXPECT_TRUE((*both)->Verify(old, kNow).ok());
  // A private key, an RSA key or nothing is not a trust list.
  EXPECT_FALSE(auth::ProofVerifier::FromPem(TestIdentity().pems.private_pem).ok());
  EXPECT_FALSE(auth::ProofVerifier::FromPem("").ok());
  EXPECT_FALSE(auth::ProofSigner::FromPem(TestIdentity().pems.public_pem).ok());
}

TEST(IdentityProofTest, DevModeTakesTheMetadataAsSent) {
  auto dev = auth::IdentityCheck::Dev();
  auto anyone = dev.Read({});
  ASSERT_TRUE(anyone.ok());
  EXPECT_TRUE(anyone->Has(Role::kAdmin));
  auto verified = sokei::testing::VerifiedIdentity();
  EXPECT_EQ(Reason(verified.Read({}).status()), "PRINCIPAL_MISSING");
  EXPECT_EQ(Reason(verified
                       .Read({{auth::kSubjectKey, "root"},
                              {auth::kRolesKey, "admin"},
                              {auth::kMunicipalityKey, "*"}})
                       .status()),
            "PRINCIPAL_PROOF_MISSING");
}

// ---- the services, started for real ----

class ServicePortTest : public ::testing::Test {
 protected:
  void SetUp() override {
    stack_ = sokei::testing::ServiceStack::Start("sqlite");
    ASSERT_NE(stack_, nullptr);
  }

  // Headers as a client on the service port writes them: admin of every municipality.
  static void Forge(grpc::ClientContext* ctx, const std::string& proof = "") {
    ctx->AddMetadata(auth::kSubjectKey, "root");
    ctx->AddMetadata(auth::kRolesKey, "admin");
    ctx->AddMetadata(auth::kMunicipalityKey, "*");
    if (!proof.empty()) ctx->AddMetadata(auth::kProofKey, proof);
  }
  // The three ways a forger can try: no proof, a proof from a key the services do not trust, and
  // the gateway's proof of a viewer with the viewer's role header changed to admin.
  template <typename Call>
  void ExpectEveryForgeryRefused(Call call) {
    const Principal admin = TestPrincipal(Role::kAdmin, "*");
    Principal viewer = TestPrincipal(Role::kViewer, "142140");
    const std::string viewer_proof = TestIdentity().signer->Sign(viewer, absl::Now());
    struct Attempt {
      std::string proof, reason;
      bool viewer_subject;
    };
    for (const auto& a : std::vector<Attempt>{
             {"", "PRINCIPAL_PROOF_MISSING", false},
             {OtherSigner()->Sign(admin, absl::Now()), "PRINCIPAL_PROOF_KEY_UNKNOWN", false},
             {viewer_proof, "PRINCIPAL_PROOF_INVALID", true}}) {
      grpc::ClientContext ctx;
      if (a.viewer_subject) {
        ctx.AddMetadata(auth::kSubjectKey, viewer.subject);
        ctx.AddMetadata(auth::kRolesKey, "admin");
        ctx.AddMetadata(auth::kMunicipalityKey, "*");
        ctx.AddMetadata(auth::kProofKey, a.proof);
      } else {
        Forge(&ctx, a.proof);
      }
      const absl::Status s = status::FromGrpc(call(&ctx));
      EXPECT_EQ(s.code(), absl::StatusCode::kUnauthenticated) << s;
      EXPECT_EQ(Reason(s), a.reason) << s;
    }
  }
  static void Sign(grpc::ClientContext* ctx) {
    sokei::testing::AddSignedPrincipal(ctx, TestPrincipal(Role::kAdmin, "*"));
  }

  std::unique_ptr<sokei::testing::ServiceStack> stack_;
};

TEST_F(ServicePortTest, ForgedHeadersAreRefusedAndWriteNothingOnEveryService) {
  auto plans = plan::v1::PlanService::NewStub(stack_->plan_channel);
  plan::v1::CreateMunicipalityRequest m;
  m.set_municipality_id("142140");
  m.mutable_municipality()->set_display_name("伊勢原市");
  plan::v1::Municipality created;
  ExpectEveryForgeryRefused(
      [&](grpc::ClientContext* ctx) { return plans->CreateMunicipality(ctx, m, &created); });
  {
    grpc::ClientContext ctx;
    Sign(&ctx);
    plan::v1::ListMunicipalitiesResponse list;
    ASSERT_TRUE(plans->ListMunicipalities(&ctx, {}, &list).ok());
    EXPECT_EQ(list.municipalities_size(), 0) << "a refused call wrote nothing";
  }
  // The same request with the gateway's proof is a valid write.
  {
    grpc::ClientContext ctx;
    Sign(&ctx);
    ASSERT_TRUE(plans->CreateMunicipality(&ctx, m, &created).ok());
  }
  {
    grpc::ClientContext ctx;
    Sign(&ctx);
    plan::v1::Plan plan;
    const grpc::Status made =
        plans->CreatePlan(&ctx, sokei::testing::PlanRequest("municipalities/142140", "p", 2), &plan);
    ASSERT_TRUE(made.ok()) << made.error_message();
    grpc::ClientContext node_ctx;
    Sign(&node_ctx);
    plan::v1::CreateNodeRequest nr;
    nr.set_parent("municipalities/142140/plans/p");
    nr.set_node_id("f05");
    nr.mutable_node()->set_code("05");
    nr.mutable_node()->set_level(1);
    nr.mutable_node()->set_display_name("地域福祉");
    plan::v1::Node node;
    const grpc::Status made_node = plans->CreateNode(&node_ctx, nr, &node);
    ASSERT_TRUE(made_node.ok()) << made_node.error_message();
  }

  // KPI: the indicator's node is checked by a call to the plan service with the caller's proof.
  auto kpis = kpi::v1::KpiService::NewStub(stack_->kpi_channel);
  const auto indicator = sokei::testing::ConsultIndicatorRequest("municipalities/142140",
                                                                 "municipalities/142140/plans/p");
  kpi::v1::Indicator made;
  ExpectEveryForgeryRefused(
      [&](grpc::ClientContext* ctx) { return kpis->CreateIndicator(ctx, indicator, &made); });
  {
    grpc::ClientContext ctx;
    Sign(&ctx);
    kpi::v1::ListIndicatorsRequest lr;
    lr.set_parent("municipalities/142140");
    kpi::v1::ListIndicatorsResponse list;
    ASSERT_TRUE(kpis->ListIndicators(&ctx, lr, &list).ok());
    EXPECT_EQ(list.indicators_size(), 0);
  }
  {
    grpc::ClientContext ctx;
    Sign(&ctx);
    const grpc::Status s = kpis->CreateIndicator(&ctx, indicator, &made);
    ASSERT_TRUE(s.ok()) << s.error_message() << " (the proof reaches the plan service)";
  }

  // Survey.
  auto surveys = survey::v1::SurveyService::NewStub(stack_->survey_channel);
  survey::v1::CreateSurveyRequest cs;
  cs.set_parent("municipalities/142140");
  cs.set_survey_id("s2026");
  cs.mutable_survey()->set_display_name("市民意識調査");
  cs.mutable_survey()->set_fiscal_year(2026);
  cs.mutable_survey()->set_kind(survey::v1::SURVEY_KIND_CITIZEN_AWARENESS);
  survey::v1::Survey survey;
  ExpectEveryForgeryRefused(
      [&](grpc::ClientContext* ctx) { return surveys->CreateSurvey(ctx, cs, &survey); });
  {
    grpc::ClientContext ctx;
    Sign(&ctx);
    survey::v1::ListSurveysRequest lr;
    lr.set_parent("municipalities/142140");
    survey::v1::ListSurveysResponse list;
    ASSERT_TRUE(surveys->ListSurveys(&ctx, lr, &list).ok());
    EXPECT_EQ(list.surveys_size(), 0);
  }
  grpc::ClientContext ctx;
  Sign(&ctx);
  const grpc::Status s = surveys->CreateSurvey(&ctx, cs, &survey);
  EXPECT_TRUE(s.ok()) << s.error_message();
}

}  // namespace
}  // namespace sokei
