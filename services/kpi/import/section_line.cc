// Section lines: ■基本政策1-2 …, (1) …, 1. …, ① …, 1章 …, 【施策06】 ….
#include "services/kpi/import/progress_table.h"

#include "services/kpi/import/table_header.h"

#include <algorithm>
#include <cstring>
#include <map>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/jp/delimited.h"
#include "common/jp/fiscal_year.h"
#include "common/jp/measurement.h"
#include "common/jp/text.h"
#include "services/kpi/import/findings.h"
#include "common/status/status.h"

namespace sokei::kpi {

// "1章 …", "第2節 …" (label 章 / 節 / 編), "① …" and "1.…" (numbers without a label); false for
// anything else.
bool ParseNumberedHeading(const std::string& raw, const std::string& t, SectionLine* out) {
  const std::string r = Trim(raw);
  // ① … ⑳ (U+2460–2473): NFKC turns them into plain digits, so look before it.
  if (r.size() > 3 && static_cast<unsigned char>(r[0]) == 0xE2 &&
      static_cast<unsigned char>(r[1]) == 0x91) {
    const int n = static_cast<unsigned char>(r[2]) - 0xA0 + 1;
    const std::string title = Trim(r.substr(3));
    if (n < 1 || n > 20 || title.empty()) return false;
    *out = SectionLine{0, raw, "", absl::StrCat(n), title, "circled"};
    return true;
  }
  size_t i = absl::StartsWith(t, "第") ? 3 : 0;
  const size_t digits = i;
  while (i < t.size() && absl::ascii_isdigit(static_cast<unsigned char>(t[i]))) ++i;
  if (i == digits || i - digits > 3) return false;
  const std::string code = t.substr(digits, i - digits);
  for (const char* unit : {"章", "節", "編"}) {
    if (t.compare(i, strlen(unit), unit) == 0) {
      const std::string title = Trim(t.substr(i + strlen(unit)));
      if (title.empty()) return false;
      *out = SectionLine{0, raw, unit, code, title, ""};
      return true;
    }
  }
  // 1.競争力のある… (not 1.5, a number).
  if (digits == 0 && i < t.size() && t[i] == '.' && i + 1 < t.size() &&
      !absl::ascii_isdigit(static_cast<unsigned char>(t[i + 1]))) {
    const std::string title = Trim(t.substr(i + 1));
    if (title.empty()) return false;
    *out = SectionLine{0, raw, "", code, title, "n."};
    return true;
  }
  return false;
}

bool ParseSectionLine(const std::string& raw, SectionLine* out) {
  std::string t = Trim(jp::Nfkc(raw));
  if (t.empty() || t.size() > 600) return false;
  if (ParseNumberedHeading(raw, t, out)) return true;
  // Leading marks: ■ □ ● ◆ ◇ ○ ・
  for (const char* mark : {"■", "□", "●", "◆", "◇", "▲", "▼", "◎"}) {
    if (absl::StartsWith(t, mark)) {
      t = Trim(t.substr(strlen(mark)));
      break;
    }
  }
  std::string closer;
  if (absl::StartsWith(t, "(")) {
    closer = ")";
  } else if (absl::StartsWith(t, "【")) {
    closer = "】";
  } else if (absl::StartsWith(t, "[")) {
    closer = "]";
  } else if (absl::StartsWith(t, "〔")) {
    closer = "〕";
  }
  std::string head, title;
  if (!closer.empty()) {
    const size_t open = closer == ")" || closer == "]" ? 1 : 3;
    const size_t end = t.find(closer);
    if (end == std::string::npos) return false;
    head = Trim(t.substr(open, end - open));
    title = Trim(t.substr(end + closer.size()));
  } else {
    // まちづくり目標3:個性豊かで… / 基本政策1-2 子どもの…
    size_t sep = std::string::npos;
    for (const char* s : {":", " ", "、"}) {
      const size_t at = t.find(s);
      if (at != std::string::npos && at < sep) sep = at;
    }
    if (sep == std::string::npos) return false;
    head = Trim(t.substr(0, sep));
    title = Trim(t.substr(sep + (t[sep] == ':' || t[sep] == ' ' ? 1 : 3)));
  }
  title = std::string(absl::StripPrefix(title, ":"));
  title = Trim(title);
  // head = label + code: the code is the trailing run of digits, '-', '.', roman numerals.
  size_t code_start = head.size();
  while (code_start > 0) {
    const unsigned char c = static_cast<unsigned char>(head[code_start - 1]);
    if (absl::ascii_isdigit(c) || c == '-' || c == '.') {
      --code_start;
      continue;
    }
    // Roman numerals Ⅰ–Ⅹ (U+2160–2169) survive NFKC as ASCII letters I, V, X.
    if (c == 'I' || c == 'V' || c == 'X') {
      --code_start;
      continue;
    }
    break;
  }
  std::string label = Trim(head.substr(0, code_start));
  std::string code = head.substr(code_start);
  while (!code.empty() && (code.front() == '-' || code.front() == '.')) code.erase(0, 1);
  // A bare number needs its brackets and a title: (1) 希望する妊娠・出産が叶う.
  if (code.empty() || (label.empty() && (closer.empty() || title.empty()))) return false;
  // A label is words, not a sentence: reject long heads and heads with digits inside.
  if (jp::CodePointCount(label) > 12) return false;
  for (char c : label) {
    if (absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
  }
  out->raw = raw;
  out->label = label;
  out->code = code;
  out->title = title;
  out->style = label.empty() ? "(n)" : "";
  return true;
}

}  // namespace sokei::kpi
