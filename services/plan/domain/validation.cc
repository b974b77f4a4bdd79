#include "services/plan/domain/validation.h"

#include <regex>
#include <set>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/jp/text.h"

namespace sokei::plan {

void Violations::Date(const std::string& field, const sokei::type::v1::Date& d, bool required) {
  if (d.year() == 0 && d.month() == 0 && d.day() == 0) {
    if (required) Add(field, "is required");
    return;
  }
  static const int kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (d.year() < 1868 || d.year() > 2200 || d.month() < 1 || d.month() > 12 || d.day() < 1 ||
      d.day() > kDays[d.month() - 1]) {
    Add(field, "is not a valid date");
    return;
  }
  const bool leap = (d.year() % 4 == 0 && d.year() % 100 != 0) || d.year() % 400 == 0;
  if (d.month() == 2 && d.day() == 29 && !leap) Add(field, "is not a valid date");
}

void Violations::SdgGoals(const std::string& field,
                          const google::protobuf::RepeatedField<int32_t>& goals) {
  std::set<int> seen;
  for (int i = 0; i < goals.size(); ++i) {
    const std::string f = absl::StrCat(field, "[", i, "]");
    if (goals[i] < 1 || goals[i] > 17) Add(f, "an SDG goal is 1 to 17");
    if (!seen.insert(goals[i]).second) Add(f, "appears twice");
  }
}

void Violations::SdgTargets(const std::string& field,
                            const google::protobuf::RepeatedPtrField<std::string>& targets) {
  std::set<std::string> seen;
  for (int i = 0; i < targets.size(); ++i) {
    const std::string f = absl::StrCat(field, "[", i, "]");
    if (!IsValidSdgTarget(targets[i])) {
      Add(f, "an SDG target is goal.number or goal.letter, e.g. 11.2 or 11.a");
    }
    if (!seen.insert(targets[i]).second) Add(f, "appears twice");
  }
}

void Violations::Labels(const std::string& field,
                        const google::protobuf::RepeatedPtrField<std::string>& v,
                        size_t max_chars) {
  if (static_cast<size_t>(v.size()) > kMaxListEntries) {
    Add(field, absl::StrCat("at most ", kMaxListEntries, " entries"));
  }
  for (int i = 0; i < v.size(); ++i) Text(absl::StrCat(field, "[", i, "]"), v[i], max_chars, true);
}

void Violations::Sections(
    const std::string& field,
    const google::protobuf::RepeatedPtrField<sokei::plan::v1::TextSection>& sections) {
  if (static_cast<size_t>(sections.size()) > kMaxListEntries) {
    Add(field, absl::StrCat("at most ", kMaxListEntries, " sections"));
  }
  for (int i = 0; i < sections.size(); ++i) {
    const std::string f = absl::StrCat(field, "[", i, "]");
    Text(f + ".heading", sections[i].heading(), kMaxLabelChars, true);
    Text(f + ".body", sections[i].body(), kMaxBodyChars, false);
  }
}

bool IsValidPattern(const std::string& pattern) {
  if (pattern.size() > 200) return false;
  try {
    std::regex re(pattern, std::regex::ECMAScript);
    return true;
  } catch (const std::regex_error&) {
    return false;
  }
}

bool MatchesPattern(const std::string& pattern, const std::string& code) {
  try {
    return std::regex_search(code, std::regex(pattern, std::regex::ECMAScript));
  } catch (const std::regex_error&) {
    return false;
  }
}

bool IsValidSdgTarget(const std::string& target) {
  const size_t dot = target.find('.');
  if (dot == std::string::npos) return false;
  int goal = 0;
  if (!absl::SimpleAtoi(target.substr(0, dot), &goal) || goal < 1 || goal > 17) return false;
  if (target.substr(0, dot).front() == '0') return false;
  const std::string rest = target.substr(dot + 1);
  if (rest.size() == 1 && rest[0] >= 'a' && rest[0] <= 'z') return true;
  int n = 0;
  return !rest.empty() && rest.size() <= 2 && absl::SimpleAtoi(rest, &n) && n >= 1 &&
         rest.front() != '0' && rest.find_first_not_of("0123456789") == std::string::npos;
}

int DateKey(const sokei::type::v1::Date& d) { return d.year() * 10000 + d.month() * 100 + d.day(); }

}  // namespace sokei::plan
