#include "services/survey/domain/published_table.h"

#include <algorithm>
#include <cmath>
#include <optional>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/jp/delimited.h"
#include "common/jp/text.h"
#include "common/status/status.h"
#include "services/survey/domain/survey_internal.h"

namespace sokei::survey {
namespace {

namespace pb = ::sokei::survey::v1;

enum class Role { kIgnore, kNumber, kName, kN, kImportance, kSatisfaction, kMean, kOption };

bool Has(const std::string& s, std::initializer_list<const char*> words) {
  for (const char* w : words) {
    if (s.find(w) != std::string::npos) return true;
  }
  return false;
}

bool Is(const std::string& s, std::initializer_list<const char*> words) {
  for (const char* w : words) {
    if (s == w) return true;
  }
  return false;
}

Role Classify(const std::string& header) {
  const std::string h = jp::Nfkc(header);
  if (h.empty()) return Role::kIgnore;
  if (Is(h, {"番号", "No", "No.", "NO", "no", "問", "設問番号", "コード", "項目番号"}))
    return Role::kNumber;
  if (Is(h, {"設問", "質問", "項目", "施策", "施策名", "取組", "取り組み", "分野", "設問項目",
             "調査項目", "内容"})) {
    return Role::kName;
  }
  if (Is(h,
         {"n", "N", "回答者数", "回答数", "有効回答数", "回答者", "件数", "人数", "サンプル数"}) ||
      absl::StartsWith(h, "回答者数") || absl::StartsWith(h, "n(") || absl::StartsWith(h, "N(")) {
    return Role::kN;
  }
  if (Has(h, {"重要度"})) return Role::kImportance;
  if (Has(h, {"満足度"}) && !Has(h, {"%", "割合"})) return Role::kSatisfaction;
  if (Has(h, {"平均", "評価点", "得点", "指数", "スコア"})) return Role::kMean;
  return Role::kOption;
}

pb::Polarity PolarityOf(const std::string& label) {
  const std::string l = jp::Nfkc(label);
  if (Has(l, {"無回答", "不明", "わからない", "分からない", "わかりません"}))
    return pb::POLARITY_EXCLUDED;
  if (Has(l, {"どちらとも", "どちらでもない", "ふつう", "普通"})) return pb::POLARITY_NEUTRAL;
  if (Has(l, {"不満", "思わない", "悪い", "低い", "そうでない", "感じない"}))
    return pb::POLARITY_NEGATIVE;
  if (Has(l, {"満足", "そう思う", "良い", "よい", "高い", "感じる"})) return pb::POLARITY_POSITIVE;
  return pb::POLARITY_UNSPECIFIED;
}

// Scores for the options in base, from the first (the most positive) down: 5 → +2 … −2,
// 4 → +2, +1, −1, −2. Reversed when the scale is written from the negative end. None when an
// option's polarity is unknown.
void ScoreOptions(std::vector<pb::Option>* options) {
  std::vector<pb::Option*> scored;
  for (auto& o : *options) {
    if (o.polarity() == pb::POLARITY_UNSPECIFIED) return;
    if (o.polarity() != pb::POLARITY_EXCLUDED) scored.push_back(&o);
  }
  const int k = static_cast<int>(scored.size());
  if (k < 2) return;
  const bool from_negative = scored.front()->polarity() == pb::POLARITY_NEGATIVE;
  for (int i = 0; i < k; ++i) {
    double s = (k - 1) / 2.0 - i;                              // +2 … −2 for 5
    if (k % 2 == 0) s = s > 0 ? std::ceil(s) : std::floor(s);  // 4: +2, +1, −1, −2
    scored[i]->set_scored(true);
    scored[i]->set_score(from_negative ? -s : s);
  }
}

struct Scale {
  double min = 0, max = 0;
  std::string evidence;
};

// The scale of a column of means: from the header's words, else from the values' range.
Scale InferScale(const std::string& header, const std::vector<double>& values) {
  const std::string h = jp::Nfkc(header);
  if (Has(h, {"100点"})) return {0, 100, "見出しの「100点」"};
  if (Has(h, {"10点"})) return {0, 10, "見出しの「10点」"};
  if (Has(h, {"5点", "5段階"})) return {1, 5, "見出しの「5点」"};
  if (Has(h, {"±2", "-2", "+2"})) return {-2, 2, "見出しの「±2」"};
  if (values.empty()) return {};
  const auto [lo, hi] = std::minmax_element(values.begin(), values.end());
  const double amax = std::max(std::fabs(*lo), std::fabs(*hi));
  if (*lo < 0) {
    if (amax <= 1) return {-1, 1, "負の値があり、絶対値が1以下"};
    if (amax <= 2) return {-2, 2, "負の値があり、絶対値が2以下"};
    return {-100, 100, "負の値があり、絶対値が2を超える"};
  }
  if (*lo >= 1 && *hi <= 5) return {1, 5, "値が1〜5の範囲"};
  if (*hi <= 10) return {0, 10, "値が0〜10の範囲"};
  return {0, 100, "値が10を超える"};
}

}  // namespace

bool ParsePublishedNumber(const std::string& cell, double* out, bool* negative_mark) {
  std::string s = jp::Nfkc(jp::TrimCell(cell));
  *negative_mark = false;
  bool negative = false;
  for (const char* mark : {"▲", "△", "▼"}) {
    if (absl::StartsWith(s, mark)) {
      negative = *negative_mark = true;
      s = jp::TrimCell(s.substr(std::string(mark).size()));
      break;
    }
  }
  if (!negative) {
    for (const char* minus : {"-", "−", "ー", "‐"}) {
      if (absl::StartsWith(s, minus) && s.size() > std::string(minus).size()) {
        negative = true;
        s = s.substr(std::string(minus).size());
        break;
      }
    }
  }
  if (absl::StartsWith(s, "+")) s = s.substr(1);
  for (const char* unit : {"%", "点", "ポイント", "pt"}) {
    if (absl::EndsWith(s, unit)) {
      s = jp::TrimCell(s.substr(0, s.size() - std::string(unit).size()));
      break;
    }
  }
  std::string digits;
  for (char c : s) {
    if (c != ',') digits.push_back(c);
  }
  double v = 0;
  if (digits.empty() || !absl::SimpleAtod(digits, &v) || !std::isfinite(v)) return false;
  if (digits.find_first_not_of("0123456789.") != std::string::npos) return false;
  *out = negative ? -v : v;
  return true;
}

namespace {

// One pass over a published table: the header found, then each row read as shares or as means.
class Reader {
 public:
  explicit Reader(const std::string& text)
      : rows_(jp::SplitDelimited(text, jp::DetectDelimiter(text))) {}

  absl::StatusOr<PublishedTable> Run() {
    if (!FindHeader()) {
      return status::InvalidField(
          "PUBLISHED_NOT_A_TABLE", "content",
          "no header row was recognised (expected a 設問 / 項目 / 施策 column and option or "
          "重要度 / 満足度 / 平均 columns)");
    }
    int options = 0;
    for (Role r : roles_) options += r == Role::kOption;
    means_ = options < 2;
    t_.shape = means_ ? "means" : "shares";
    DefineOptions();
    ReadScales();
    for (size_t i = head_ + 1; i < rows_.size(); ++i) ReadRow(rows_[i]);
    return std::move(t_);
  }

 private:
  // The first row with a name column and at least one figure column.
  bool FindHeader() {
    for (size_t i = 0; i < rows_.size() && i < 30; ++i) {
      std::vector<Role> r;
      bool name = false;
      int figures = 0;
      for (const auto& c : rows_[i].cells) {
        r.push_back(Classify(jp::TrimCell(c)));
        name = name || r.back() == Role::kName;
        figures += r.back() == Role::kOption || r.back() == Role::kImportance ||
                   r.back() == Role::kSatisfaction || r.back() == Role::kMean;
      }
      if (name && figures > 0) {
        head_ = i;
        roles_ = std::move(r);
        return true;
      }
    }
    return false;
  }

  int ColumnOf(Role r) const {
    for (size_t c = 0; c < roles_.size(); ++c) {
      if (roles_[c] == r) return static_cast<int>(c);
    }
    return -1;
  }

  std::string Header(int c) const { return jp::TrimCell(rows_[head_].cells[c]); }

  static std::string Cell(const jp::DelimitedRow& row, int c) {
    return c >= 0 && static_cast<size_t>(c) < row.cells.size() ? jp::TrimCell(row.cells[c])
                                                               : std::string();
  }

  // Option columns (shares): labels, polarity and scores from the header.
  void DefineOptions() {
    for (size_t c = 0; c < roles_.size() && !means_; ++c) {
      if (roles_[c] != Role::kOption) continue;
      pb::Option o;
      o.set_code(absl::StrCat(options_.size() + 1));
      o.set_label(Header(static_cast<int>(c)));
      o.set_polarity(PolarityOf(o.label()));
      options_.push_back(o);
      option_cols_.push_back(static_cast<int>(c));
    }
    ScoreOptions(&options_);
  }

  // A table uses one scale: its range is read from every mean column together (a 重要度 column of
  // 0.4…1.4 beside a 満足度 column of ▲0.4…0.3 is −2…+2); a header's words decide for its column.
  void ReadScales() {
    for (Role r : {Role::kImportance, Role::kSatisfaction, Role::kMean}) {
      if (ColumnOf(r) >= 0) mean_cols_.push_back(ColumnOf(r));
    }
    std::vector<double> values;
    for (int c : mean_cols_) {
      for (size_t i = head_ + 1; i < rows_.size(); ++i) {
        double v = 0;
        bool mark = false;
        if (ParsePublishedNumber(Cell(rows_[i], c), &v, &mark)) values.push_back(v);
      }
    }
    scales_.assign(roles_.size(), Scale{});
    for (int c : mean_cols_) {
      scales_[c] = InferScale(Header(c), values);
      if (scales_[c].evidence.empty()) continue;
      t_.findings.push_back(MakeFinding(rows_[head_].line, Header(c), "", "PUBLISHED_SCALE",
                                        absl::StrFormat("平均の尺度 %g〜%g（%s）", scales_[c].min,
                                                        scales_[c].max, scales_[c].evidence),
                                        pb::FINDING_SEVERITY_INFO));
    }
  }

  // A figure cell: false for a blank or a dash (not printed); an unreadable one is an ERROR.
  bool Read(const jp::DelimitedRow& row, int c, double* v) {
    bool mark = false;
    const std::string raw = Cell(row, c);
    if (raw.empty() || jp::Nfkc(raw) == "-" || raw == "－" || raw == "―") return false;
    if (!ParsePublishedNumber(raw, v, &mark)) {
      t_.findings.push_back(MakeFinding(row.line, Header(c), raw, "PUBLISHED_VALUE_UNREADABLE",
                                        "数値として読めない", pb::FINDING_SEVERITY_ERROR));
      return false;
    }
    if (mark) {
      t_.findings.push_back(MakeFinding(row.line, Header(c), raw, "PUBLISHED_NEGATIVE_MARK",
                                        absl::StrFormat("▲ / △ を負の値として読んだ: %g", *v),
                                        pb::FINDING_SEVERITY_INFO));
    }
    return true;
  }

  void SetMean(const jp::DelimitedRow& row, int c, double v, pb::PublishedResult* r) const {
    r->set_has_mean(true);
    r->set_mean_score(v);
    r->set_raw_mean(Cell(row, c));
    r->set_scale_min(scales_[c].min);
    r->set_scale_max(scales_[c].max);
    r->set_scale_evidence(scales_[c].evidence);
  }

  void ReadRow(const jp::DelimitedRow& row) {
    const std::string name = Cell(row, ColumnOf(Role::kName));
    if (name.empty()) return;  // a blank line or a note under the table
    ++t_.rows;
    const int number_col = ColumnOf(Role::kNumber), n_col = ColumnOf(Role::kN);
    const std::string number = number_col >= 0 && !Cell(row, number_col).empty()
                                   ? Cell(row, number_col)
                                   : absl::StrCat(t_.rows);
    pb::PublishedResult base;
    base.set_row(row.line);
    if (n_col >= 0) {
      double n = 0;
      bool mark = false;
      if (ParsePublishedNumber(Cell(row, n_col), &n, &mark) && n >= 0 && n == std::floor(n)) {
        base.set_n(static_cast<int64_t>(n));
      } else if (!Cell(row, n_col).empty()) {
        t_.findings.push_back(MakeFinding(row.line, Header(n_col), Cell(row, n_col),
                                          "PUBLISHED_VALUE_UNREADABLE", "回答者数が読めない",
                                          pb::FINDING_SEVERITY_ERROR));
      }
    }
    if (base.n() == 0 && !n_missing_said_) {
      n_missing_said_ = true;
      t_.findings.push_back(MakeFinding(row.line, "", "", "PUBLISHED_N_MISSING",
                                        "回答者数がないため、誤差と有意差は計算できない",
                                        pb::FINDING_SEVERITY_INFO));
    }
    if (means_) {
      ReadMeans(row, name, number, base);
    } else {
      ReadShares(row, name, number, base);
    }
  }

  void ReadShares(const jp::DelimitedRow& row, const std::string& name, const std::string& number,
                  const pb::PublishedResult& base) {
    PublishedQuestion q;
    q.row = row.line;
    q.number = number;
    q.text = name;
    q.options = options_;
    q.type = std::any_of(options_.begin(), options_.end(),
                         [](const pb::Option& o) { return o.scored(); })
                 ? pb::QUESTION_TYPE_LIKERT
                 : pb::QUESTION_TYPE_SINGLE;
    q.result = base;
    double in_base = 0, all = 0;
    for (size_t k = 0; k < option_cols_.size(); ++k) {
      double v = 0;
      if (!Read(row, option_cols_[k], &v)) continue;
      auto* s = q.result.add_shares();
      s->set_code(options_[k].code());
      s->set_percent(v);
      s->set_raw(Cell(row, option_cols_[k]));
      all += v;
      if (options_[k].polarity() != pb::POLARITY_EXCLUDED) in_base += v;
    }
    // Percent of the base, or of everyone with 無回答 among the columns: about 100 either way.
    if (q.result.shares_size() > 0 && std::fabs(in_base - 100) > 1.5 &&
        std::fabs(all - 100) > 1.5) {
      t_.findings.push_back(
          MakeFinding(row.line, "", name, "PUBLISHED_SHARES_SUM",
                      absl::StrFormat("割合の合計が %.1f%%（100%% にならない）", all),
                      pb::FINDING_SEVERITY_WARNING));
    }
    if (const int mc = ColumnOf(Role::kMean); mc >= 0) {
      double v = 0;
      if (Read(row, mc, &v)) SetMean(row, mc, v, &q.result);
    }
    t_.questions.push_back(std::move(q));
  }

  // One question per mean column (重要度 and 満足度 of a 施策 are two questions).
  void ReadMeans(const jp::DelimitedRow& row, const std::string& name, const std::string& number,
                 const pb::PublishedResult& base) {
    for (int c : mean_cols_) {
      double v = 0;
      if (!Read(row, c, &v)) continue;
      PublishedQuestion q;
      q.row = row.line;
      const std::string what = roles_[c] == Role::kImportance     ? "重要度"
                               : roles_[c] == Role::kSatisfaction ? "満足度"
                                                                  : "";
      q.number =
          mean_cols_.size() > 1 && !what.empty() ? absl::StrCat(number, "(", what, ")") : number;
      q.text = what.empty() ? name : absl::StrCat(name, "（", what, "）");
      q.type = pb::QUESTION_TYPE_NUMERIC;
      q.result = base;
      SetMean(row, c, v, &q.result);
      t_.questions.push_back(std::move(q));
    }
  }

  const std::vector<jp::DelimitedRow> rows_;
  size_t head_ = 0;
  std::vector<Role> roles_;
  bool means_ = false;
  std::vector<pb::Option> options_;
  std::vector<int> option_cols_, mean_cols_;
  std::vector<Scale> scales_;
  bool n_missing_said_ = false;
  PublishedTable t_;
};

}  // namespace

absl::StatusOr<PublishedTable> ParsePublishedTable(const std::string& text) {
  return Reader(text).Run();
}

}  // namespace sokei::survey
