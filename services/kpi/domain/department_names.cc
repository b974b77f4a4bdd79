#include "services/kpi/domain/department_names.h"

#include <tuple>

namespace sokei::kpi {

std::string DepartmentNameIn(const plan::v1::Department& d, int fiscal_year) {
  const auto last_day = std::make_tuple(fiscal_year + 1, 3, 31);
  const plan::v1::FormerName* in_force = nullptr;
  for (const auto& f : d.former_names()) {
    const auto until =
        std::make_tuple(f.valid_until().year(), f.valid_until().month(), f.valid_until().day());
    if (until < last_day) continue;
    if (in_force == nullptr ||
        until < std::make_tuple(in_force->valid_until().year(), in_force->valid_until().month(),
                                in_force->valid_until().day())) {
      in_force = &f;
    }
  }
  return in_force != nullptr ? in_force->display_name() : d.display_name();
}

}  // namespace sokei::kpi
