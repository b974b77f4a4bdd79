// The rules of evaluation sheets as pure functions: who writes which section when, value checks,
// the default template's validity, sheet levels, and department names as they were.
#include "services/kpi/domain/sheet_rules.h"

#include <gtest/gtest.h>

#include "common/status/status.h"
#include "services/kpi/domain/department_names.h"
#include "services/kpi/domain/sheet_template.h"

namespace sokei::kpi {
namespace {

std::string ReasonOf(const absl::Status& s) {
  auto info = status::GetErrorInfo(s);
  return info ? info->reason : "";
}

TEST(SheetRules, EachSectionHasItsWriterAndItsMoment) {
  const SheetWriter dept{false, true}, planner{true, false}, stranger{false, false};
  const auto kDept = v1::SHEET_SECTION_DEPARTMENT;
  const auto kPlanning = v1::SHEET_SECTION_PLANNING;
  const auto kCommittee = v1::SHEET_SECTION_COMMITTEE;
  const auto kSelf = v1::EVALUATION_STAGE_SELF;
  const auto kReview = v1::EVALUATION_STAGE_PLANNING_REVIEW;
  const auto kCommitteeStage = v1::EVALUATION_STAGE_COMMITTEE;
  EXPECT_TRUE(CheckSheetSectionWrite(dept, kDept, v1::SHEET_STATE_DRAFT, kSelf, "s").ok());
  EXPECT_TRUE(CheckSheetSectionWrite(dept, kDept, v1::SHEET_STATE_RETURNED, kReview, "s").ok());
  EXPECT_TRUE(CheckSheetSectionWrite(planner, kDept, v1::SHEET_STATE_DRAFT, kSelf, "s").ok());
  EXPECT_EQ(ReasonOf(CheckSheetSectionWrite(stranger, kDept, v1::SHEET_STATE_DRAFT, kSelf, "s")),
            "DEPARTMENT_NOT_OWNER");
  EXPECT_EQ(ReasonOf(CheckSheetSectionWrite(dept, kDept, v1::SHEET_STATE_SUBMITTED, kSelf, "s")),
            "SHEET_SUBMITTED");
  EXPECT_EQ(ReasonOf(CheckSheetSectionWrite(dept, kDept, v1::SHEET_STATE_ACCEPTED, kSelf, "s")),
            "SHEET_SUBMITTED");
  EXPECT_EQ(
      ReasonOf(CheckSheetSectionWrite(dept, kDept, v1::SHEET_STATE_RETURNED, kCommitteeStage, "s")),
      "SHEET_STAGE_CLOSED");
  // 二次評価: planners, once submitted.
  EXPECT_EQ(
      ReasonOf(CheckSheetSectionWrite(dept, kPlanning, v1::SHEET_STATE_SUBMITTED, kSelf, "s")),
      "SHEET_PLANNERS_ONLY");
  EXPECT_EQ(
      ReasonOf(CheckSheetSectionWrite(planner, kPlanning, v1::SHEET_STATE_DRAFT, kReview, "s")),
      "SHEET_NOT_SUBMITTED");
  EXPECT_TRUE(
      CheckSheetSectionWrite(planner, kPlanning, v1::SHEET_STATE_ACCEPTED, kCommitteeStage, "s")
          .ok());
  // The committee: at its stage only, recorded by planners.
  EXPECT_EQ(
      ReasonOf(CheckSheetSectionWrite(planner, kCommittee, v1::SHEET_STATE_ACCEPTED, kReview, "s")),
      "SHEET_STAGE_CLOSED");
  EXPECT_TRUE(
      CheckSheetSectionWrite(planner, kCommittee, v1::SHEET_STATE_DRAFT, kCommitteeStage, "s")
          .ok());
  EXPECT_EQ(ReasonOf(CheckSheetSectionWrite(dept, kCommittee, v1::SHEET_STATE_ACCEPTED,
                                            kCommitteeStage, "s")),
            "SHEET_PLANNERS_ONLY");
}

TEST(SheetRules, SubmitReturnAccept) {
  const SheetWriter dept{false, true}, planner{true, false};
  const auto kSelf = v1::EVALUATION_STAGE_SELF;
  EXPECT_TRUE(CheckSheetSubmit(dept, v1::SHEET_STATE_RETURNED, kSelf, "s").ok());
  EXPECT_EQ(ReasonOf(CheckSheetSubmit(dept, v1::SHEET_STATE_SUBMITTED, kSelf, "s")),
            "SHEET_SUBMITTED");
  EXPECT_EQ(
      ReasonOf(CheckSheetSubmit(dept, v1::SHEET_STATE_DRAFT, v1::EVALUATION_STAGE_COMMITTEE, "s")),
      "SHEET_STAGE_CLOSED");
  EXPECT_TRUE(
      CheckSheetReview(planner, v1::SHEET_STATE_SUBMITTED, v1::SHEET_STATE_ACCEPTED, kSelf, "s")
          .ok());
  EXPECT_EQ(ReasonOf(CheckSheetReview(planner, v1::SHEET_STATE_ACCEPTED, v1::SHEET_STATE_ACCEPTED,
                                      kSelf, "s")),
            "SHEET_NOT_SUBMITTED");
  EXPECT_TRUE(
      CheckSheetReview(planner, v1::SHEET_STATE_ACCEPTED, v1::SHEET_STATE_RETURNED, kSelf, "s")
          .ok());
  EXPECT_EQ(ReasonOf(CheckSheetReview(planner, v1::SHEET_STATE_DRAFT, v1::SHEET_STATE_RETURNED,
                                      kSelf, "s")),
            "SHEET_NOT_SUBMITTED");
  EXPECT_EQ(ReasonOf(CheckSheetReview(dept, v1::SHEET_STATE_SUBMITTED, v1::SHEET_STATE_ACCEPTED,
                                      kSelf, "s")),
            "SHEET_PLANNERS_ONLY");
}

TEST(SheetRules, ValuesAreNormalizedAndChecked) {
  const v1::SheetTemplate t = DefaultSheetTemplate("municipalities/1/plans/p/sheetTemplate");
  const v1::SheetField* direction = FindSheetField(t, v1::SHEET_KIND_PROJECT, "direction");
  const v1::SheetField* means = FindSheetField(t, v1::SHEET_KIND_PROJECT, "means");
  ASSERT_NE(direction, nullptr);
  ASSERT_NE(means, nullptr);
  EXPECT_EQ(FindSheetField(t, v1::SHEET_KIND_MEASURE, "means"), nullptr);
  api::Violations v;
  std::string text = " 改善 ";
  CheckSheetValue(*direction, "d", &text, v);
  EXPECT_EQ(text, "改善");
  text = "\r\n一行目\r\n\r\n三行目\r";
  CheckSheetValue(*means, "m", &text, v);
  EXPECT_EQ(text, "一行目\n\n三行目");
  EXPECT_TRUE(v.empty());
  text = "拡大";
  CheckSheetValue(*direction, "d", &text, v);
  text = std::string(1001, 'x');
  CheckSheetValue(*means, "m", &text, v);
  text = std::string(1000, 'x');
  CheckSheetValue(*means, "ok", &text, v);  // at the limit: fine
  const auto violations = status::GetFieldViolations(v.ToStatus("SHEET_INVALID"));
  ASSERT_EQ(violations.size(), 2u);
  EXPECT_EQ(violations[0].field, "d");
  EXPECT_EQ(violations[1].field, "m");
  // The required fields left empty, by label, in template order.
  google::protobuf::Map<std::string, std::string> values;
  values["means"] = "x";
  const auto missing = MissingSheetFields(t, v1::SHEET_KIND_PROJECT, values);
  ASSERT_FALSE(missing.empty());
  EXPECT_EQ(missing.front(), "目的（対象）");
  EXPECT_EQ(std::find(missing.begin(), missing.end(), "手段（活動内容）"), missing.end());
}

TEST(SheetTemplate, DefaultIsValidAndLevelsResolve) {
  const v1::SheetTemplate t = DefaultSheetTemplate("municipalities/1/plans/p/sheetTemplate");
  std::string field;
  EXPECT_EQ(ValidateSheetTemplate(t, 5, &field), "") << field;
  SheetLevels l = ResolveSheetLevels(t, 5);
  EXPECT_EQ(l.project, 5);
  EXPECT_EQ(l.measure, 4);
  EXPECT_EQ(SheetKindAt(l, 5), v1::SHEET_KIND_PROJECT);
  EXPECT_EQ(SheetKindAt(l, 4), v1::SHEET_KIND_MEASURE);
  EXPECT_EQ(SheetKindAt(l, 3), v1::SHEET_KIND_UNSPECIFIED);
  l = ResolveSheetLevels(t, 1);
  EXPECT_EQ(l.measure, 0);
  EXPECT_EQ(SheetKindAt(l, 0), v1::SHEET_KIND_UNSPECIFIED);
  // Broken templates name the field.
  v1::SheetTemplate bad = t;
  bad.mutable_fields(2)->set_key(bad.fields(0).key());
  EXPECT_NE(ValidateSheetTemplate(bad, 5, &field), "");
  EXPECT_EQ(field, "sheet_template.fields[2].key");
  bad = t;
  bad.mutable_fields(15)->set_required(true);  // a PLANNING field
  ASSERT_EQ(bad.fields(15).section(), v1::SHEET_SECTION_PLANNING);
  EXPECT_NE(ValidateSheetTemplate(bad, 5, &field), "");
  EXPECT_EQ(field, "sheet_template.fields[15].required");
  bad = t;
  bad.set_project_level(3);
  bad.set_measure_level(3);
  EXPECT_NE(ValidateSheetTemplate(bad, 5, &field), "");
  EXPECT_EQ(field, "sheet_template.measure_level");
  bad = t;
  bad.mutable_fields(3)->add_choices("A");
  EXPECT_NE(ValidateSheetTemplate(bad, 5, &field), "");
  EXPECT_EQ(field, "sheet_template.fields[3].choices");
}

TEST(DepartmentNames, TheNameInForceAtTheYearsEnd) {
  plan::v1::Department d;
  d.set_display_name("こども家庭課");
  auto* oldest = d.add_former_names();
  oldest->set_display_name("児童福祉課");
  oldest->mutable_valid_until()->set_year(2019);
  oldest->mutable_valid_until()->set_month(3);
  oldest->mutable_valid_until()->set_day(31);
  auto* newer = d.add_former_names();
  newer->set_display_name("子育て支援課");
  newer->mutable_valid_until()->set_year(2023);
  newer->mutable_valid_until()->set_month(3);
  newer->mutable_valid_until()->set_day(31);
  EXPECT_EQ(DepartmentNameIn(d, 2017), "児童福祉課");
  EXPECT_EQ(DepartmentNameIn(d, 2018), "児童福祉課");  // renamed on 1 April 2019
  EXPECT_EQ(DepartmentNameIn(d, 2019), "子育て支援課");
  EXPECT_EQ(DepartmentNameIn(d, 2022), "子育て支援課");
  EXPECT_EQ(DepartmentNameIn(d, 2023), "こども家庭課");
}

}  // namespace
}  // namespace sokei::kpi
