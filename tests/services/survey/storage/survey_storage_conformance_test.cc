// The survey storage conformance suite: every SurveyRepository backend passes the same tests
// (SQLite and PostgreSQL): records, respondents in import order with their bytes intact, unique
// respondent ids per survey, all-or-nothing writes.
#include <gtest/gtest.h>

#include "common/status/status.h"
#include "services/survey/storage/sql_survey_repository.h"
#include "tests/support/test_databases.h"

namespace sokei::survey {
namespace {

constexpr char kSurvey[] = "municipalities/142140/surveys/s";

class SurveyStorageConformance : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    db_ = sokei::testing::TestDatabase::Make(GetParam(), 2);
    if (!db_) GTEST_SKIP() << "no PostgreSQL test cluster (scripts/test.sh starts one)";
    repo_ = std::make_unique<SqlSurveyRepository>(db_->db());
    ASSERT_TRUE(repo_->Migrate().ok());
    ASSERT_TRUE(repo_->Migrate().ok()) << "migrations must be idempotent";
  }
  absl::Status Write(const std::function<absl::Status(SurveyTx&)>& fn) { return repo_->Write(fn); }
  std::vector<std::string> Data(const std::string& survey) {
    std::vector<std::string> out;
    EXPECT_TRUE(repo_
                    ->Read([&](SurveyTx& tx) -> absl::Status {
                      SOKEI_ASSIGN_OR_RETURN(out, tx.ListRespondentData(survey));
                      return absl::OkStatus();
                    })
                    .ok());
    return out;
  }
  std::unique_ptr<sokei::testing::TestDatabase> db_;
  std::unique_ptr<SqlSurveyRepository> repo_;
};

TEST_P(SurveyStorageConformance, RecordsAndQuestionColumnsAreUnique) {
  static const char kBytes[] = "\x00\x01\xff 問3(12)";
  const std::string binary(kBytes, sizeof(kBytes) - 1);
  ASSERT_TRUE(Write([&](SurveyTx& tx) {
                SOKEI_RETURN_IF_ERROR(
                    tx.Insert(Kind::kSurvey,
                              {kSurvey, "142140", "municipalities/142140", "", 2024, 1, binary}));
                return tx.Insert(Kind::kQuestion, {std::string(kSurvey) + "/questions/a", "142140",
                                                   kSurvey, "問1", 1, 1, "q"});
              }).ok());
  auto dup = Write([&](SurveyTx& tx) {
    return tx.Insert(Kind::kQuestion,
                     {std::string(kSurvey) + "/questions/b", "142140", kSurvey, "問1", 2, 1, "q"});
  });
  EXPECT_EQ(dup.code(), absl::StatusCode::kAlreadyExists);
  ASSERT_TRUE(repo_
                  ->Read([&](SurveyTx& tx) -> absl::Status {
                    auto r = tx.Get(Kind::kSurvey, kSurvey);
                    EXPECT_TRUE(r.ok() && r->has_value());
                    if (r.ok() && r->has_value()) {
                      EXPECT_EQ((*r)->data, binary);
                    }
                    auto qs = tx.ListParent(Kind::kQuestion, kSurvey);
                    EXPECT_TRUE(qs.ok());
                    if (qs.ok()) {
                      EXPECT_EQ(qs->size(), 1u);
                    }
                    return absl::OkStatus();
                  })
                  .ok());
}

TEST_P(SurveyStorageConformance, RespondentsKeepOrderBytesAndUniqueness) {
  ASSERT_TRUE(Write([&](SurveyTx& tx) {
                for (int i = 0; i < 50; ++i) {
                  SOKEI_RETURN_IF_ERROR(
                      tx.InsertRespondent(kSurvey, "r" + std::to_string(49 - i), i,
                                          std::string("\x00", 1) + std::to_string(i)));
                }
                return tx.InsertRespondent("municipalities/142140/surveys/other", "r0", 0, "x");
              }).ok());
  auto data = Data(kSurvey);
  ASSERT_EQ(data.size(), 50u);
  EXPECT_EQ(data[0], std::string("\x00", 1) + "0");
  EXPECT_EQ(data[49], std::string("\x00", 1) + "49");
  // A duplicate id in the same survey fails the whole transaction.
  auto dup = Write([&](SurveyTx& tx) {
    SOKEI_RETURN_IF_ERROR(tx.InsertRespondent(kSurvey, "new", 50, "y"));
    return tx.InsertRespondent(kSurvey, "r3", 51, "z");
  });
  EXPECT_EQ(dup.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(Data(kSurvey).size(), 50u) << "nothing of the failed transaction remains";
  ASSERT_TRUE(repo_
                  ->Read([&](SurveyTx& tx) -> absl::Status {
                    auto n = tx.CountRespondents(kSurvey);
                    EXPECT_TRUE(n.ok() && *n == 50);
                    auto ids = tx.ListRespondentIds(kSurvey);
                    EXPECT_TRUE(ids.ok() && ids->front() == "r49");
                    return absl::OkStatus();
                  })
                  .ok());
  ASSERT_TRUE(Write([&](SurveyTx& tx) { return tx.DeleteRespondents(kSurvey); }).ok());
  EXPECT_TRUE(Data(kSurvey).empty());
  EXPECT_EQ(Data("municipalities/142140/surveys/other").size(), 1u);
}

TEST_P(SurveyStorageConformance, GenerationAuditAndIdempotency) {
  ASSERT_TRUE(Write([&](SurveyTx& tx) -> absl::Status {
                SOKEI_RETURN_IF_ERROR(tx.BumpGeneration("142140"));
                SOKEI_RETURN_IF_ERROR(tx.BumpGeneration("142140"));
                AuditRow row;
                row.municipality = "142140";
                row.actor = "a";
                row.method = "ImportResponses";
                row.resource = kSurvey;
                SOKEI_RETURN_IF_ERROR(tx.AppendAudit(row).status());
                return tx.PutIdempotency({"142140", "req-1", "ImportResponses", "fp", "resp", 1});
              }).ok());
  ASSERT_TRUE(repo_
                  ->Read([&](SurveyTx& tx) -> absl::Status {
                    auto g = tx.Generation("142140");
                    EXPECT_TRUE(g.ok() && *g == 2);
                    auto a = tx.ListAudit("142140", kSurvey, "", 0, 10);
                    EXPECT_TRUE(a.ok() && a->size() == 1);
                    auto i = tx.GetIdempotency("142140", "req-1");
                    EXPECT_TRUE(i.ok() && i->has_value() && (*i)->response == "resp");
                    return absl::OkStatus();
                  })
                  .ok());
}

INSTANTIATE_TEST_SUITE_P(Backends, SurveyStorageConformance,
                         ::testing::Values("sqlite", "postgres"));

}  // namespace
}  // namespace sokei::survey
