#include "services/kpi/import/cost_table.h"

#include <cmath>
#include <map>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "common/jp/delimited.h"
#include "common/jp/fiscal_year.h"
#include "common/jp/measurement.h"
#include "common/jp/text.h"
#include "common/status/status.h"

namespace sokei::kpi {
namespace {

enum class CostField {
  kIgnore,
  kBudgetCode,
  kNodeCode,
  kTitle,
  kYear,
  kInitial,
  kSupplementary,
  kCurrent,
  kSettlement,
  kCarried,
  kNational,
  kPrefectural,
  kBonds,
  kOther,
  kGeneral,
  kFte,
};

// The field name of a cell's text (ProjectCost.raw) for a field.
const char* RawKey(CostField f) {
  switch (f) {
    case CostField::kInitial:
      return "initial_budget";
    case CostField::kSupplementary:
      return "supplementary_budgets";
    case CostField::kCurrent:
      return "current_budget";
    case CostField::kSettlement:
      return "settlement";
    case CostField::kCarried:
      return "carried_forward";
    case CostField::kNational:
      return "funding.national";
    case CostField::kPrefectural:
      return "funding.prefectural";
    case CostField::kBonds:
      return "funding.bonds";
    case CostField::kOther:
      return "funding.other_specific";
    case CostField::kGeneral:
      return "funding.general";
    case CostField::kFte:
      return "staff_fte";
    default:
      return "";
  }
}

// A header's field, from the words cities' systems use. Order matters: the more specific first.
CostField FieldOf(const std::string& header) {
  const std::string h = absl::StrReplaceAll(jp::Nfkc(header), {{" ", ""}, {"　", ""}});
  auto has = [&](const char* w) { return absl::StrContains(h, w); };
  if (has("予算事業コード") || has("事業コード") || has("予算コード"))
    return CostField::kBudgetCode;
  if (has("事業番号") || h == "番号" || h == "No" || h == "No.") return CostField::kNodeCode;
  if (has("事業名") || h == "名称") return CostField::kTitle;
  if (h == "年度" || has("会計年度")) return CostField::kYear;
  if (has("一般財源")) return CostField::kGeneral;
  if (has("国庫")) return CostField::kNational;
  if (has("県支出金") || has("都道府県") || has("県費")) return CostField::kPrefectural;
  if (has("地方債") || has("市債") || has("町債") || has("村債")) return CostField::kBonds;
  if (has("その他")) return CostField::kOther;
  if (has("人工") || has("従事職員") || has("従事人員")) return CostField::kFte;
  if (has("予算現額") || has("現計予算")) return CostField::kCurrent;
  if (has("繰越")) return CostField::kCarried;
  if (has("決算")) return CostField::kSettlement;
  if (has("補正")) return CostField::kSupplementary;
  if (has("当初")) return CostField::kInitial;
  return CostField::kIgnore;
}

bool IsAmount(CostField f) { return f >= CostField::kInitial && f <= CostField::kGeneral; }

// 1000 for a header (or a 単位 line) in 千円, 1 for one in 円, 0 when it says neither.
int64_t ScaleOf(const std::string& text) {
  const std::string t = jp::Nfkc(text);
  if (absl::StrContains(t, "千円")) return 1000;
  if (absl::StrContains(t, "百万円")) return 1000000;
  if (absl::StrContains(t, "円")) return 1;
  return 0;
}

// Keeps a cell's text beside the value read from it (two cells of one field: joined).
void AddCellText(v1::ProjectCost* cost, const std::string& field, const std::string& text) {
  for (auto& c : *cost->mutable_raw()) {
    if (c.field() == field) {
      c.set_text(absl::StrCat(c.text(), " / ", text));
      return;
    }
  }
  auto* c = cost->add_raw();
  c->set_field(field);
  c->set_text(text);
}

v1::ImportFinding Finding(int row, const std::string& column, const std::string& raw,
                          v1::FindingSeverity severity, const char* code,
                          const std::string& understood) {
  v1::ImportFinding f;
  f.set_row(row);
  f.set_column(column);
  f.set_raw(raw);
  f.set_severity(severity);
  f.set_code(code);
  f.set_understood(understood);
  return f;
}

}  // namespace

std::optional<int64_t> ParseYen(absl::string_view cell, int64_t scale, bool* blank) {
  std::string t(absl::StripAsciiWhitespace(jp::Nfkc(cell)));
  *blank = false;
  if (t.empty() || t == "-" || t == "—" || t == "―" || t == "－" || t == "‐") {
    *blank = true;
    return 0;
  }
  bool negative = false;
  for (const char* sign : {"△", "▲", "-", "−"}) {
    if (absl::StartsWith(t, sign)) {
      negative = true;
      t = t.substr(std::string(sign).size());
      break;
    }
  }
  // A unit written in the cell (1,234円, 12千円) overrides the column's.
  if (absl::EndsWith(t, "千円")) {
    scale = 1000;
    t = t.substr(0, t.size() - std::string("千円").size());
  } else if (absl::EndsWith(t, "円")) {
    scale = 1;
    t = t.substr(0, t.size() - std::string("円").size());
  }
  auto d = jp::ParseDecimal(t);
  if (!d || d->mantissa < 0) return std::nullopt;
  const double yen = jp::DecimalToDouble(*d) * static_cast<double>(scale);
  if (!(yen < 9.0e15)) return std::nullopt;  // beyond any municipal budget: not an amount
  const double rounded = std::round(yen);
  if (std::abs(rounded - yen) > 1e-6) return std::nullopt;  // a fraction of a yen
  const auto v = static_cast<int64_t>(rounded);
  return negative ? -v : v;
}

absl::StatusOr<CostTable> ParseCostTable(const std::string& text, int fiscal_year) {
  CostTable t;
  if (jp::HasControlCharacters(text) || !jp::IsValidUtf8(text)) {
    return status::InvalidField("IMPORT_NOT_A_TABLE", "content",
                                "contains binary data or control characters: save the sheet as "
                                "TSV, CSV (UTF-8 or Shift_JIS) or xlsx");
  }
  const std::vector<jp::DelimitedRow> rows = jp::SplitDelimited(text, jp::DetectDelimiter(text));
  // The header: the first row naming a key column and at least one amount.
  int header = -1;
  int64_t table_scale = 0;
  std::vector<CostField> fields;
  for (size_t i = 0; i < rows.size() && header < 0; ++i) {
    std::vector<CostField> f;
    bool key = false;
    int amounts = 0;
    for (const auto& cell : rows[i].cells) {
      f.push_back(FieldOf(cell));
      key = key || f.back() == CostField::kBudgetCode || f.back() == CostField::kNodeCode;
      amounts += IsAmount(f.back()) ? 1 : 0;
    }
    if (key && amounts > 0) {
      header = static_cast<int>(i);
      fields = std::move(f);
      break;
    }
    // A line above the header may give the unit: （単位：千円）.
    for (const auto& cell : rows[i].cells) {
      if (absl::StrContains(jp::Nfkc(cell), "単位") && ScaleOf(cell) != 0) {
        table_scale = ScaleOf(cell);
      }
    }
  }
  if (header < 0) {
    return status::InvalidField("COST_TABLE_INVALID", "content",
                                "no header row names a 予算事業コード or 事業番号 column and an "
                                "amount (当初予算, 補正予算, 予算現額, 決算額 …)");
  }
  const auto& hrow = rows[header].cells;
  t.headers = hrow;
  std::vector<int64_t> scales(hrow.size(), 1);
  bool unit_stated = table_scale != 0;
  bool has_year_column = false;
  for (size_t c = 0; c < hrow.size(); ++c) {
    const int64_t s = ScaleOf(hrow[c]);
    scales[c] = s != 0 ? s : (table_scale != 0 ? table_scale : 1);
    if (IsAmount(fields[c]) && s != 0) unit_stated = true;
    has_year_column = has_year_column || fields[c] == CostField::kYear;
  }
  if (!has_year_column && fiscal_year == 0) {
    return status::InvalidField("COST_TABLE_INVALID", "fiscal_year",
                                "the table has no 年度 column: give the fiscal year it covers");
  }
  if (!unit_stated) {
    t.findings.push_back(
        Finding(rows[header].line, "", "", v1::FINDING_SEVERITY_WARNING, "UNIT_NOT_STATED",
                "neither the header nor a 単位 line names 円 or 千円: read as 円"));
  }
  for (size_t i = header + 1; i < rows.size(); ++i) {
    const auto& cells = rows[i].cells;
    bool empty = true;
    for (const auto& c : cells) empty = empty && absl::StripAsciiWhitespace(c).empty();
    if (empty) continue;
    CostRow row;
    row.line = rows[i].line;
    row.fiscal_year = fiscal_year;
    v1::ProjectCost& cost = row.cost;
    for (size_t c = 0; c < cells.size() && c < fields.size(); ++c) {
      const std::string& cell = cells[c];
      const std::string value(absl::StripAsciiWhitespace(jp::Nfkc(cell)));
      switch (fields[c]) {
        case CostField::kBudgetCode:
          row.budget_code = value;
          continue;
        case CostField::kNodeCode:
          row.node_code = value;
          continue;
        case CostField::kTitle:
          row.title = value;
          continue;
        case CostField::kYear: {
          if (value.empty()) continue;
          int y = 0;
          if (!absl::SimpleAtoi(value, &y)) {
            // 令和2年度, R2: the year readings of every importer.
            auto ref = jp::FindYear(value);
            y = ref ? ref->start_year : 0;
          }
          if (y < 1900 || y > 2200) {
            t.findings.push_back(Finding(row.line, hrow[c], cell, v1::FINDING_SEVERITY_ERROR,
                                         "UNPARSED_YEAR", "not a fiscal year"));
            row.bad = true;
          } else {
            row.fiscal_year = y;
          }
          continue;
        }
        case CostField::kIgnore:
          continue;
        default:
          break;
      }
      if (fields[c] == CostField::kFte) {
        if (value.empty()) continue;
        auto d = jp::ParseDecimal(value);
        const double fte = d ? jp::DecimalToDouble(*d) : -1;
        if (!d || fte < 0 || fte > 1000) {
          t.findings.push_back(Finding(row.line, hrow[c], cell, v1::FINDING_SEVERITY_ERROR,
                                       "UNPARSED_AMOUNT", "not a number of person-years (人工)"));
          row.bad = true;
          continue;
        }
        cost.set_staff_fte(cost.staff_fte() + fte);
        AddCellText(&cost, RawKey(fields[c]), cell);
        continue;
      }
      bool blank = false;
      auto yen = ParseYen(cell, scales[c], &blank);
      if (!yen) {
        t.findings.push_back(Finding(row.line, hrow[c], cell, v1::FINDING_SEVERITY_ERROR,
                                     "UNPARSED_AMOUNT", "not an amount in 円 or 千円"));
        row.bad = true;
        continue;
      }
      if (blank && fields[c] != CostField::kSupplementary) continue;
      const std::string key = RawKey(fields[c]);
      AddCellText(&cost, key, cell);
      switch (fields[c]) {
        case CostField::kInitial:
          cost.set_initial_budget(cost.initial_budget() + *yen);
          break;
        case CostField::kSupplementary:
          if (!blank) cost.add_supplementary_budgets(*yen);
          break;
        case CostField::kCurrent:
          cost.set_current_budget(*yen);
          break;
        case CostField::kSettlement:
          cost.set_settlement(*yen);
          cost.set_has_settlement(true);
          break;
        case CostField::kCarried:
          cost.set_carried_forward(*yen);
          break;
        case CostField::kNational:
          cost.mutable_funding()->set_national(*yen);
          break;
        case CostField::kPrefectural:
          cost.mutable_funding()->set_prefectural(*yen);
          break;
        case CostField::kBonds:
          cost.mutable_funding()->set_bonds(*yen);
          break;
        case CostField::kOther:
          cost.mutable_funding()->set_other_specific(*yen);
          break;
        case CostField::kGeneral:
          cost.mutable_funding()->set_general(*yen);
          break;
        default:
          break;
      }
    }
    if (row.budget_code.empty() && row.node_code.empty()) {
      t.findings.push_back(Finding(row.line, "", "", v1::FINDING_SEVERITY_ERROR, "ROW_WITHOUT_KEY",
                                   "the row names no 予算事業コード and no 事業番号"));
      row.bad = true;
    }
    // The 財源内訳 should add up to what was spent (or budgeted): a difference is worth a look.
    const auto& fs = cost.funding();
    const int64_t funded =
        fs.national() + fs.prefectural() + fs.bonds() + fs.other_specific() + fs.general();
    const int64_t spent = cost.has_settlement() ? cost.settlement() : cost.current_budget();
    if (!row.bad && funded != 0 && spent != 0 && funded != spent) {
      t.findings.push_back(Finding(
          row.line, "", "", v1::FINDING_SEVERITY_WARNING, "FUNDING_MISMATCH",
          absl::StrCat("財源内訳 adds up to ", funded, " 円, not the ", spent, " 円 of the row")));
    }
    t.rows.push_back(std::move(row));
  }
  return t;
}

}  // namespace sokei::kpi
