#include "common/jp/measurement.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/jp/fiscal_year.h"
#include "common/jp/text.h"

namespace sokei::jp {
namespace {

using sokei::type::v1::Measurement;
using sokei::type::v1::Operator;
using sokei::type::v1::ValueStatus;

// ---- UTF-32 helpers: the parser walks code points, the result is UTF-8 again. -----------------

std::u32string ToU32(absl::string_view s) {
  std::u32string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    int len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (len == 0 || i + len > s.size()) {
      out.push_back(0xFFFD);
      ++i;
      continue;
    }
    char32_t cp = len == 1 ? c : c & (0x7F >> len);
    for (int k = 1; k < len; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
    out.push_back(cp);
    i += len;
  }
  return out;
}

std::string ToU8(std::u32string_view s) {
  std::string out;
  for (char32_t cp : s) {
    if (cp < 0x80) {
      out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
      out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
      out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
  }
  return out;
}

bool IsDigit(char32_t c) { return c >= U'0' && c <= U'9'; }
bool IsSpace(char32_t c) { return c == U' ' || c == U'\t' || c == U'\u3000' || c == U'\n'; }

std::u32string Trim(std::u32string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && IsSpace(s[b])) ++b;
  while (e > b && IsSpace(s[e - 1])) --e;
  return std::u32string(s.substr(b, e - b));
}

// Collapses runs of white space into one blank.
std::u32string Squeeze(std::u32string_view s) {
  std::u32string out;
  for (char32_t c : s) {
    if (IsSpace(c)) {
      if (!out.empty() && out.back() != U' ') out.push_back(U' ');
    } else {
      out.push_back(c);
    }
  }
  return Trim(out);
}

bool StartsWith(std::u32string_view s, std::u32string_view p) { return s.substr(0, p.size()) == p; }
bool EndsWith(std::u32string_view s, std::u32string_view p) {
  return s.size() >= p.size() && s.substr(s.size() - p.size()) == p;
}
bool Contains(std::u32string_view s, std::u32string_view p) {
  return s.find(p) != std::u32string_view::npos;
}

// ---- Decimal arithmetic ------------------------------------------------------------------------

std::optional<Decimal> Scale(Decimal d, int power) {
  d.exponent += power;
  return d;
}

// a + b, exact. nullopt on overflow.
std::optional<Decimal> Add(Decimal a, Decimal b) {
  while (a.exponent > b.exponent) {
    if (a.mantissa > (__int128(1) << 100) || a.mantissa < -(__int128(1) << 100))
      return std::nullopt;
    a.mantissa *= 10;
    --a.exponent;
  }
  while (b.exponent > a.exponent) {
    if (b.mantissa > (__int128(1) << 100) || b.mantissa < -(__int128(1) << 100))
      return std::nullopt;
    b.mantissa *= 10;
    --b.exponent;
  }
  return Decimal{a.mantissa + b.mantissa, a.exponent};
}

// ---- Vocabulary --------------------------------------------------------------------------------

struct Word {
  std::u32string_view text;
  int power;
};
// Longest first: 百万 before 百.
constexpr std::array<Word, 6> kScales = {
    {{U"百万", 6}, {U"兆", 12}, {U"億", 8}, {U"万", 4}, {U"千", 3}, {U"百", 2}}};

// Units seen in municipal tables, longest first within a shared prefix.
constexpr std::u32string_view kUnits[] = {
    U"ポイント", U"自治会", U"団体", U"品目", U"施設", U"地区", U"公園", U"クラブ", U"世帯",
    U"箇所",     U"カ所",   U"ヶ所", U"か所", U"ケ所", U"ヵ所", U"か月", U"カ月",   U"ヶ月",
    U"箇月",     U"時間",   U"事業", U"事務", U"路線", U"団地", U"人日", U"人泊",   U"店舗",
    U"企業",     U"学級",   U"区画", U"ha",   U"km",   U"kg",   U"m2",   U"m3",     U"pt",
    U"%",        U"‰",      U"人",   U"件",   U"回",   U"校",   U"棟",   U"基",     U"本",
    U"台",       U"橋",     U"名",   U"点",   U"戸",   U"円",   U"位",   U"倍",     U"日",
    U"分",       U"年",     U"社",   U"組",   U"冊",   U"頭",   U"歳",   U"店",     U"園",
    U"室",       U"館",     U"箱",   U"枚",   U"種",   U"m",    U"t",    U"g",      U"件数",
    U"kWh",      U"MWh"};

// Placeholders: never a number (docs/domain.md §4).
struct Placeholder {
  std::u32string_view text;
  ValueStatus status;
};
constexpr std::array<Placeholder, 16> kPlaceholders = {{
    {U"—", type::v1::VALUE_STATUS_NOT_APPLICABLE},
    {U"―", type::v1::VALUE_STATUS_NOT_APPLICABLE},
    {U"-", type::v1::VALUE_STATUS_NOT_APPLICABLE},
    {U"ー", type::v1::VALUE_STATUS_NOT_APPLICABLE},
    {U"−", type::v1::VALUE_STATUS_NOT_APPLICABLE},
    {U"‐", type::v1::VALUE_STATUS_NOT_APPLICABLE},
    {U"–", type::v1::VALUE_STATUS_NOT_APPLICABLE},
    {U"--", type::v1::VALUE_STATUS_NOT_APPLICABLE},
    {U"なし", type::v1::VALUE_STATUS_NOT_APPLICABLE},
    {U"無し", type::v1::VALUE_STATUS_NOT_APPLICABLE},
    {U"該当なし", type::v1::VALUE_STATUS_NOT_APPLICABLE},
    {U"未実施", type::v1::VALUE_STATUS_NOT_EVALUABLE},
    {U"評価不能", type::v1::VALUE_STATUS_NOT_EVALUABLE},
    {U"未公表", type::v1::VALUE_STATUS_UNPUBLISHED},
    {U"集計中", type::v1::VALUE_STATUS_UNPUBLISHED},
    {U"調査中", type::v1::VALUE_STATUS_UNPUBLISHED},
}};

struct StatusWord {
  std::u32string_view text;
  ValueStatus status;
};
constexpr std::array<StatusWord, 6> kStatusWords = {{
    {U"見込み", type::v1::VALUE_STATUS_FORECAST},
    {U"見込", type::v1::VALUE_STATUS_FORECAST},
    {U"速報値", type::v1::VALUE_STATUS_PRELIMINARY},
    {U"速報", type::v1::VALUE_STATUS_PRELIMINARY},
    {U"暫定", type::v1::VALUE_STATUS_PROVISIONAL},
    {U"確定", type::v1::VALUE_STATUS_FINAL},
}};

struct OpWord {
  std::u32string_view text;
  Operator op;
};
constexpr std::array<OpWord, 6> kSuffixOps = {{{U"以上", type::v1::OPERATOR_GE},
                                               {U"以下", type::v1::OPERATOR_LE},
                                               {U"以内", type::v1::OPERATOR_LE},
                                               {U"未満", type::v1::OPERATOR_LT},
                                               {U"超", type::v1::OPERATOR_GT},
                                               {U"程度", type::v1::OPERATOR_APPROX}}};

// ---- Number scanning ---------------------------------------------------------------------------

// Scans digits with thousands separators and one decimal point at s[i]. Returns the end index, or
// i when there is no number.
size_t ScanNumber(std::u32string_view s, size_t i, std::string* out) {
  size_t j = i;
  bool point = false;
  out->clear();
  while (j < s.size()) {
    const char32_t c = s[j];
    if (IsDigit(c)) {
      out->push_back(static_cast<char>(c));
    } else if (c == U',' && j > i && j + 1 < s.size() && IsDigit(s[j + 1]) && IsDigit(s[j - 1])) {
      // thousands separator
    } else if (c == U'.' && !point && j > i && j + 1 < s.size() && IsDigit(s[j + 1])) {
      point = true;
      out->push_back('.');
    } else {
      break;
    }
    ++j;
  }
  return j;
}

struct Amount {
  Decimal value;
  std::string scale_words;  // as written: 億万
  size_t end = 0;           // index after the amount
};

// number (scale number?)*: 4兆2,661億1,900万, 5,812万2千, 317百万, 24,878, 11.4億.
std::optional<Amount> ScanAmount(std::u32string_view s, size_t i) {
  std::string digits;
  size_t j = ScanNumber(s, i, &digits);
  if (j == i) return std::nullopt;
  Amount a;
  std::optional<Decimal> total = Decimal{};
  int last_power = 100;
  while (true) {
    auto d = ParseDecimal(digits);
    if (!d) return std::nullopt;
    int power = 0;
    // One blank may stand before the scale word (鯖江市: 18.8 万人).
    const size_t at = j + 1 < s.size() && s[j] == U' ' ? j + 1 : j;
    for (const Word& w : kScales) {
      if (StartsWith(s.substr(at), w.text) && w.power < last_power) {
        power = w.power;
        a.scale_words += ToU8(w.text);
        j = at + w.text.size();
        break;
      }
    }
    total = Add(*total, *Scale(*d, power));
    if (!total) return std::nullopt;
    if (power == 0) break;
    last_power = power;
    // Another number with a smaller scale may follow (5,812万2千).
    std::string next;
    const size_t k = ScanNumber(s, j, &next);
    if (k == j) break;
    // Only when the following number ends in a scale word or the text ends: 1億400万円 yes,
    // 111万人 stays 111万 + 人.
    digits = next;
    j = k;
  }
  // At most kMaxDecimalDigits digits, as ParseDecimal reads them back (4兆257.333… with 21 decimals
  // is not a value anybody wrote).
  int significant = 0;
  for (__int128 k = total->mantissa; k != 0; k /= 10) ++significant;
  if (significant > kMaxDecimalDigits) return std::nullopt;
  a.value = *total;
  a.end = j;
  return a;
}

// The unit at s[i]: a known unit (longest match) with an optional "/年"-style suffix, or a short
// unknown run of letters. Returns the length consumed.
size_t ScanUnit(std::u32string_view s, size_t i, std::u32string* unit) {
  unit->clear();
  size_t j = i;
  // "26,632 t": one blank before an ASCII unit; "相談件数 120 件": one blank before a unit that
  // ends the token.
  bool blank = false;
  if (j < s.size() && s[j] == U' ' && j + 1 < s.size()) {
    blank = true;
    ++j;
  }
  std::u32string_view best;
  for (std::u32string_view u : kUnits) {
    if (u.size() > best.size() && StartsWith(s.substr(j), u)) best = u;
  }
  if (blank && !best.empty() && best[0] >= 0x80) {
    const size_t end = j + best.size();
    if (end < s.size() && s[end] != U' ') best = {};
  }
  if (best.empty()) return 0;
  // An ASCII unit must not run into more letters (m vs mm, t vs times).
  const size_t after = j + best.size();
  if (best[0] < 0x80 && after < s.size() && s[after] < 0x80 &&
      absl::ascii_isalpha(static_cast<char>(s[after]))) {
    return 0;
  }
  unit->assign(best);
  j = after;
  if (j + 1 < s.size() && s[j] == U'/' && !IsDigit(s[j + 1])) {
    unit->push_back(U'/');
    unit->push_back(s[j + 1]);
    j += 2;
  }
  if (*unit == U"m2") *unit = U"㎡";
  if (*unit == U"m3") *unit = U"㎥";
  return j - i;
}

// One value: [label][sign]amount[unit][op], or a range amount[unit]~amount[unit].
struct Value {
  std::u32string label;
  Decimal value;
  std::string scale;
  std::u32string unit;
  Operator op = type::v1::OPERATOR_UNSPECIFIED;
  std::optional<Decimal> upper;
  std::u32string rest;  // text after the value
};

std::optional<Value> ScanValue(std::u32string_view s) {
  Value v;
  size_t i = 0;
  // Label: text before the first digit or sign.
  while (i < s.size() && !IsDigit(s[i]) && s[i] != U'△' && s[i] != U'▲' &&
         !((s[i] == U'-' || s[i] == U'+') && i + 1 < s.size() && IsDigit(s[i + 1]))) {
    ++i;
  }
  if (i == s.size()) return std::nullopt;
  v.label = Trim(s.substr(0, i));
  if (StartsWith(v.label, U"約")) {
    v.op = type::v1::OPERATOR_APPROX;
    v.label = Trim(std::u32string_view(v.label).substr(1));
  }
  // A spreadsheet formula or junk around a digit (=CMD|' /C calc'!A0) is no number.
  if (StartsWith(v.label, U"=") || StartsWith(v.label, U"@") ||
      v.label.find_first_of(U"|!'\\") != std::u32string::npos) {
    return std::nullopt;
  }
  while (!v.label.empty() && (v.label.back() == U'=' || v.label.back() == U':')) {
    v.label.pop_back();
    v.label = Trim(v.label);
  }
  bool negative = false;
  if (s[i] == U'△' || s[i] == U'▲' || s[i] == U'-') {
    negative = true;
    ++i;
  } else if (s[i] == U'+') {
    ++i;
  }
  auto amount = ScanAmount(s, i);
  if (!amount) return std::nullopt;
  v.value = amount->value;
  if (negative) v.value.mantissa = -v.value.mantissa;
  v.scale = amount->scale_words;
  i = amount->end;
  i += ScanUnit(s, i, &v.unit);
  // Range: 10～20人, 10人～20人.
  if (i < s.size() && (s[i] == U'~' || s[i] == U'〜' || s[i] == U'～')) {
    auto upper = ScanAmount(s, i + 1);
    if (upper) {
      v.upper = upper->value;
      v.op = type::v1::OPERATOR_BETWEEN;
      i = upper->end;
      std::u32string unit2;
      i += ScanUnit(s, i, &unit2);
      if (v.unit.empty()) v.unit = unit2;
    }
  }
  for (const OpWord& w : kSuffixOps) {
    if (StartsWith(s.substr(i), w.text)) {
      v.op = w.op;
      i += w.text.size();
      break;
    }
  }
  v.rest = Trim(s.substr(i));
  return v;
}

// A parenthesised part: (平成29年度), (85.3%), (第3四半期) …
struct Group {
  std::u32string inner;
};

// Removes every (...) group from `s` (NFKC has already made full-width brackets ASCII).
std::u32string ExtractGroups(std::u32string_view s, std::vector<Group>* groups) {
  std::u32string out;
  size_t i = 0;
  while (i < s.size()) {
    const char32_t open = s[i];
    const char32_t close = open == U'(' ? U')' : open == U'[' ? U']' : open == U'【' ? U'】' : 0;
    if (close != 0) {
      const size_t end = s.find(close, i + 1);
      if (end != std::u32string_view::npos) {
        groups->push_back({Trim(s.substr(i + 1, end - i - 1))});
        out.push_back(U' ');
        i = end + 1;
        continue;
      }
    }
    out.push_back(s[i]);
    ++i;
  }
  return Squeeze(out);
}

// True when `t` is only a year expression: 平成29年度, 2016, R2, 令和元年度.
bool IsOnlyYear(std::u32string_view t) {
  if (t.empty() || t.size() > 12) return false;
  bool digit = false;
  for (char32_t c : t) {
    if (IsDigit(c)) {
      digit = true;
      continue;
    }
    static constexpr std::u32string_view kAllowed = U"令和平成昭元年度RHSrhs";
    if (kAllowed.find(c) == std::u32string_view::npos) return false;
  }
  return digit || Contains(t, U"元");
}

// A year needs an era or four digits: 2023年, 令和2年度, R2年度 — not 10年.
bool LooksLikeYear(std::u32string_view t) {
  if (!t.empty() && !IsDigit(t[0])) return true;
  size_t digits = 0;
  while (digits < t.size() && IsDigit(t[digits])) ++digits;
  return digits == 4;
}

void SetPeriod(const YearRef& y, Measurement* m) {
  auto* p = m->mutable_period();
  if (y.start_year != y.end_year) {
    p->mutable_range()->set_start_year(y.start_year);
    p->mutable_range()->set_end_year(y.end_year);
  } else if (y.basis == YearBasis::kCalendarYear) {
    p->set_calendar_year(y.start_year);
  } else {
    p->mutable_fiscal_year()->set_year(y.start_year);
  }
}

bool IsPartialMarker(std::u32string_view t) {
  return Contains(t, U"四半期") || Contains(t, U"現在") || Contains(t, U"上半期") ||
         Contains(t, U"上期") || Contains(t, U"月末") || Contains(t, U"時点");
}

void AppendNote(Measurement* m, std::u32string_view text) {
  if (text.empty()) return;
  if (!m->note().empty()) m->mutable_note()->append(" / ");
  m->mutable_note()->append(ToU8(text));
}

void SetValue(const Value& v, Measurement* m) {
  m->set_value(DecimalToString(v.value));
  m->set_unit(ToU8(v.unit));
  m->set_scale_applied(v.scale);
  if (v.op != type::v1::OPERATOR_UNSPECIFIED) m->set_operator_(v.op);
  if (v.upper) m->set_upper(DecimalToString(*v.upper));
  if (!v.label.empty()) m->set_label(ToU8(v.label));
}

// Several labelled values separated by blanks: 5、6年生17回/年 3、4年生20回/年.
bool TryBreakdowns(std::u32string_view main, Measurement* m) {
  std::vector<std::u32string> tokens;
  std::u32string cur;
  for (char32_t c : main) {
    if (c == U' ') {
      if (!cur.empty()) tokens.push_back(cur);
      cur.clear();
    } else {
      cur.push_back(c);
    }
  }
  if (!cur.empty()) tokens.push_back(cur);
  if (tokens.empty()) return false;
  std::vector<std::pair<std::u32string, Value>> parts;
  for (const auto& t : tokens) {
    // The label runs up to the first number that reads to the end of the token: 5、6年生|17|回/年.
    std::optional<Value> best;
    std::u32string label;
    for (size_t i = 0; i < t.size(); ++i) {
      if (!IsDigit(t[i]) ||
          (i > 0 && (IsDigit(t[i - 1]) || t[i - 1] == U'.' || t[i - 1] == U','))) {
        continue;
      }
      auto v = ScanValue(std::u32string_view(t).substr(i));
      if (v && v->rest.empty() && !v->unit.empty() && v->label.empty()) {
        best = v;  // the first number that reads to the end: 1億3,125万円 is one value
        label = t.substr(0, i);
        break;
      }
    }
    if (!best) return false;
    while (!label.empty() && (label.back() == U':' || label.back() == U'=')) label.pop_back();
    if (label.empty()) return false;
    // One labelled value alone is a breakdown only when its label holds a number (5、6年生17回/年,
    // 小6:85.1%); 全国25位 or 動画閲覧者 1,779人 are a value with a label.
    if (tokens.size() == 1 &&
        std::none_of(label.begin(), label.end(), [](char32_t c) { return IsDigit(c); })) {
      return false;
    }
    parts.emplace_back(label, *best);
  }
  for (const auto& [label, v] : parts) {
    auto* b = m->add_breakdowns();
    b->set_key(ToU8(label));
    b->set_value(DecimalToString(v.value));
    b->set_unit(ToU8(v.unit));
  }
  return true;
}

// Footnote markers (^ア, ※1) are layout, not content.
std::u32string WithoutFootnotes(std::u32string s) {
  for (size_t i = 0; i < s.size();) {
    if ((s[i] == U'^' || s[i] == U'※') && i + 1 < s.size() && !IsSpace(s[i + 1])) {
      s.erase(i, 2);
      while (i < s.size() && IsDigit(s[i])) s.erase(i, 1);
    } else {
      ++i;
    }
  }
  return s;
}

// The bracketed groups: a status word (見込), a year ((2014年)), a part-year marker, a second
// value ((うち女性 12人)), or a note.
void ReadGroups(const std::vector<Group>& groups, Measurement* mp) {
  Measurement& m = *mp;
  for (const Group& g : groups) {
    bool used = false;
    for (const StatusWord& w : kStatusWords) {
      if (g.inner == w.text) {
        m.set_status(w.status);
        used = true;
        break;
      }
    }
    if (used) continue;
    // (2014 年): the blank some tables put before 年 is no part of the year.
    std::u32string year_text;
    for (char32_t c : g.inner) {
      if (!IsSpace(c)) year_text.push_back(c);
    }
    if (IsOnlyYear(year_text)) {
      if (auto y = FindYear(ToU8(year_text)); y) {
        SetPeriod(*y, &m);
        continue;
      }
    }
    if (IsPartialMarker(g.inner)) {
      m.set_partial_period(true);
      AppendNote(&m, g.inner);
      continue;
    }
    auto v = ScanValue(g.inner);
    if (v && v->rest.empty() && !m.has_secondary()) {
      auto* sec = m.mutable_secondary();
      sec->set_raw(ToU8(g.inner));
      SetValue(*v, sec);
      sec->set_understood(type::v1::UNDERSTANDING_FULL);
      continue;
    }
    AppendNote(&m, g.inner);
  }
}

// What the main text says besides its value: a status word (見込 12件), a part-year marker
// (9月30日現在), a leading year (2023年 35,243千円) and a rate base (人口10万対), each taken out
// of `main`. Returns the rate base, which belongs to the unit.
std::u32string TakeMarkers(std::u32string* mainp, Measurement* mp) {
  std::u32string& main = *mainp;
  Measurement& m = *mp;
  // Status words written in the main text: 見込 12件.
  for (const StatusWord& w : kStatusWords) {
    const size_t at = main.find(w.text);
    if (at != std::u32string::npos) {
      m.set_status(w.status);
      main.erase(at, w.text.size());
      main = Squeeze(main);
      break;
    }
  }
  // 9月30日現在 / 第3四半期 in the main text.
  if (IsPartialMarker(main)) {
    for (std::u32string_view marker : {U"現在", U"四半期", U"上半期", U"上期", U"月末", U"時点"}) {
      const size_t at = main.find(marker);
      if (at == std::u32string::npos) continue;
      size_t b = main.rfind(U' ', at);
      b = b == std::u32string::npos ? 0 : b;
      const size_t e = at + marker.size();
      m.set_partial_period(true);
      AppendNote(&m, Trim(std::u32string_view(main).substr(b, e - b)));
      main = Squeeze(main.erase(b, e - b));
      break;
    }
  }
  // A leading year: 2023年 35,243千円.
  if (const size_t sp = main.find(U' '); sp != std::u32string::npos) {
    std::u32string first = main.substr(0, sp);
    if (IsOnlyYear(first) && (EndsWith(first, U"年") || EndsWith(first, U"年度")) &&
        LooksLikeYear(first)) {
      if (auto y = FindYear(ToU8(first)); y) {
        SetPeriod(*y, &m);
        main = Trim(std::u32string_view(main).substr(sp + 1));
      }
    }
  }
  // Rate bases: 人口10万対 12.3 — the base belongs to the unit, not the value.
  std::u32string rate_base;
  if (const size_t at = main.find(U"人口"); at != std::u32string::npos) {
    const size_t end = main.find(U"対", at);
    if (end != std::u32string::npos && end - at <= 8) {
      rate_base = main.substr(at, end - at + 1);
      main = Squeeze(main.erase(at, end - at + 1));
    }
  }
  return rate_base;
}

}  // namespace

Measurement ParseMeasurement(absl::string_view raw) {
  Measurement m;
  m.set_raw(std::string(raw));
  std::u32string s = WithoutFootnotes(ToU32(Nfkc(raw)));
  s = Squeeze(s);
  if (s.empty()) {
    m.set_understood(type::v1::UNDERSTANDING_PLACEHOLDER);
    return m;
  }
  for (const Placeholder& p : kPlaceholders) {
    if (s == p.text) {
      m.set_status(p.status);
      m.set_understood(type::v1::UNDERSTANDING_PLACEHOLDER);
      return m;
    }
  }
  // Pending publication: (R5実績値はR7.6月頃に公表予定).
  if (Contains(s, U"公表予定") || Contains(s, U"公表後")) {
    m.set_status(type::v1::VALUE_STATUS_UNPUBLISHED);
    std::u32string inner = s;
    if (!inner.empty() && inner.front() == U'(' && inner.back() == U')') {
      inner = Trim(std::u32string_view(inner).substr(1, inner.size() - 2));
    }
    AppendNote(&m, inner);
    m.set_understood(type::v1::UNDERSTANDING_PLACEHOLDER);
    return m;
  }
  std::vector<Group> groups;
  std::u32string main = ExtractGroups(s, &groups);
  bool partial_text = false;
  ReadGroups(groups, &m);
  const std::u32string rate_base = TakeMarkers(&main, &m);
  if (main.empty()) {
    if (m.has_secondary() || m.has_period()) {
      m.set_understood(type::v1::UNDERSTANDING_PARTIAL);
    } else {
      m.set_understood(m.note().empty() ? type::v1::UNDERSTANDING_PLACEHOLDER
                                        : type::v1::UNDERSTANDING_QUALITATIVE);
      if (!m.note().empty()) m.set_qualitative(m.note());
    }
    return m;
  }
  bool has_digit = false;
  for (char32_t c : main) has_digit = has_digit || IsDigit(c);
  if (!has_digit) {
    m.set_qualitative(ToU8(main));
    m.set_understood(type::v1::UNDERSTANDING_QUALITATIVE);
    return m;
  }
  // A year alone: ２０２７年度, 令和2年度.
  if (IsOnlyYear(main) && LooksLikeYear(main)) {
    if (auto y = FindYear(ToU8(main)); y) {
      SetPeriod(*y, &m);
      m.set_understood(type::v1::UNDERSTANDING_FULL);
      return m;
    }
  }
  if (TryBreakdowns(main, &m)) {
    m.set_understood(type::v1::UNDERSTANDING_FULL);
    return m;
  }
  auto v = ScanValue(main);
  if (!v) {
    m.set_qualitative(ToU8(main));
    m.set_understood(type::v1::UNDERSTANDING_QUALITATIVE);
    return m;
  }
  if (!rate_base.empty()) v->unit = rate_base + v->unit;
  SetValue(*v, &m);
  if (!v->rest.empty()) {
    // 1箇所新設, 制度創設 10人任命: a number inside a milestone. Keep the whole text as the
    // milestone.
    partial_text = true;
    m.set_qualitative(ToU8(main));
  } else if (v->unit.empty() && !v->label.empty() && v->label.size() > 4 &&
             m.period().kind_case() == type::v1::Period::KIND_NOT_SET) {
    // 制度創設 10: a long label with a bare number reads as a milestone too.
    partial_text = true;
    m.set_qualitative(ToU8(main));
  }
  m.set_understood(partial_text ? type::v1::UNDERSTANDING_PARTIAL : type::v1::UNDERSTANDING_FULL);
  return m;
}

}  // namespace sokei::jp
