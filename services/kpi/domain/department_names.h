// Names as they were: a department's name in force in a fiscal year, from its rename history
// (Department.former_names with the last day each was used), so that a past year's sheets and
// reports print the names of that year.
#pragma once

#include <string>

#include "sokei/plan/v1/resources.pb.h"

namespace sokei::kpi {

// The name the department had on the last day of `fiscal_year` (31 March of the next year): the
// oldest former name still in use that day, else its current name.
std::string DepartmentNameIn(const plan::v1::Department& d, int fiscal_year);

}  // namespace sokei::kpi
