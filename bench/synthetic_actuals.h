// Years of actuals for every indicator of a municipality (random counts, a fixed seed), recorded
// through the KPI domain in batches of 1,000: what kpi_bench and tenant_bench add to an imported
// progress table (which gives FY2020).
#pragma once

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "services/kpi/domain/kpi_domain.h"

namespace sokei::bench {

// Records `years` - 1 years of actuals before 2020 for every indicator of `municipality`
// ("municipalities/142140").
inline absl::Status RecordEarlierActuals(kpi::KpiDomain& kpi, const auth::Principal& p,
                                         const std::string& municipality, int years) {
  std::vector<std::string> names;
  kpi::v1::ListIndicatorsRequest lr;
  lr.set_parent(municipality);
  lr.set_page_size(500);
  while (true) {
    auto page = kpi.ListIndicators(p, lr);
    if (!page.ok()) return page.status();
    for (const auto& i : page->indicators()) names.push_back(i.name());
    if (page->next_page_token().empty()) break;
    lr.set_page_token(page->next_page_token());
  }
  std::mt19937 rng(7);
  for (int y = 2020 - years + 1; y < 2020; ++y) {
    for (size_t start = 0; start < names.size(); start += 1000) {
      kpi::v1::RecordObservationsRequest rr;
      rr.set_parent(municipality);
      for (size_t i = start; i < std::min(names.size(), start + 1000); ++i) {
        auto* o = rr.add_observations();
        o->set_indicator(names[i]);
        o->set_fiscal_year(y);
        o->set_raw_value(absl::StrCat(rng() % 5000, "人"));
      }
      if (auto r = kpi.RecordObservations(p, rr); !r.ok()) return r.status();
    }
  }
  return absl::OkStatus();
}

}  // namespace sokei::bench
