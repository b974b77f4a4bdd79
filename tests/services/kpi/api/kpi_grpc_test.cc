// The KPI service over real gRPC on loopback, calling a real plan service over gRPC, each on its
// own database (SQLite files, or schemas on the PostgreSQL test cluster with
// SOKEI_TEST_BACKEND=postgres): the importer end to end, the dashboard read, the principal
// forwarded to the plan service, and the errors a client sees on the wire.
#include "tests/services/kpi/api/kpi_grpc_fixture.h"

namespace sokei::kpi::grpc_test {
namespace {

TEST_F(KpiGrpcTest, ImportOverGrpcThenSummaryAndIdempotentReplay) {
  EnsureImported();
  // The same request id again: the first result, nothing new.
  pb::ImportProgressTableRequest r;
  r.set_parent(kPlan);
  r.set_content(Seed());
  r.set_request_id("import-1");
  pb::ImportProgressTableResponse replay;
  ASSERT_TRUE(Call(&pb::KpiService::Stub::ImportProgressTable, r, &replay).ok());
  EXPECT_EQ(replay.counts().indicators_created(), 111);
  // Summary: every indicator graded or labelled, roll-ups at each level.
  pb::GetPlanSummaryRequest sr;
  sr.set_plan(kPlan);
  sr.set_fiscal_year(2020);
  pb::PlanSummary s;
  ASSERT_TRUE(Call(&pb::KpiService::Stub::GetPlanSummary, sr, &s).ok());
  EXPECT_EQ(s.indicator_count(), 111);
  int total = 0;
  for (const auto& g : s.grade_counts()) total += g.count();
  EXPECT_EQ(total, 111);
  EXPECT_GT(s.nodes_size(), 100);
  EXPECT_FALSE(s.needs_attention().empty());
  EXPECT_EQ(s.indicators_size(), 0);  // BASIC view
  // A viewer reads the dashboard; the plan service sees the viewer too (forwarded principal).
  Caller viewer{"v", "viewer", "142140", ""};
  ASSERT_TRUE(Call(&pb::KpiService::Stub::GetPlanSummary, sr, &s, viewer).ok());
  Caller outsider{"x", "planner", "142034", ""};
  auto denied = Call(&pb::KpiService::Stub::GetPlanSummary, sr, &s, outsider);
  EXPECT_EQ(denied.code(), absl::StatusCode::kPermissionDenied);
}

TEST_F(KpiGrpcTest, ErrorsOnTheWire) {
  EnsureImported();
  pb::GetPlanSummaryRequest sr;
  sr.set_plan("plans/5th");
  pb::PlanSummary s;
  auto bad = Call(&pb::KpiService::Stub::GetPlanSummary, sr, &s);
  ASSERT_EQ(bad.code(), absl::StatusCode::kInvalidArgument);
  auto fields = status::GetFieldViolations(bad);
  ASSERT_FALSE(fields.empty());
  EXPECT_EQ(fields[0].field, "plan");
  // A plan that does not exist: the plan service's NOT_FOUND comes through.
  sr.set_plan("municipalities/142140/plans/none");
  sr.set_fiscal_year(2020);
  auto missing = Call(&pb::KpiService::Stub::GetPlanSummary, sr, &s);
  EXPECT_EQ(missing.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(Reason(missing), "PLAN_NOT_FOUND");
  // No principal at all.
  auto anon = Call(&pb::KpiService::Stub::GetPlanSummary, sr, &s, Caller{"", "", "", ""});
  EXPECT_EQ(anon.code(), absl::StatusCode::kUnauthenticated);
  // An editor of another department may not record; nothing is written.
  const pb::Indicator ind = IndicatorByCode("06-102");
  ASSERT_FALSE(ind.name().empty());
  pb::RecordObservationsRequest rr;
  rr.set_parent(kM);
  auto* o = rr.add_observations();
  o->set_indicator(ind.name());
  o->set_fiscal_year(2021);
  o->set_raw_value("120人");
  pb::RecordObservationsResponse rresp;
  Caller other{"e", "editor", "142140", "d-someone-else"};
  auto s2 = Call(&pb::KpiService::Stub::RecordObservations, rr, &rresp, other);
  EXPECT_EQ(s2.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(Reason(s2), "DEPARTMENT_NOT_OWNER");
  // The owning department's editor may (its id is in the indicator's department name).
  const std::string dept = ind.departments(0).substr(ind.departments(0).rfind('/') + 1);
  Caller own{"e2", "editor", "142140", dept};
  ASSERT_TRUE(Call(&pb::KpiService::Stub::RecordObservations, rr, &rresp, own).ok());
  EXPECT_EQ(rresp.observations(0).value().value(), "120");
  EXPECT_EQ(rresp.observations(0).entered_by(), "e2");
  // Error messages never carry SQL or paths.
  for (const absl::Status& st : {bad, missing, anon, s2}) {
    EXPECT_EQ(std::string(st.message()).find("SELECT"), std::string::npos);
    EXPECT_EQ(std::string(st.message()).find("/tmp"), std::string::npos);
  }
}

TEST_F(KpiGrpcTest, ExportAndReportOverGrpc) {
  EnsureImported();
  pb::ExportProgressTableRequest er;
  er.set_plan(kPlan);
  er.set_fiscal_year(2020);
  er.set_format(pb::TABLE_FORMAT_XLSX);
  pb::ExportedFile f;
  ASSERT_TRUE(Call(&pb::KpiService::Stub::ExportProgressTable, er, &f).ok());
  EXPECT_EQ(f.filename(), "5th-progress-2020.xlsx");
  EXPECT_EQ(f.content().substr(0, 2), "PK");
  pb::CreateEvaluationRequest cr;
  cr.set_parent(kPlan);
  cr.set_fiscal_year(2020);
  pb::Evaluation e;
  ASSERT_TRUE(Call(&pb::KpiService::Stub::CreateEvaluation, cr, &e).ok());
  EXPECT_EQ(e.summary().indicators_size(), 111);
  pb::ExportEvaluationReportRequest rr;
  rr.set_name(e.name());
  rr.set_format(pb::REPORT_FORMAT_MARKDOWN);
  ASSERT_TRUE(Call(&pb::KpiService::Stub::ExportEvaluationReport, rr, &f).ok());
  EXPECT_NE(f.content().find("令和2年度"), std::string::npos);
  // Public callers: the evaluation does not exist for them until it is published.
  pb::GetEvaluationRequest gr;
  gr.set_name(e.name());
  Caller pub{"p", "public", "142140", ""};
  EXPECT_EQ(Call(&pb::KpiService::Stub::GetEvaluation, gr, &e, pub).code(),
            absl::StatusCode::kNotFound);
}

// Names as they were: a 課 renamed from FY2021 keeps its old name in FY2020's table and summary.
TEST_F(KpiGrpcTest, APastYearNamesTheDepartmentsAsTheyWere) {
  EnsureImported();
  const pb::Indicator ind = IndicatorByCode("06-102");
  ASSERT_FALSE(ind.departments().empty());
  auto plan_stub = plan::v1::PlanService::NewStub(*plan_channel_);
  plan::v1::Department dept;
  {
    grpc::ClientContext c;
    sokei::testing::AddSignedMetadata(&c, "planner-1", "planner", "142140");
    plan::v1::GetDepartmentRequest g;
    g.set_name(ind.departments(0));
    ASSERT_TRUE(plan_stub->GetDepartment(&c, g, &dept).ok());
  }
  const std::string old_name = dept.display_name();
  {
    grpc::ClientContext c;
    sokei::testing::AddSignedMetadata(&c, "planner-1", "planner", "142140");
    plan::v1::UpdateDepartmentRequest u;
    *u.mutable_department() = dept;
    u.mutable_department()->set_display_name("こども家庭支援課");
    u.mutable_update_mask()->add_paths("display_name");
    u.mutable_rename_effective_date()->set_year(2021);
    u.mutable_rename_effective_date()->set_month(4);
    u.mutable_rename_effective_date()->set_day(1);
    ASSERT_TRUE(plan_stub->UpdateDepartment(&c, u, &dept).ok());
  }
  auto department_rollup = [&](int year) {
    pb::GetPlanSummaryRequest r;
    r.set_plan(kPlan);
    r.set_fiscal_year(year);
    pb::PlanSummary s;
    EXPECT_TRUE(Call(&pb::KpiService::Stub::GetPlanSummary, r, &s).ok());
    for (const auto& d : s.departments()) {
      if (d.subject() == dept.name()) return d.display_name();
    }
    return std::string("(missing)");
  };
  EXPECT_EQ(department_rollup(2020), old_name);
  EXPECT_EQ(department_rollup(2021), "こども家庭支援課");
  auto table = [&](int year) {
    pb::ExportProgressTableRequest er;
    er.set_plan(kPlan);
    er.set_fiscal_year(year);
    pb::ExportedFile f;
    EXPECT_TRUE(Call(&pb::KpiService::Stub::ExportProgressTable, er, &f).ok());
    return f.content();
  };
  const std::string fy2020 = table(2020), fy2021 = table(2021);
  EXPECT_NE(fy2020.find(old_name), std::string::npos);
  EXPECT_EQ(fy2020.find("こども家庭支援課"), std::string::npos);
  EXPECT_NE(fy2021.find("こども家庭支援課"), std::string::npos);
}

// What a published survey said of a 施策 (recorded by the survey service on publication) on the
// 施策's sheet and its printed page; a survey recorded again replaces its figures; bad input and
// callers who may not record are refused with nothing stored.
TEST_F(KpiGrpcTest, SurveyPerceptionsOnTheSheet) {
  EnsureImported();
  pb::CreateEvaluationRequest cr;
  cr.set_parent(kPlan);
  cr.set_fiscal_year(2019);
  pb::Evaluation e;
  ASSERT_TRUE(Call(&pb::KpiService::Stub::CreateEvaluation, cr, &e).ok());
  pb::ListEvaluationSheetsRequest lr;
  lr.set_parent(e.name());
  lr.set_kind(pb::SHEET_KIND_MEASURE);
  pb::ListEvaluationSheetsResponse measures;
  ASSERT_TRUE(Call(&pb::KpiService::Stub::ListEvaluationSheets, lr, &measures).ok());
  ASSERT_FALSE(measures.sheets().empty());
  const std::string node = measures.sheets(0).node();

  pb::RecordSurveyPerceptionsRequest rr;
  rr.set_parent(kM);
  auto* in = rr.mutable_perceptions();
  in->set_survey(absl::StrCat(kM, "/surveys/citizen-2019"));
  in->set_survey_display_name("市民意識調査");
  in->set_fiscal_year(2019);
  auto* np = in->add_nodes();
  np->set_node(node);
  auto* sat = np->add_measures();
  sat->set_role(pb::PERCEPTION_ROLE_SATISFACTION);
  sat->set_number("問4(06)");
  sat->set_n(1234);
  sat->set_mean_score(0.42);
  sat->set_mean_margin_of_error(0.06);
  sat->set_positive_percent(58.3);
  sat->set_positive_margin_of_error_points(2.9);
  sat->set_margin_known(true);
  pb::SurveyPerceptions stored;
  auto s = Call(&pb::KpiService::Stub::RecordSurveyPerceptions, rr, &stored);
  ASSERT_TRUE(s.ok()) << s;
  EXPECT_EQ(stored.name(), absl::StrCat(kM, "/surveyPerceptions/citizen-2019"));

  pb::GetEvaluationSheetRequest g;
  g.set_name(measures.sheets(0).name());
  pb::EvaluationSheet sheet;
  ASSERT_TRUE(Call(&pb::KpiService::Stub::GetEvaluationSheet, g, &sheet).ok());
  ASSERT_EQ(sheet.perceptions_size(), 1);
  EXPECT_EQ(sheet.perceptions(0).survey_display_name(), "市民意識調査");
  EXPECT_EQ(sheet.perceptions(0).measures(0).n(), 1234);
  pb::ExportEvaluationSheetRequest er;
  er.set_name(sheet.name());
  pb::ExportedFile f;
  ASSERT_TRUE(Call(&pb::KpiService::Stub::ExportEvaluationSheet, er, &f).ok());
  EXPECT_NE(f.content().find("市民意識調査"), std::string::npos);
  EXPECT_NE(f.content().find("58.3%（±2.9ポイント）"), std::string::npos);
  EXPECT_NE(f.content().find("0.42点（±0.06）"), std::string::npos);

  // Published again (new data): the figures are replaced, not added.
  sat->set_positive_percent(60.1);
  ASSERT_TRUE(Call(&pb::KpiService::Stub::RecordSurveyPerceptions, rr, &stored).ok());
  ASSERT_TRUE(Call(&pb::KpiService::Stub::GetEvaluationSheet, g, &sheet).ok());
  ASSERT_EQ(sheet.perceptions_size(), 1);
  EXPECT_DOUBLE_EQ(sheet.perceptions(0).measures(0).positive_percent(), 60.1);

  // Bad input names the field; nothing changes.
  pb::RecordSurveyPerceptionsRequest bad = rr;
  bad.mutable_perceptions()->mutable_nodes(0)->mutable_measures(0)->set_positive_percent(120);
  s = Call(&pb::KpiService::Stub::RecordSurveyPerceptions, bad, &stored);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Reason(s), "PERCEPTIONS_INVALID");
  EXPECT_EQ(sokei::testing::Field(s), "perceptions.nodes[0].measures[0].positive_percent");
  bad = rr;
  bad.mutable_perceptions()->mutable_nodes(0)->set_node("municipalities/142034/plans/x/nodes/y");
  s = Call(&pb::KpiService::Stub::RecordSurveyPerceptions, bad, &stored);
  EXPECT_EQ(sokei::testing::Field(s), "perceptions.nodes[0].node");
  bad = rr;
  bad.mutable_perceptions()->mutable_nodes(0)->mutable_measures(0)->clear_role();
  EXPECT_EQ(Call(&pb::KpiService::Stub::RecordSurveyPerceptions, bad, &stored).code(),
            absl::StatusCode::kInvalidArgument);
  const Caller editor{"e", "editor", "142140", "kikaku"};
  EXPECT_EQ(Call(&pb::KpiService::Stub::RecordSurveyPerceptions, rr, &stored, editor).code(),
            absl::StatusCode::kPermissionDenied);
  ASSERT_TRUE(Call(&pb::KpiService::Stub::GetEvaluationSheet, g, &sheet).ok());
  EXPECT_DOUBLE_EQ(sheet.perceptions(0).measures(0).positive_percent(), 60.1);
}

}  // namespace
}  // namespace sokei::kpi::grpc_test
