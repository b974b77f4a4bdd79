// Reading the budget and settlement tables a 財務会計システム exports (予算事業別 一覧): one row
// per 予算事業コード (or 事業番号), amounts in 円 or 千円 as the header or a 単位 line says,
// 財源内訳 and 人工 where given. Every amount keeps its cell text; what cannot be read is a
// finding. No storage and no RPC here: the domain matches rows to the plan's 事業
// (cost_table_import.cc).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "sokei/kpi/v1/resources.pb.h"

namespace sokei::kpi {

struct CostRow {
  int line = 0;             // 1-based line of the file
  std::string budget_code;  // 予算事業コード as written (NFKC)
  std::string node_code;    // 事業番号 as written (NFKC)
  std::string title;        // 事業名, for the findings
  int fiscal_year = 0;
  v1::ProjectCost cost;  // amounts in yen, has_settlement, staff_fte, raw
  bool bad = false;      // an ERROR finding on this row
};

struct CostTable {
  std::vector<std::string> headers;  // as written
  std::vector<CostRow> rows;
  std::vector<v1::ImportFinding> findings;
};

// INVALID_ARGUMENT (COST_TABLE_INVALID) when no header row names a 予算事業コード or 事業番号
// column and at least one amount, or when no year is known (no 年度 column, `fiscal_year` 0).
absl::StatusOr<CostTable> ParseCostTable(const std::string& text, int fiscal_year);

// An amount cell in yen: "1,234", "１，２３４", "△500", "▲1,000", "-1,000" (negative), "12.5"
// in 千円 (12,500 円). `scale` is 1 or 1000. nullopt when the cell is not an amount; an empty cell,
// "-" or "—" is 0 with `*blank` set.
std::optional<int64_t> ParseYen(absl::string_view cell, int64_t scale, bool* blank);

}  // namespace sokei::kpi
