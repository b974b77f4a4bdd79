// tenant_bench: does a city's read cost stay flat as other cities share the database? On
// PostgreSQL (SOKEI_BENCH_PG_DSN), the plan and KPI domains as the services run them:
//  1. one city alone: a plan of its progress table (--indicators rows → nodes, indicators) with
//     --years years of actuals; its reads timed (the reference);
//  2. the same city among --municipalities cities of the same shape in one database (the shared
//     ガバメントクラウド deployment): the same reads, the ratio to (1) (goal ≤ 1.2);
//  3. growth: progress tables of 1,000, 10,000 and 100,000 rows imported into fresh plans, the
//     import time and the uncached summary per row (goal: linear or better).
// Medians of --runs calls; each read is the domain call a service makes for its RPC (no gRPC).
// usage: tenant_bench [--municipalities=200] [--indicators=500] [--years=10] [--runs=30]
//                     [--growth=1000,10000,100000]
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "bench/synthetic_actuals.h"
#include "bench/synthetic_table.h"
#include "common/jp/municipality_code.h"
#include "common/storage/postgres/pg_driver.h"
#include "tests/support/domain_stack.h"
#include "tests/support/plan_fixtures.h"

namespace sokei {
namespace {

using Clock = std::chrono::steady_clock;

double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

[[noreturn]] void Fail(const std::string& what, const absl::Status& s) {
  std::fprintf(stderr, "tenant_bench: %s: %s\n", what.c_str(), s.ToString().c_str());
  std::exit(1);
}

// Valid 全国地方公共団体コード other than 142140: five digits and their check digit.
std::vector<std::string> MunicipalityCodes(int n) {
  std::vector<std::string> out;
  for (int prefix = 10000; static_cast<int>(out.size()) < n && prefix < 99999; prefix += 7) {
    for (int d = 0; d <= 9; ++d) {
      const std::string code = absl::StrCat(prefix, d);
      if (code != "142140" && jp::IsValidMunicipalityCode(code)) {
        out.push_back(code);
        break;
      }
    }
  }
  return out;
}

// A database of its own: the plan and KPI schemas (named after this process and `tag`).
struct Databases {
  std::unique_ptr<storage::Database> plan, kpi;
  std::unique_ptr<testing::DomainStack> stack;
  explicit Databases(const std::string& dsn, const std::string& tag) {
    const std::string base = absl::StrCat("tenant_", getpid(), "_", tag);
    auto p = storage::OpenPostgres({dsn, base + "_plan", 4, 600000});
    auto k = storage::OpenPostgres({dsn, base + "_kpi", 4, 600000});
    if (!p.ok()) Fail("open", p.status());
    if (!k.ok()) Fail("open", k.status());
    plan = std::move(*p);
    kpi = std::move(*k);
    auto s = testing::DomainStack::Make(plan.get(), kpi.get());
    if (!s.ok()) Fail("stack", s.status());
    stack = std::move(*s);
  }
};

const auth::Principal& Admin() {
  static const auth::Principal p = testing::TestPrincipal(auth::Role::kAdmin, "*");
  return p;
}

// A plan for municipality `m` from a progress table of `rows` rows, with `years` years of actuals
// (the table's FY2020 and the years before it). Returns the import's milliseconds.
double LoadCity(testing::DomainStack& s, const std::string& m, const std::string& plan_id, int rows,
                int years) {
  if (m != "142140") {
    plan::v1::CreateMunicipalityRequest cm;
    cm.set_municipality_id(m);
    cm.mutable_municipality()->set_display_name(absl::StrCat("市", m));
    if (auto r = s.plans->CreateMunicipality(Admin(), cm);
        !r.ok() && r.status().code() != absl::StatusCode::kAlreadyExists) {
      Fail("municipality", r.status());
    }
  }
  const std::string parent = absl::StrCat("municipalities/", m);
  auto p = testing::PlanRequest(parent, plan_id, 2015, 2024,
                                {"基本政策", "施策展開の方向", "施策", "事業"});
  p.mutable_plan()->set_layer(plan::v1::PLAN_LAYER_IMPLEMENTATION_PLAN);
  if (auto r = s.plans->CreatePlan(Admin(), p); !r.ok()) Fail("plan", r.status());
  kpi::v1::ImportProgressTableRequest ir;
  ir.set_parent(absl::StrCat(parent, "/plans/", plan_id));
  ir.set_content(bench::SyntheticTable(rows));
  const auto t0 = Clock::now();
  auto imported = s.kpi->ImportProgressTable(Admin(), ir);
  const double import_ms = Ms(Clock::now() - t0);
  if (!imported.ok()) Fail("import", imported.status());
  if (!imported->committed()) Fail("import", absl::InternalError("not committed"));
  if (auto r = bench::RecordEarlierActuals(*s.kpi, Admin(), parent, years); !r.ok()) {
    Fail("observations", r);
  }
  return import_ms;
}

struct Reads {
  double summary = 0, tree = 0, indicator = 0, list = 0;
};

// The city's reads, `runs` times each: medians.
Reads TimeReads(testing::DomainStack& s, const std::string& m, const std::string& plan_id,
                int runs) {
  const std::string plan = absl::StrCat("municipalities/", m, "/plans/", plan_id);
  kpi::v1::GetPlanSummaryRequest sr;
  sr.set_plan(plan);
  sr.set_fiscal_year(2020);
  kpi::v1::ListIndicatorsRequest lr;
  lr.set_parent(absl::StrCat("municipalities/", m));
  lr.set_page_size(100);
  auto first = s.kpi->ListIndicators(Admin(), lr);
  if (!first.ok() || first->indicators().empty()) Fail("list", first.status());
  kpi::v1::GetIndicatorRequest gr;
  gr.set_name(first->indicators(first->indicators_size() / 2).name());
  std::vector<double> summary, tree, indicator, list;
  for (int i = 0; i < runs; ++i) {
    auto t0 = Clock::now();
    if (auto r = s.kpi->GetPlanSummary(Admin(), sr); !r.ok()) Fail("summary", r.status());
    auto t1 = Clock::now();
    if (auto r = s.plan_client->GetPlanTree(Admin(), plan); !r.ok()) Fail("tree", r.status());
    auto t2 = Clock::now();
    if (auto r = s.kpi->GetIndicator(Admin(), gr); !r.ok()) Fail("indicator", r.status());
    auto t3 = Clock::now();
    if (auto r = s.kpi->ListIndicators(Admin(), lr); !r.ok()) Fail("list", r.status());
    auto t4 = Clock::now();
    summary.push_back(Ms(t1 - t0));
    tree.push_back(Ms(t2 - t1));
    indicator.push_back(Ms(t3 - t2));
    list.push_back(Ms(t4 - t3));
  }
  return {Median(summary), Median(tree), Median(indicator), Median(list)};
}

}  // namespace
}  // namespace sokei

int main(int argc, char** argv) {
  using namespace sokei;
  int municipalities = 200, indicators = 500, years = 10, runs = 30;
  std::vector<int> growth = {1000, 10000, 100000};
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&](const char* key, int* out) {
      if (a.rfind(key, 0) == 0) (void)absl::SimpleAtoi(a.substr(strlen(key)), out);
    };
    value("--municipalities=", &municipalities);
    value("--indicators=", &indicators);
    value("--years=", &years);
    value("--runs=", &runs);
    if (a.rfind("--growth=", 0) == 0) {
      growth.clear();
      for (auto part : absl::StrSplit(a.substr(9), ',', absl::SkipEmpty())) {
        int n = 0;
        if (absl::SimpleAtoi(part, &n) && n > 0) growth.push_back(n);
      }
    }
  }
  const char* dsn = std::getenv("SOKEI_BENCH_PG_DSN");
  if (dsn == nullptr || *dsn == '\0') {
    std::fprintf(stderr, "tenant_bench: set SOKEI_BENCH_PG_DSN (scripts/bench.sh tenant does)\n");
    return 2;
  }
  std::printf(
      "tenant_bench: PostgreSQL; a city = a plan of %d indicators (its progress table) with %d "
      "years of actuals; medians of %d calls; %u cores\n",
      indicators, years, runs, std::thread::hardware_concurrency());

  // 1. The city alone.
  Databases alone(dsn, "alone");
  LoadCity(*alone.stack, "142140", "p", indicators, years);
  const Reads single = TimeReads(*alone.stack, "142140", "p", runs);

  // 2. The same city among the others, in one database: the others loaded first, then the city.
  Databases shared(dsn, "shared");
  const auto l0 = Clock::now();
  for (const std::string& m : MunicipalityCodes(municipalities - 1)) {
    LoadCity(*shared.stack, m, "p", indicators, years);
  }
  LoadCity(*shared.stack, "142140", "p", indicators, years);
  const double load_s = Ms(Clock::now() - l0) / 1000;
  const Reads many = TimeReads(*shared.stack, "142140", "p", runs);
  std::printf("\n%d cities in one database (%d indicators, %d observations; loaded in %.0f s)\n",
              municipalities, municipalities * indicators, municipalities * indicators * years,
              load_s);
  std::printf("  %-44s %12s %14s %8s\n", "read of one city", "alone ms", "among all ms", "ratio");
  auto row = [](const char* what, double a, double b) {
    std::printf("  %-44s %12.2f %14.2f %7.2f×\n", what, a, b, b / a);
  };
  row("GetPlanSummary FY2020 (uncached)", single.summary, many.summary);
  row("GetPlanTree", single.tree, many.tree);
  row("GetIndicator", single.indicator, many.indicator);
  row("ListIndicators, first page of 100", single.list, many.list);
  std::printf("  (goal: every ratio ≤ 1.20)\n");

  // 3. Growth: one city's table of 1k, 10k, 100k rows, each into a plan of its own.
  if (!growth.empty()) {
    Databases g(dsn, "growth");
    std::printf("\nimport and summary as a table grows (one year of actuals)\n");
    std::printf("  %10s %12s %14s %14s %16s\n", "rows", "import ms", "µs per row", "summary ms",
                "µs per indicator");
    // A city of its own per size: indicators are the municipality's, shared by its plans.
    const std::vector<std::string> cities = MunicipalityCodes(static_cast<int>(growth.size()));
    for (size_t i = 0; i < growth.size(); ++i) {
      const int rows = growth[i];
      const double import_ms = LoadCity(*g.stack, cities[i], "p", rows, 1);
      const Reads r = TimeReads(*g.stack, cities[i], "p", std::max(3, runs / 10));
      std::printf("  %10d %12.0f %14.1f %14.1f %16.2f\n", rows, import_ms, 1000 * import_ms / rows,
                  r.summary, 1000 * r.summary / rows);
    }
  }
  return 0;
}
