// The planning stage of a table import: from the parsed table and the plan's tree to the nodes,
// departments and indicators the import would write — with a finding for every row it refuses.
// No storage and no RPC here: the writing stage (services/kpi/domain/table_import*.cc) carries
// the plan out.
#pragma once

#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "services/kpi/import/progress_table.h"
#include "sokei/kpi/v1/resources.pb.h"
#include "sokei/plan/v1/plan_service.pb.h"

namespace sokei::kpi {

// A resource id from a human code: 06-101 → l2-06-101, 【施策06】 → a hash.
std::string ImportIdFrom(const std::string& prefix, const std::string& code);

struct NodeKey {
  int level;
  std::string code;
  bool operator<(const NodeKey& o) const {
    return std::tie(level, code) < std::tie(o.level, o.code);
  }
};

struct PlannedNode {
  NodeKey key;
  std::string name;
  std::string display_name;
  std::string parent;  // node name
  int row = 0;
  std::string stored_code;  // key.code, or with its level's label when another level has it
};

struct PlannedIndicator {
  v1::Indicator ind;
  std::vector<std::pair<int, type::v1::Measurement>> targets;  // year → value
  std::vector<std::pair<int, type::v1::Measurement>> actuals;
  int row = 0;
  std::string department;     // as written (ditto resolved)
  std::vector<Field> absent;  // a short row's missing columns: stored values stay
  struct Reported {
    std::string rate, grade;
  };
  std::map<int, Reported> reported;  // the city's own 達成率 / 評価, by year
  std::map<int, type::v1::Measurement> forecasts;  // 見込 beside an actual of the same year
  std::set<int> reference_years;                   // 参考 columns' years: kept, not graded
};

struct ImportPlan {
  std::vector<v1::ImportFinding> findings;  // the parser's, then the planner's
  // Level names to give the plan (inferred from the table's section labels), or empty when the
  // plan's own level names were matched.
  std::vector<std::string> level_names;
  std::map<NodeKey, PlannedNode> nodes;  // existing and new
  std::vector<NodeKey> creation_order;   // new nodes, parents first
  std::vector<PlannedIndicator> indicators;
  std::map<std::string, int> department_rows;  // department as written → first row
  std::set<int> bad_rows;                      // rows with an ERROR: skipped under allow_partial
  int nodes_existing = 0;
};

// The title of the one section a table without any section gets (a flat list of indicators).
inline constexpr char kFlatListSection[] = "指標一覧";

// `tree` is the plan's current tree (its levels, period and nodes). With `allow_partial`, a table
// whose every row is refused gets ALL_ROWS_REFUSED.
ImportPlan PlanImport(const ParsedTable& table, const plan::v1::PlanTree& tree, bool allow_partial);

}  // namespace sokei::kpi
