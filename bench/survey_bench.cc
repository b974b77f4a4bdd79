// Survey aggregates over 1,000,000 respondents × 40 questions, in one run:
//   - Sokei: every question's distribution (unweighted and weighted) and one 2-dimension
//     cross-tab with disclosure control, on the compact columnar form the service keeps in memory;
//   - references: the same aggregates by SQLite GROUP BY over the same data (the engine the
//     service embeds; file database, default cache) in a wide table (a column per question), and
//     in the long table a database user would keep, answers(respondent, question, answer), without
//     and with a covering index.
//   - with --service=HOST:PORT (a running sokei-survey in dev mode; --service-pid=PID for its
//     RSS): the same respondents imported through the service over gRPC in files of 50,000, then
//     every distribution and the cross-tab asked by RPC (survey_through_service.h), beside the
//     long-table references.
// Prints medians of --runs runs, the ratio, and the process's peak RSS after the columnar part
// (before SQLite is touched) and at the end.
// usage: survey_bench [--respondents=N] [--questions=N] [--runs=N] [--quick]
//                     [--service=HOST:PORT [--service-pid=PID]]
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "bench/survey_through_service.h"
#include "demo/demo_survey.h"
#include "services/survey/stats/stats.h"

namespace {

using Clock = std::chrono::steady_clock;
namespace st = sokei::survey::stats;

double Ms(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

long PeakRssMiB() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::strtol(line.c_str() + 6, nullptr, 10) / 1024;
  }
  return -1;
}

void Exec(sqlite3* db, const std::string& sql) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    std::fprintf(stderr, "sqlite: %s\n", err ? err : "?");
    std::exit(1);
  }
}

// Runs a GROUP BY and sums its counts (so the work cannot be skipped).
int64_t GroupCount(sqlite3* db, const std::string& sql) {
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) std::exit(1);
  int64_t total = 0;
  const int last = sqlite3_column_count(stmt) - 1;
  while (sqlite3_step(stmt) == SQLITE_ROW) total += sqlite3_column_int64(stmt, last);
  sqlite3_finalize(stmt);
  return total;
}

}  // namespace

int main(int argc, char** argv) {
  size_t n = 1000000;
  int questions = 40, runs = 3;
  std::string service;
  pid_t service_pid = 0;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--quick") {
      n = 20000;
      runs = 1;
    } else if (a.rfind("--respondents=", 0) == 0) {
      n = std::strtoul(a.c_str() + 14, nullptr, 10);
    } else if (a.rfind("--questions=", 0) == 0) {
      questions = std::atoi(a.c_str() + 12);
    } else if (a.rfind("--runs=", 0) == 0) {
      runs = std::max(1, std::atoi(a.c_str() + 7));
    } else if (a.rfind("--service=", 0) == 0) {
      service = a.substr(10);
    } else if (a.rfind("--service-pid=", 0) == 0) {
      service_pid = std::atoi(a.c_str() + 14);
    }
  }
  std::printf(
      "survey_bench: %zu respondents × %d questions (5-point + わからない), "
      "attributes sex × age band × district; medians of %d runs\n",
      n, questions, runs);
  auto t0 = Clock::now();
  st::Dataset data = sokei::survey::demo::MakeBenchDataset(n, questions, 7);
  auto t1 = Clock::now();
  std::printf("  generated in %.0f ms\n", Ms(t0, t1));
  st::WeightingInput wi;
  wi.method = st::WeightingInput::Method::kRaking;
  wi.attributes = {0, 1, 2};
  wi.margins = {{42300, 42700},
                {12000, 11500, 14500, 14000, 12000, 21000},
                {38000, 1700, 9000, 12000, 15000, 9300}};
  auto tw0 = Clock::now();
  auto weights = st::ComputeWeights(data, wi);
  auto tw1 = Clock::now();
  if (!weights.ok()) return 1;

  std::vector<double> dist_ms, wdist_ms, tab_ms;
  int64_t checksum = 0, dchecksum = 0, wchecksum = 0;
  for (int r = 0; r < runs; ++r) {
    auto a = Clock::now();
    for (const auto& col : data.columns) dchecksum += st::Distribute(col, nullptr).answered;
    auto b = Clock::now();
    for (const auto& col : data.columns)
      wchecksum += st::Distribute(col, &weights->weights).answered;
    auto c = Clock::now();
    auto tab = st::CrossTabulate(data, data.columns[0], {1, 2}, nullptr);
    auto table = st::MakeTable(tab);
    st::Suppress(table, {10, 50});
    checksum += table.at(table.rows, table.cols);
    auto d = Clock::now();
    dist_ms.push_back(Ms(a, b));
    wdist_ms.push_back(Ms(b, c));
    tab_ms.push_back(Ms(c, d));
  }
  checksum += dchecksum;
  const long rss_columnar = PeakRssMiB();

  // The reference: the same data in a SQLite table, the same aggregates by GROUP BY.
  char dir[] = "/tmp/sokei-survey-bench-XXXXXX";
  if (mkdtemp(dir) == nullptr) return 1;
  const std::string path = std::string(dir) + "/bench.db";
  sqlite3* db = nullptr;
  if (sqlite3_open(path.c_str(), &db) != SQLITE_OK) return 1;
  Exec(db, "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF");
  std::string create = "CREATE TABLE r (sex INT, age INT, district INT";
  for (int q = 0; q < questions; ++q) absl::StrAppend(&create, ", q", q, " INT");
  Exec(db, create + ")");
  auto l0 = Clock::now();
  Exec(db, "BEGIN");
  std::string insert = "INSERT INTO r VALUES (?, ?, ?";
  for (int q = 0; q < questions; ++q) insert += ", ?";
  insert += ")";
  sqlite3_stmt* ins = nullptr;
  sqlite3_prepare_v2(db, insert.c_str(), -1, &ins, nullptr);
  for (size_t i = 0; i < n; ++i) {
    for (int a = 0; a < 3; ++a) sqlite3_bind_int(ins, a + 1, data.attributes[a][i]);
    for (int q = 0; q < questions; ++q) {
      const uint8_t c = data.columns[q].codes[i];
      if (c == st::kMissing) {
        sqlite3_bind_null(ins, q + 4);
      } else {
        sqlite3_bind_int(ins, q + 4, c);
      }
    }
    sqlite3_step(ins);
    sqlite3_reset(ins);
  }
  sqlite3_finalize(ins);
  Exec(db, "COMMIT");
  auto l1 = Clock::now();
  std::vector<double> sql_dist_ms, sql_tab_ms;
  int64_t sql_checksum = 0;
  for (int r = 0; r < runs; ++r) {
    auto a = Clock::now();
    for (int q = 0; q < questions; ++q) {
      sql_checksum += GroupCount(db, absl::StrCat("SELECT q", q, ", COUNT(*) FROM r WHERE q", q,
                                                  " IS NOT NULL GROUP BY q", q));
    }
    auto b = Clock::now();
    sql_checksum += GroupCount(db,
                               "SELECT age, district, q0, COUNT(*) FROM r WHERE q0 IS NOT NULL "
                               "AND q0 <> 5 GROUP BY age, district, q0");
    auto c = Clock::now();
    sql_dist_ms.push_back(Ms(a, b));
    sql_tab_ms.push_back(Ms(b, c));
  }
  // The table a database user would keep: one row per answer, answers(respondent, question,
  // answer), respondents in their own table; the same aggregates by one GROUP BY each — first
  // without an index, then with a covering index (question, answer, respondent).
  Exec(db, "CREATE TABLE respondents (id INTEGER PRIMARY KEY, sex INT, age INT, district INT)");
  Exec(db, "CREATE TABLE answers (respondent INT, question INT, answer INT)");
  auto ll0 = Clock::now();
  Exec(db, "BEGIN");
  sqlite3_stmt* rins = nullptr;
  sqlite3_stmt* ains = nullptr;
  sqlite3_prepare_v2(db, "INSERT INTO respondents VALUES (?, ?, ?, ?)", -1, &rins, nullptr);
  sqlite3_prepare_v2(db, "INSERT INTO answers VALUES (?, ?, ?)", -1, &ains, nullptr);
  int64_t long_rows = 0;
  for (size_t i = 0; i < n; ++i) {
    sqlite3_bind_int64(rins, 1, static_cast<int64_t>(i));
    for (int a = 0; a < 3; ++a) sqlite3_bind_int(rins, a + 2, data.attributes[a][i]);
    sqlite3_step(rins);
    sqlite3_reset(rins);
    for (int q = 0; q < questions; ++q) {
      const uint8_t c = data.columns[q].codes[i];
      if (c == st::kMissing) continue;  // 無回答: no row
      sqlite3_bind_int64(ains, 1, static_cast<int64_t>(i));
      sqlite3_bind_int(ains, 2, q);
      sqlite3_bind_int(ains, 3, c);
      sqlite3_step(ains);
      sqlite3_reset(ains);
      ++long_rows;
    }
  }
  sqlite3_finalize(rins);
  sqlite3_finalize(ains);
  Exec(db, "COMMIT");
  auto ll1 = Clock::now();
  const std::string long_dist =
      "SELECT question, answer, COUNT(*) FROM answers GROUP BY question, answer";
  const std::string long_tab =
      "SELECT r.age, r.district, a.answer, COUNT(*) FROM answers a JOIN respondents r "
      "ON r.id = a.respondent WHERE a.question = 0 AND a.answer <> 5 "
      "GROUP BY r.age, r.district, a.answer";
  auto long_run = [&](std::vector<double>* dist, std::vector<double>* tab) {
    for (int r = 0; r < runs; ++r) {
      auto a = Clock::now();
      const int64_t counted = GroupCount(db, long_dist);
      auto b = Clock::now();
      const int64_t tabbed = GroupCount(db, long_tab);
      auto c = Clock::now();
      if (counted != long_rows || tabbed <= 0) {
        std::fprintf(stderr, "the long table counted %lld answers of %lld\n",
                     static_cast<long long>(counted), static_cast<long long>(long_rows));
        std::exit(1);
      }
      dist->push_back(Ms(a, b));
      tab->push_back(Ms(b, c));
    }
  };
  std::vector<double> long_dist_ms, long_tab_ms, idx_dist_ms, idx_tab_ms;
  long_run(&long_dist_ms, &long_tab_ms);
  auto i0 = Clock::now();
  Exec(db, "CREATE INDEX answers_covering ON answers (question, answer, respondent)");
  auto i1 = Clock::now();
  long_run(&idx_dist_ms, &idx_tab_ms);
  sqlite3_close(db);
  unlink(path.c_str());
  rmdir(dir);

  const double d = Median(dist_ms), w = Median(wdist_ms), t = Median(tab_ms);
  const double sd = Median(sql_dist_ms), stt = Median(sql_tab_ms);
  std::printf("\n  %-58s %10s %12s\n", "aggregate", "median ms", "vs sqlite3");
  std::printf("  %-58s %10.1f %12s\n", "sqlite3 GROUP BY, all question distributions", sd, "1.0×");
  std::printf("  %-58s %10.1f %11.1f×\n", "Sokei columnar, all question distributions", d, sd / d);
  std::printf("  %-58s %10.1f %11.1f×\n", "Sokei columnar, all distributions weighted (raked)", w,
              sd / w);
  std::printf("  %-58s %10.1f %12s\n", "sqlite3 GROUP BY, cross-tab age × district × answer", stt,
              "1.0×");
  std::printf("  %-58s %10.1f %11.1f×\n", "Sokei cross-tab age × district, with suppression", t,
              stt / t);
  const double ld = Median(long_dist_ms), lt = Median(long_tab_ms);
  const double xd = Median(idx_dist_ms), xt = Median(idx_tab_ms);
  std::printf("\n  the long table answers(respondent, question, answer), %lld rows:\n",
              static_cast<long long>(long_rows));
  std::printf("  %-58s %10.1f %12s\n", "sqlite3, all distributions (one GROUP BY)", ld, "1.0×");
  std::printf("  %-58s %10.1f %11.1f×\n", "Sokei columnar, all question distributions", d, ld / d);
  std::printf("  %-58s %10.1f %12s\n", "sqlite3 + covering index, all distributions", xd, "1.0×");
  std::printf("  %-58s %10.1f %11.1f×\n", "Sokei columnar, all question distributions", d, xd / d);
  std::printf("  %-58s %10.1f %12s\n", "sqlite3, cross-tab (join respondents)", lt, "1.0×");
  std::printf("  %-58s %10.1f %11.1f×\n", "Sokei cross-tab age × district, with suppression", t,
              lt / t);
  std::printf("  %-58s %10.1f %12s\n", "sqlite3 + covering index, cross-tab", xt, "1.0×");
  std::printf("  %-58s %10.1f %11.1f×\n", "Sokei cross-tab age × district, with suppression", t,
              xt / t);
  std::printf(
      "\n  raking weights (3 margins, %d iterations): %.0f ms; sqlite3 loads: wide %.0f ms, long "
      "%.0f ms, covering index %.0f ms\n",
      weights->iterations, Ms(tw0, tw1), Ms(l0, l1), Ms(ll0, ll1), Ms(i0, i1));
  std::printf("  peak RSS after the columnar part: %ld MiB (goal ≤ 200); at the end: %ld MiB\n",
              rss_columnar, PeakRssMiB());
  bool service_agrees = true;
  if (!service.empty()) {
    auto f = sokei::bench::RunThroughService(service, service_pid, data, runs);
    if (!f.ok()) {
      std::fprintf(stderr, "through the service: %s\n", std::string(f.status().message()).c_str());
      return 1;
    }
    std::printf(
        "\n  through the running sokei-survey over gRPC (%lld respondents imported in files of "
        "50,000: %.0f ms, %.0f respondents/s):\n",
        f->imported, f->import_ms, f->imported / (f->import_ms / 1000));
    std::printf("  %-58s %10.1f\n", "first GetQuestionStats (the service compiles the responses)",
                f->first_stats_ms);
    std::printf("  %-58s %10.1f %11.1f×\n", "every GetQuestionStats, vs sqlite3 long table",
                f->all_stats_ms, ld / f->all_stats_ms);
    std::printf("  %-58s %10.1f %11.1f×\n", "every GetQuestionStats, vs sqlite3 + covering index",
                f->all_stats_ms, xd / f->all_stats_ms);
    std::printf("  %-58s %10.1f %11.1f×\n", "GetCrossTab age × district, vs sqlite3 long table",
                f->crosstab_ms, lt / f->crosstab_ms);
    std::printf("  %-58s %10.1f %11.1f×\n", "GetCrossTab age × district, vs + covering index",
                f->crosstab_ms, xt / f->crosstab_ms);
    if (f->rss_after_import_mib > 0) {
      std::printf(
          "  the service's RSS: %.0f MiB after the imports (heap %.0f), %.0f MiB after the stats "
          "(heap %.0f; the rest is SQLite's mapped database)\n",
          f->rss_after_import_mib, f->anon_after_import_mib, f->rss_after_stats_mib,
          f->anon_after_stats_mib);
    }
    service_agrees = f->answered * runs == dchecksum;
    std::printf("  answers counted through the service: %lld — %s\n", f->answered,
                service_agrees ? "agree" : "DIFFER");
  }
  // Both sides counted the same answers.
  const bool agree = checksum == sql_checksum && wchecksum == dchecksum && service_agrees;
  std::printf("  answers counted: Sokei %lld, sqlite3 %lld — %s\n",
              static_cast<long long>(checksum), static_cast<long long>(sql_checksum),
              agree ? "agree" : "DIFFER");
  return agree ? 0 : 1;
}
