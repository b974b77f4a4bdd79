#include "services/kpi/domain/sheet_rules.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/strip.h"
#include "common/jp/text.h"
#include "common/status/status.h"
#include "services/kpi/domain/sheet_template.h"

namespace sokei::kpi {
namespace {

absl::Status StageClosed(const std::string& sheet, const std::string& why) {
  return status::FailedPrecondition("SHEET_STAGE_CLOSED", {"STAGE", sheet, why});
}

absl::Status WrongState(const std::string& reason, const std::string& sheet,
                        const std::string& why) {
  return status::FailedPrecondition(reason, {"SHEET_STATE", sheet, why});
}

absl::Status PlannersOnly() {
  return status::PermissionDenied("SHEET_PLANNERS_ONLY",
                                  "the 企画課's review and the committee's opinion are written by "
                                  "planners");
}

absl::Status DepartmentOnly() {
  return status::PermissionDenied("DEPARTMENT_NOT_OWNER",
                                  "the sheet belongs to another department");
}

bool Open(v1::SheetState s) { return s == v1::SHEET_STATE_DRAFT || s == v1::SHEET_STATE_RETURNED; }

}  // namespace

absl::Status CheckSheetSectionWrite(const SheetWriter& who, v1::SheetSection section,
                                    v1::SheetState state, v1::EvaluationStage stage,
                                    const std::string& sheet) {
  switch (section) {
    case v1::SHEET_SECTION_DEPARTMENT:
      if (!who.planner && !who.owner) return DepartmentOnly();
      if (stage > v1::EVALUATION_STAGE_PLANNING_REVIEW) {
        return StageClosed(sheet,
                           "the department's evaluation is written before the committee stage");
      }
      if (!Open(state)) {
        return WrongState("SHEET_SUBMITTED", sheet,
                          "the sheet is submitted; the 企画課 returns it for changes");
      }
      return absl::OkStatus();
    case v1::SHEET_SECTION_PLANNING:
      if (!who.planner) return PlannersOnly();
      if (state != v1::SHEET_STATE_SUBMITTED && state != v1::SHEET_STATE_ACCEPTED) {
        return WrongState("SHEET_NOT_SUBMITTED", sheet,
                          "the 二次評価 follows the department's submission");
      }
      return absl::OkStatus();
    case v1::SHEET_SECTION_COMMITTEE:
      if (!who.planner) return PlannersOnly();
      if (stage != v1::EVALUATION_STAGE_COMMITTEE) {
        return StageClosed(sheet, "the committee's opinion is recorded at the COMMITTEE stage");
      }
      return absl::OkStatus();
    default:
      return status::Internal("SHEET_TEMPLATE_CORRUPT");
  }
}

absl::Status CheckSheetSubmit(const SheetWriter& who, v1::SheetState state,
                              v1::EvaluationStage stage, const std::string& sheet) {
  if (!who.planner && !who.owner) return DepartmentOnly();
  if (stage > v1::EVALUATION_STAGE_PLANNING_REVIEW) {
    return StageClosed(sheet, "sheets are submitted before the committee stage");
  }
  if (!Open(state)) {
    return WrongState("SHEET_SUBMITTED", sheet, "the sheet is submitted already");
  }
  return absl::OkStatus();
}

absl::Status CheckSheetReview(const SheetWriter& who, v1::SheetState state, v1::SheetState to,
                              v1::EvaluationStage stage, const std::string& sheet) {
  if (!who.planner) return PlannersOnly();
  (void)stage;  // publication is checked by the caller (a published evaluation is frozen)
  const bool ok = to == v1::SHEET_STATE_ACCEPTED
                      ? state == v1::SHEET_STATE_SUBMITTED
                      : (state == v1::SHEET_STATE_SUBMITTED || state == v1::SHEET_STATE_ACCEPTED);
  if (!ok) {
    return WrongState("SHEET_NOT_SUBMITTED", sheet,
                      to == v1::SHEET_STATE_ACCEPTED
                          ? "only a submitted sheet can be accepted"
                          : "only a submitted or accepted sheet can be returned");
  }
  return absl::OkStatus();
}

std::string NormalizeSheetText(const std::string& text) {
  std::string s = absl::StrReplaceAll(text, {{"\r\n", "\n"}, {"\r", "\n"}});
  return std::string(absl::StripAsciiWhitespace(s));
}

void CheckSheetValue(const v1::SheetField& field, const std::string& path, std::string* text,
                     api::Violations& v) {
  *text = NormalizeSheetText(*text);
  if (text->empty()) return;
  if (field.choices_size() > 0) {
    const std::string typed = jp::Nfkc(*text);
    for (const auto& c : field.choices()) {
      if (jp::Nfkc(c) == typed) {
        *text = c;
        return;
      }
    }
    std::string list;
    for (const auto& c : field.choices()) absl::StrAppend(&list, list.empty() ? "" : "、", c);
    v.Add(path, absl::StrCat("must be one of ", list));
    return;
  }
  v.Text(path, *text, static_cast<size_t>(SheetFieldLimit(field)), false);
}

std::vector<std::string> MissingSheetFields(
    const v1::SheetTemplate& t, v1::SheetKind kind,
    const google::protobuf::Map<std::string, std::string>& values) {
  std::vector<std::string> out;
  for (const auto& f : t.fields()) {
    if (f.kind() != kind || !f.required()) continue;
    auto it = values.find(f.key());
    if (it == values.end() || it->second.empty()) out.push_back(f.label());
  }
  return out;
}

}  // namespace sokei::kpi
