#include "services/kpi/domain/sheet_template.h"

#include <set>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/jp/text.h"

namespace sokei::kpi {
namespace {

constexpr int kDefaultLimit = 1000;
constexpr int kMaxLimit = 4000;
constexpr int kMaxFields = 60;
constexpr int kMaxChoices = 20;

struct FieldSpec {
  const char* key;
  const char* label;
  v1::SheetKind kind;
  v1::SheetSection section;
  std::vector<const char*> choices;
  int max_chars;
  bool required;
  const char* help;
};

constexpr auto kProject = v1::SHEET_KIND_PROJECT;
constexpr auto kMeasure = v1::SHEET_KIND_MEASURE;
constexpr auto kDept = v1::SHEET_SECTION_DEPARTMENT;
constexpr auto kPlanning = v1::SHEET_SECTION_PLANNING;
constexpr auto kCommittee = v1::SHEET_SECTION_COMMITTEE;

const std::vector<const char*>& Directions() {
  static const std::vector<const char*> d = {"拡充",       "継続", "改善", "縮小",
                                             "休止・廃止", "完了", "統合"};
  return d;
}

const std::vector<FieldSpec>& DefaultFields() {
  static const std::vector<const char*> abc = {"A", "B", "C"};
  static const std::vector<const char*> progress = {"順調", "概ね順調", "やや遅れ", "遅れ"};
  static const std::vector<FieldSpec> f = {
      // 事務事業評価シート: the department's 一次評価.
      {"purpose_target",
       "目的（対象）",
       kProject,
       kDept,
       {},
       300,
       true,
       "誰（何）を対象にしているか"},
      {"purpose_intent",
       "目的（意図）",
       kProject,
       kDept,
       {},
       300,
       true,
       "対象をどのような状態にしたいか"},
      {"means", "手段（活動内容）", kProject, kDept, {}, 1000, true, "この年度に行ったこと"},
      {"necessity", "必要性", kProject, kDept, abc, 0, true, "A 高い／B 妥当／C 低い"},
      {"necessity_reason", "必要性の理由", kProject, kDept, {}, 300, true, ""},
      {"effectiveness", "有効性", kProject, kDept, abc, 0, true, "A 高い／B 妥当／C 低い"},
      {"effectiveness_reason", "有効性の理由", kProject, kDept, {}, 300, true, ""},
      {"efficiency", "効率性", kProject, kDept, abc, 0, true, "A 高い／B 妥当／C 低い"},
      {"efficiency_reason", "効率性の理由", kProject, kDept, {}, 300, true, ""},
      {"fairness", "公平性", kProject, kDept, abc, 0, true, "A 高い／B 妥当／C 低い"},
      {"fairness_reason", "公平性の理由", kProject, kDept, {}, 300, true, ""},
      {"results_and_issues", "成果と課題", kProject, kDept, {}, 1500, true, ""},
      {"direction", "今後の方向性", kProject, kDept, Directions(), 0, true, ""},
      {"direction_reason", "方向性の理由・改善内容", kProject, kDept, {}, 800, true, ""},
      // 事務事業評価シート: the 企画課's 二次評価 and the committee.
      {"planning_direction", "二次評価（方向性）", kProject, kPlanning, Directions(), 0, false, ""},
      {"planning_comment", "二次評価（意見）", kProject, kPlanning, {}, 1000, false, ""},
      {"committee_opinion", "外部評価委員会の意見", kProject, kCommittee, {}, 2000, false, ""},
      // 施策評価シート.
      {"vision", "目指す姿", kMeasure, kDept, {}, 500, true, ""},
      {"assessment", "施策の進捗", kMeasure, kDept, progress, 0, true, ""},
      {"results_and_issues", "成果と課題", kMeasure, kDept, {}, 1500, true, ""},
      {"next_steps", "今後の取組方針", kMeasure, kDept, {}, 1000, true, ""},
      {"planning_assessment", "二次評価（施策の進捗）", kMeasure, kPlanning, progress, 0, false,
       ""},
      {"planning_comment", "二次評価（意見）", kMeasure, kPlanning, {}, 1000, false, ""},
      {"committee_opinion", "外部評価委員会の意見", kMeasure, kCommittee, {}, 2000, false, ""},
  };
  return f;
}

bool IsKey(const std::string& k) {
  if (k.empty() || k.size() > 40 || k[0] < 'a' || k[0] > 'z') return false;
  for (char c : k) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  return true;
}

}  // namespace

v1::SheetTemplate DefaultSheetTemplate(const std::string& name) {
  v1::SheetTemplate t;
  t.set_name(name);
  for (const FieldSpec& s : DefaultFields()) {
    auto* f = t.add_fields();
    f->set_key(s.key);
    f->set_label(s.label);
    f->set_kind(s.kind);
    f->set_section(s.section);
    for (const char* c : s.choices) f->add_choices(c);
    f->set_max_chars(s.max_chars);
    f->set_required(s.required);
    f->set_help(s.help);
  }
  return t;
}

SheetLevels ResolveSheetLevels(const v1::SheetTemplate& t, int plan_levels) {
  SheetLevels l;
  l.project = t.project_level() > 0 ? t.project_level() : plan_levels;
  l.measure = t.measure_level() > 0 ? t.measure_level() : l.project - 1;
  if (l.measure < 1) l.measure = 0;
  return l;
}

v1::SheetKind SheetKindAt(const SheetLevels& levels, int depth) {
  if (depth == levels.project) return v1::SHEET_KIND_PROJECT;
  if (depth == levels.measure && depth > 0) return v1::SHEET_KIND_MEASURE;
  return v1::SHEET_KIND_UNSPECIFIED;
}

const v1::SheetField* FindSheetField(const v1::SheetTemplate& t, v1::SheetKind kind,
                                     const std::string& key) {
  for (const auto& f : t.fields()) {
    if (f.key() == key && f.kind() == kind) return &f;
  }
  return nullptr;
}

std::vector<const v1::SheetField*> ChildChoiceFields(const v1::SheetTemplate& t) {
  std::vector<const v1::SheetField*> cols;
  for (const auto& f : t.fields()) {
    if (f.kind() == v1::SHEET_KIND_PROJECT && f.choices_size() > 0 &&
        f.section() != v1::SHEET_SECTION_COMMITTEE) {
      cols.push_back(&f);
    }
  }
  return cols;
}

int SheetFieldLimit(const v1::SheetField& f) {
  return f.max_chars() > 0 ? f.max_chars() : kDefaultLimit;
}

std::string ValidateSheetTemplate(const v1::SheetTemplate& t, int plan_levels, std::string* field) {
  const std::string prefix = "sheet_template.";
  if (t.project_level() < 0 || t.project_level() > plan_levels) {
    *field = prefix + "project_level";
    return absl::StrCat("a depth of the plan's tree (1 to ", plan_levels,
                        "), or 0 for the deepest");
  }
  const SheetLevels levels = ResolveSheetLevels(t, plan_levels);
  if (t.measure_level() < 0 || t.measure_level() >= levels.project) {
    *field = prefix + "measure_level";
    return "a depth above the 事業 level, or 0 for the level just above it";
  }
  if (t.fields_size() > kMaxFields) {
    *field = prefix + "fields";
    return absl::StrCat("at most ", kMaxFields, " fields");
  }
  std::set<std::pair<int, std::string>> seen;
  for (int i = 0; i < t.fields_size(); ++i) {
    const v1::SheetField& f = t.fields(i);
    const std::string at = absl::StrCat(prefix, "fields[", i, "].");
    if (!IsKey(f.key())) {
      *field = at + "key";
      return "lower-case letters, digits and _ (at most 40), starting with a letter";
    }
    if (f.kind() != v1::SHEET_KIND_PROJECT && f.kind() != v1::SHEET_KIND_MEASURE) {
      *field = at + "kind";
      return "PROJECT or MEASURE";
    }
    if (!seen.insert({f.kind(), f.key()}).second) {
      *field = at + "key";
      return "is used twice on the same kind of sheet";
    }
    if (f.section() < v1::SHEET_SECTION_DEPARTMENT || f.section() > v1::SHEET_SECTION_COMMITTEE) {
      *field = at + "section";
      return "DEPARTMENT, PLANNING or COMMITTEE";
    }
    if (f.label().empty() || jp::CodePointCount(f.label()) > 100 ||
        jp::HasControlCharacters(f.label())) {
      *field = at + "label";
      return "1 to 100 characters, without control characters";
    }
    if (jp::CodePointCount(f.help()) > 300 || jp::HasControlCharacters(f.help())) {
      *field = at + "help";
      return "at most 300 characters, without control characters";
    }
    if (f.max_chars() < 0 || f.max_chars() > kMaxLimit) {
      *field = at + "max_chars";
      return absl::StrCat("0 (1,000) to ", kMaxLimit);
    }
    if (f.choices_size() > kMaxChoices) {
      *field = at + "choices";
      return absl::StrCat("at most ", kMaxChoices, " choices");
    }
    std::set<std::string> choices;
    for (const auto& c : f.choices()) {
      if (c.empty() || jp::CodePointCount(c) > 30 || jp::HasControlCharacters(c) ||
          !choices.insert(c).second) {
        *field = at + "choices";
        return "each choice 1 to 30 characters, each once";
      }
    }
    if (f.required() && f.section() != v1::SHEET_SECTION_DEPARTMENT) {
      *field = at + "required";
      return "only the department's fields are required before it submits";
    }
  }
  return "";
}

}  // namespace sokei::kpi
