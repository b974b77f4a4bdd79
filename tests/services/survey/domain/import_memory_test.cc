// The memory a survey response import holds (issue 20 §5): the demo questionnaire (77 questions)
// with 50,000 respondents — about 8.5 MB of CSV — imported as a dry run and for real. The file is
// read row by row and each respondent kept serialized (never the file's cells or a message object
// per respondent at once), so the heap grows by at most 150 MB at the peak, and what the import
// held is freed when it returns. Measured with the allocator's own count of live bytes (ASan's in
// the test build), sampled every millisecond.
#include <gtest/gtest.h>

#include <cstdio>

#include "absl/strings/str_cat.h"
#include "demo/demo_survey.h"
#include "services/survey/domain/survey_domain.h"
#include "services/survey/storage/sql_survey_repository.h"
#include "tests/support/domain_stack.h"
#include "tests/support/heap_usage.h"
#include "tests/support/in_process_kpi_client.h"
#include "tests/support/principals.h"
#include "tests/support/test_databases.h"

namespace sokei::survey {
namespace {

constexpr char kM[] = "municipalities/142140";
constexpr char kSurvey[] = "municipalities/142140/surveys/big";
constexpr size_t kMiB = 1 << 20;

TEST(SurveyImportMemoryTest, FiftyThousandRowsStayUnderAHundredAndFiftyMegabytes) {
  auto plan_db = sokei::testing::TestDatabase::Make("sqlite");
  auto kpi_db = sokei::testing::TestDatabase::Make("sqlite");
  auto survey_db = sokei::testing::TestDatabase::Make("sqlite");
  auto below = sokei::testing::DomainStack::Make(plan_db->db(), kpi_db->db());
  ASSERT_TRUE(below.ok()) << below.status();
  sokei::testing::InProcessKpiClient kpi_client((*below)->kpi.get());
  SqlSurveyRepository repo(survey_db->db());
  ASSERT_TRUE(repo.Migrate().ok());
  SurveyDomain domain(&repo, &kpi_client, &absl::Now);
  const auto planner = sokei::testing::TestPrincipal(auth::Role::kPlanner);

  demo::DemoOptions o;
  o.respondents = 50000;
  demo::DemoSurvey d = demo::MakeIseharaSurvey(o);
  pb::CreateSurveyRequest cs;
  cs.set_parent(kM);
  cs.set_survey_id("big");
  *cs.mutable_survey() = d.survey;
  ASSERT_TRUE(domain.CreateSurvey(planner, cs).ok());
  pb::BatchCreateQuestionsRequest bq;
  bq.set_parent(kSurvey);
  for (const auto& q : d.questions) *bq.add_requests() = q;
  ASSERT_TRUE(domain.BatchCreateQuestions(planner, bq).ok());
  pb::ImportResponsesRequest r;
  r.set_survey(kSurvey);
  r.set_content(std::move(d.csv));
  d = demo::DemoSurvey();

  for (const bool dry_run : {true, false}) {
    r.set_dry_run(dry_run);
    const size_t before = sokei::testing::LiveHeapBytes();
    size_t peak = 0;
    absl::StatusOr<pb::ImportResponsesResponse> imported;
    {
      sokei::testing::HeapPeak sampler;
      imported = domain.ImportResponses(planner, r);
      peak = sampler.peak();
    }
    ASSERT_TRUE(imported.ok()) << imported.status();
    EXPECT_EQ(imported->rows(), 50000);
    EXPECT_EQ(imported->committed(), !dry_run);
    imported = pb::ImportResponsesResponse();
    const size_t after = sokei::testing::LiveHeapBytes();
    const double grown = (static_cast<double>(peak) - before) / kMiB;
    const double kept = (static_cast<double>(after) - before) / kMiB;
    std::printf("%s import of 50,000 rows (%.1f MB): heap +%.1f MiB at the peak, +%.1f MiB after\n",
                dry_run ? "dry-run" : "committed", r.content().size() / 1e6, grown, kept);
    EXPECT_LE(grown, 150.0) << "the import held too much at once";
    EXPECT_LE(kept, 16.0) << "the import kept what it should have freed";
  }
}

}  // namespace
}  // namespace sokei::survey
