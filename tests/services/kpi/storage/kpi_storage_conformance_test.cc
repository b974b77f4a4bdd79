// The KPI storage conformance suite: every KpiRepository backend passes the same tests (SQLite
// and PostgreSQL).
#include <gtest/gtest.h>

#include <utility>
#include <vector>

#include "common/status/status.h"
#include "services/kpi/storage/sql_kpi_repository.h"
#include "tests/support/test_databases.h"

namespace sokei::kpi {
namespace {

constexpr char kInd[] = "municipalities/142140/indicators/";

Record Rec(const std::string& name, const std::string& parent, const std::string& code,
           int64_t sort_key, const std::string& data = "payload") {
  return {name, "142140", parent, code, sort_key, 1, data};
}

class KpiStorageConformance : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    db_ = sokei::testing::TestDatabase::Make(GetParam(), 2);
    if (!db_) GTEST_SKIP() << "no PostgreSQL test cluster (scripts/test.sh starts one)";
    repo_ = std::make_unique<SqlKpiRepository>(db_->db());
    ASSERT_TRUE(repo_->Migrate().ok());
    ASSERT_TRUE(repo_->Migrate().ok()) << "migrations must be idempotent";
  }
  absl::Status Write(const std::function<absl::Status(KpiTx&)>& fn) { return repo_->Write(fn); }
  std::unique_ptr<sokei::testing::TestDatabase> db_;
  std::unique_ptr<SqlKpiRepository> repo_;
};

TEST_P(KpiStorageConformance, RecordsRoundTripAndCodesAreUnique) {
  const std::string binary("\x00\x01\xff 伊勢原", 12);
  ASSERT_TRUE(Write([&](KpiTx& tx) {
                return tx.Insert(
                    Kind::kIndicator,
                    Rec(std::string(kInd) + "a", "municipalities/142140", "p#06-101", 0, binary));
              }).ok());
  auto dup = Write([&](KpiTx& tx) {
    return tx.Insert(Kind::kIndicator,
                     Rec(std::string(kInd) + "b", "municipalities/142140", "p#06-101", 0));
  });
  EXPECT_EQ(dup.code(), absl::StatusCode::kAlreadyExists);
  // Same code under another kind is fine; an empty code never collides.
  EXPECT_TRUE(Write([&](KpiTx& tx) {
                return tx.Insert(Kind::kObservation,
                                 Rec("o1", "municipalities/142140", "p#06-101", 0));
              }).ok());
  EXPECT_TRUE(Write([&](KpiTx& tx) {
                SOKEI_RETURN_IF_ERROR(
                    tx.Insert(Kind::kIndicator,
                              Rec(std::string(kInd) + "c", "municipalities/142140", "", 0)));
                return tx.Insert(Kind::kIndicator,
                                 Rec(std::string(kInd) + "d", "municipalities/142140", "", 0));
              }).ok());
  ASSERT_TRUE(repo_
                  ->Read([&](KpiTx& tx) -> absl::Status {
                    auto r = tx.Get(Kind::kIndicator, std::string(kInd) + "a");
                    EXPECT_TRUE(r.ok() && r->has_value());
                    EXPECT_EQ((*r)->data, binary);
                    auto none = tx.Get(Kind::kObservation, std::string(kInd) + "a");
                    EXPECT_FALSE(none->has_value());  // kinds are separate
                    return absl::OkStatus();
                  })
                  .ok());
}

TEST_P(KpiStorageConformance, FailedWriteLeavesNothing) {
  auto s = Write([&](KpiTx& tx) -> absl::Status {
    SOKEI_RETURN_IF_ERROR(tx.Insert(Kind::kIndicator, Rec(std::string(kInd) + "x", "m", "", 0)));
    SOKEI_RETURN_IF_ERROR(tx.SetPlans(std::string(kInd) + "x", {"plan-a"}));
    SOKEI_RETURN_IF_ERROR(tx.AppendAudit({"142140", 0, 1, "a", "m", "r", "", "", ""}).status());
    return absl::InvalidArgumentError("abort");
  });
  EXPECT_FALSE(s.ok());
  ASSERT_TRUE(repo_
                  ->Read([&](KpiTx& tx) -> absl::Status {
                    EXPECT_FALSE(tx.Get(Kind::kIndicator, std::string(kInd) + "x")->has_value());
                    EXPECT_TRUE(tx.ListPlanIndicators("plan-a")->empty());
                    EXPECT_TRUE(tx.ListAudit("142140", "", "", 0, 10)->empty());
                    return absl::OkStatus();
                  })
                  .ok());
}

TEST_P(KpiStorageConformance, RehearsalSeesItsOwnWritesAndLeavesNothing) {
  bool seen = false;
  auto s = repo_->Rehearse([&](KpiTx& tx) -> absl::Status {
    SOKEI_RETURN_IF_ERROR(tx.Insert(Kind::kIndicator, Rec(std::string(kInd) + "r", "m", "c-r", 0)));
    SOKEI_RETURN_IF_ERROR(tx.SetPlans(std::string(kInd) + "r", {"plan-r"}));
    SOKEI_RETURN_IF_ERROR(tx.AppendAudit({"142140", 0, 1, "a", "m", "r", "", "", ""}).status());
    SOKEI_ASSIGN_OR_RETURN(auto back, tx.Get(Kind::kIndicator, std::string(kInd) + "r"));
    seen = back.has_value();
    return absl::OkStatus();
  });
  ASSERT_TRUE(s.ok()) << s;
  EXPECT_TRUE(seen) << "a rehearsal reads what it wrote";
  ASSERT_TRUE(repo_
                  ->Read([&](KpiTx& tx) -> absl::Status {
                    EXPECT_FALSE(tx.Get(Kind::kIndicator, std::string(kInd) + "r")->has_value());
                    EXPECT_TRUE(tx.ListPlanIndicators("plan-r")->empty());
                    EXPECT_TRUE(tx.ListAudit("142140", "", "", 0, 10)->empty());
                    return absl::OkStatus();
                  })
                  .ok());
  // Its error is the caller's, unchanged.
  EXPECT_EQ(repo_->Rehearse([](KpiTx&) { return absl::InvalidArgumentError("x"); }).code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_P(KpiStorageConformance, PlanMembershipJoinsIndicatorsAndObservations) {
  const std::string a = std::string(kInd) + "a", b = std::string(kInd) + "b";
  ASSERT_TRUE(Write([&](KpiTx& tx) -> absl::Status {
                SOKEI_RETURN_IF_ERROR(tx.Insert(Kind::kIndicator, Rec(a, "m", "", 2)));
                SOKEI_RETURN_IF_ERROR(tx.Insert(Kind::kIndicator, Rec(b, "m", "", 1)));
                SOKEI_RETURN_IF_ERROR(tx.SetPlans(a, {"p1", "p2"}));
                SOKEI_RETURN_IF_ERROR(tx.SetPlans(b, {"p1"}));
                for (int y : {2021, 2020}) {
                  SOKEI_RETURN_IF_ERROR(tx.Insert(
                      Kind::kObservation, Rec(a + "/observations/" + std::to_string(y), a, "", y)));
                }
                return tx.Insert(Kind::kObservation, Rec(b + "/observations/2020", b, "", 2020));
              }).ok());
  ASSERT_TRUE(repo_
                  ->Read([&](KpiTx& tx) -> absl::Status {
                    auto p1 = tx.ListPlanIndicators("p1");
                    EXPECT_EQ(p1->size(), 2u);
                    EXPECT_EQ((*p1)[0].name, b);  // by sort_key
                    EXPECT_EQ(tx.ListPlanIndicators("p2")->size(), 1u);
                    auto obs = tx.ListPlanObservations("p1");
                    EXPECT_EQ(obs->size(), 3u);
                    EXPECT_EQ(tx.ListPlanObservations("p2")->size(), 2u);
                    auto own = tx.ListParent(Kind::kObservation, a);
                    EXPECT_EQ(own->size(), 2u);
                    EXPECT_EQ((*own)[0].sort_key, 2020);
                    return absl::OkStatus();
                  })
                  .ok());
  // Re-membership replaces, it does not add.
  ASSERT_TRUE(Write([&](KpiTx& tx) { return tx.SetPlans(a, {"p3"}); }).ok());
  ASSERT_TRUE(repo_
                  ->Read([&](KpiTx& tx) -> absl::Status {
                    EXPECT_EQ(tx.ListPlanIndicators("p1")->size(), 1u);
                    EXPECT_EQ(tx.ListPlanIndicators("p2")->size(), 0u);
                    EXPECT_EQ(tx.ListPlanIndicators("p3")->size(), 1u);
                    return absl::OkStatus();
                  })
                  .ok());
}

// An import's new indicators: their observations inserted many to a statement and their plan
// memberships added together — read back like single inserts; a taken name or code is
// ALREADY_EXISTS as for Insert, and leaves nothing.
TEST_P(KpiStorageConformance, ManyRecordsAndMembershipsAtOnce) {
  constexpr int kIndicators = 70, kYears = 3;  // 210 observations: chunks of 64 and smaller
  std::vector<Record> observations;
  std::vector<std::pair<std::string, std::string>> memberships;
  for (int i = 0; i < kIndicators; ++i) {
    const std::string ind = std::string(kInd) + "m" + std::to_string(i);
    for (int y = 0; y < kYears; ++y) {
      observations.push_back(Rec(ind + "/observations/" + std::to_string(2020 + y), ind, "",
                                 2020 + y, std::string("\0実績", 7) + std::to_string(i * 10 + y)));
    }
    memberships.emplace_back("pm", ind);
    if (i % 2 == 0) memberships.emplace_back("pm-even", ind);
  }
  ASSERT_TRUE(Write([&](KpiTx& tx) -> absl::Status {
                for (int i = 0; i < kIndicators; ++i) {
                  SOKEI_RETURN_IF_ERROR(
                      tx.Insert(Kind::kIndicator, Rec(std::string(kInd) + "m" + std::to_string(i),
                                                      "municipalities/142140", "", i)));
                }
                SOKEI_RETURN_IF_ERROR(tx.InsertMany(Kind::kObservation, observations));
                return tx.AddMemberships(memberships);
              }).ok());
  ASSERT_TRUE(repo_
                  ->Read([&](KpiTx& tx) -> absl::Status {
                    EXPECT_EQ(tx.ListPlanIndicators("pm")->size(), size_t{kIndicators});
                    EXPECT_EQ(tx.ListPlanIndicators("pm-even")->size(), size_t{kIndicators / 2});
                    auto obs = tx.ListPlanObservations("pm");
                    EXPECT_EQ(obs->size(), observations.size());
                    const std::string ind = std::string(kInd) + "m7";
                    auto own = tx.ListParent(Kind::kObservation, ind);
                    EXPECT_EQ(own->size(), size_t{kYears});
                    if (own->size() == kYears) {
                      EXPECT_EQ((*own)[2].sort_key, 2022);
                      EXPECT_EQ((*own)[2].data, std::string("\0実績", 7) + "72");
                      EXPECT_EQ((*own)[2].parent, ind);
                    }
                    return absl::OkStatus();
                  })
                  .ok());
  // A name already stored, in the middle of a batch: the batch fails and leaves nothing.
  std::vector<Record> again = {Rec("fresh-1", "x", "", 1), observations[100],
                               Rec("fresh-2", "x", "", 2)};
  EXPECT_EQ(Write([&](KpiTx& tx) { return tx.InsertMany(Kind::kObservation, again); }).code(),
            absl::StatusCode::kAlreadyExists);
  ASSERT_TRUE(repo_
                  ->Read([&](KpiTx& tx) -> absl::Status {
                    EXPECT_FALSE(tx.Get(Kind::kObservation, "fresh-1")->has_value());
                    EXPECT_TRUE(tx.ListParent(Kind::kObservation, "x")->empty());
                    return absl::OkStatus();
                  })
                  .ok());
}

TEST_P(KpiStorageConformance, AuditAndIdempotency) {
  ASSERT_TRUE(Write([&](KpiTx& tx) -> absl::Status {
                for (int i = 0; i < 3; ++i) {
                  auto seq = tx.AppendAudit({"142140", 0, i, i == 2 ? "bob" : "ann", "M",
                                             "municipalities/142140/indicators/x", "", "", ""});
                  SOKEI_RETURN_IF_ERROR(seq.status());
                  EXPECT_EQ(*seq, i + 1);
                }
                return tx.PutIdempotency({"142140", "req-1", "M", "fp", std::string("\0r", 2), 5});
              }).ok());
  auto again = Write([&](KpiTx& tx) {
    return tx.PutIdempotency({"142140", "req-1", "M", "fp2", "x", 6});
  });
  EXPECT_EQ(again.code(), absl::StatusCode::kAlreadyExists);
  ASSERT_TRUE(repo_
                  ->Read([&](KpiTx& tx) -> absl::Status {
                    auto all = tx.ListAudit("142140", "", "", 0, 10);
                    EXPECT_EQ(all->size(), 3u);
                    EXPECT_EQ((*all)[0].seq, 3);  // newest first
                    EXPECT_EQ(tx.ListAudit("142140", "", "bob", 0, 10)->size(), 1u);
                    EXPECT_EQ(
                        tx.ListAudit("142140", "municipalities/142140/ind", "", 1, 10)->size(), 2u);
                    auto row = tx.GetIdempotency("142140", "req-1");
                    EXPECT_EQ((*row)->response, std::string("\0r", 2));
                    EXPECT_FALSE(tx.GetIdempotency("142140", "req-2")->has_value());
                    return absl::OkStatus();
                  })
                  .ok());
}

INSTANTIATE_TEST_SUITE_P(Backends, KpiStorageConformance, ::testing::Values("sqlite", "postgres"));

}  // namespace
}  // namespace sokei::kpi
