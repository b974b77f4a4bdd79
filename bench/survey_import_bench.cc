// The survey response import, through the survey domain on SQLite as the service runs it: the
// demo questionnaire (77 questions) with --respondents rows (50,000 by default, about 8.5 MB of
// CSV), a dry run and a committed import. Prints for each the time beside `sqlite3 .import` of
// the same CSV into a plain table (the reference, same run), and the memory it held at its peak
// beside the file's own size: the heap's live bytes (the allocator's count) and the peak RSS.
// The times are medians of --runs (3) without the heap sampler; the memory is one more run with it.
// usage: survey_import_bench [--respondents=N] [--runs=N]
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/storage/sqlite/sqlite_driver.h"
#include "demo/demo_survey.h"
#include "services/survey/domain/survey_domain.h"
#include "services/survey/storage/sql_survey_repository.h"
#include "tests/support/domain_stack.h"
#include "tests/support/heap_usage.h"
#include "tests/support/in_process_kpi_client.h"
#include "tests/support/principals.h"

namespace {

using namespace sokei;
using Clock = std::chrono::steady_clock;
constexpr double kMiB = 1 << 20;

double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

long StatusKiB(const char* field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field, 0) == 0)
      return std::strtol(line.c_str() + std::strlen(field), nullptr, 10);
  }
  return -1;
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

double SqliteImportMs(const std::string& csv) {
  char tmpl[] = "/tmp/sokei-sqlite3-XXXXXX";
  const std::string dir = mkdtemp(tmpl);
  const std::string file = dir + "/responses.csv";
  std::ofstream(file) << csv;
  std::ofstream(dir + "/import.sql") << ".mode csv\n.import " << file << " r\n";
  const auto t0 = Clock::now();
  const int rc = std::system(
      absl::StrCat("sqlite3 ", dir, "/plain.db < ", dir, "/import.sql 2>/dev/null").c_str());
  const double ms = Ms(Clock::now() - t0);
  std::filesystem::remove_all(dir);
  return rc == 0 ? ms : -1;
}

}  // namespace

int main(int argc, char** argv) {
  int respondents = 50000, runs = 3;
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], "--respondents=", 14) == 0) respondents = std::atoi(argv[i] + 14);
    if (std::strncmp(argv[i], "--runs=", 7) == 0) runs = std::max(1, std::atoi(argv[i] + 7));
  }
  char tmpl[] = "/tmp/sokei-survey-import-bench-XXXXXX";
  const std::string dir = mkdtemp(tmpl);
  auto plan_db = std::move(*storage::OpenSqlite({dir + "/plan.db", 4, 5000}));
  auto kpi_db = std::move(*storage::OpenSqlite({dir + "/kpi.db", 4, 5000}));
  auto survey_db = std::move(*storage::OpenSqlite({dir + "/survey.db", 4, 5000}));
  auto below = sokei::testing::DomainStack::Make(plan_db.get(), kpi_db.get());
  if (!below.ok()) return 1;
  sokei::testing::InProcessKpiClient kpi_client((*below)->kpi.get());
  survey::SqlSurveyRepository repo(survey_db.get());
  if (!repo.Migrate().ok()) return 1;
  survey::SurveyDomain domain(&repo, &kpi_client, &absl::Now);
  const auto planner = sokei::testing::TestPrincipal(auth::Role::kPlanner);

  survey::demo::DemoOptions o;
  o.respondents = respondents;
  auto d = survey::demo::MakeIseharaSurvey(o);
  std::vector<double> references;
  for (int i = 0; i < runs; ++i) references.push_back(SqliteImportMs(d.csv));
  const double reference = Median(references);
  survey::v1::ImportResponsesRequest r;
  r.set_content(std::move(d.csv));
  const double file_mib = r.content().size() / kMiB;

  std::printf("survey response import: %d rows × %zu questions, %.1f MiB of CSV (%u cores)\n",
              respondents, d.questions.size(), file_mib, std::thread::hardware_concurrency());
  std::printf("  %-34s %9s %10s %10s %14s %12s\n", "", "ms", "vs sqlite3", "rows/s",
              "heap peak MiB", "RSS peak MiB");
  std::printf("  %-34s %9.0f %10s\n", "sqlite3 .import (reference)", reference, "1.0×");
  // Each committed import goes into a survey of its own (same questionnaire), so every run
  // writes the same rows.
  int surveys = 0;
  auto fresh_survey = [&]() -> std::string {
    survey::v1::CreateSurveyRequest cs;
    cs.set_parent("municipalities/142140");
    cs.set_survey_id(absl::StrCat("bench-", ++surveys));
    *cs.mutable_survey() = d.survey;
    if (!domain.CreateSurvey(planner, cs).ok()) std::exit(1);
    survey::v1::BatchCreateQuestionsRequest bq;
    bq.set_parent(absl::StrCat("municipalities/142140/surveys/", cs.survey_id()));
    for (const auto& q : d.questions) *bq.add_requests() = q;
    if (!domain.BatchCreateQuestions(planner, bq).ok()) std::exit(1);
    return bq.parent();
  };
  const std::string dry_survey = fresh_survey();
  for (const bool dry_run : {true, false}) {
    r.set_dry_run(dry_run);
    // The memory first (the process has not grown for this kind of run yet): one run with the
    // heap sampler.
    r.set_survey(dry_run ? dry_survey : fresh_survey());
    std::ofstream("/proc/self/clear_refs") << "5";  // the peak RSS starts again from here
    const long rss_before = StatusKiB("VmRSS:");
    const size_t heap_before = sokei::testing::LiveHeapBytes();
    size_t heap_peak = 0;
    {
      sokei::testing::HeapPeak sampler;
      if (!domain.ImportResponses(planner, r).ok()) return 1;
      heap_peak = sampler.peak();
    }
    // Then the time without the sampler (it takes the allocator's lock every millisecond),
    // median of `runs`.
    std::vector<double> times;
    for (int i = 0; i < runs; ++i) {
      r.set_survey(dry_run ? dry_survey : fresh_survey());
      const auto t0 = Clock::now();
      if (!domain.ImportResponses(planner, r).ok()) return 1;
      times.push_back(Ms(Clock::now() - t0));
    }
    const double ms = Median(times);
    std::printf("  %-34s %9.0f %9.1f× %10.0f %+14.1f %+12.1f\n",
                dry_run ? "Sokei ImportResponses, dry run" : "Sokei ImportResponses, committed", ms,
                ms / reference, respondents / (ms / 1000),
                (static_cast<double>(heap_peak) - heap_before) / kMiB,
                (StatusKiB("VmHWM:") - rss_before) / 1024.0);
  }
  std::printf(
      "  (medians of %d runs; memory from one run before them; the file itself: %.1f MiB;\n"
      "   goals: the peak ≤ 150 MiB, the dry run ≥ 100,000 rows/s)\n",
      runs, file_mib);
  below->reset();
  std::filesystem::remove_all(dir);
  return 0;
}
