// Evaluation sheets (評価シート) over real gRPC, on the seed 001 plan: a department writes and
// submits its 事務事業評価シート, the 企画課 returns it, accepts it and adds its 二次評価, the
// committee's opinion is recorded, the year is published and a sheet is amended — with every
// access rule and bad input on the way, and the printable page.
#include "tests/services/kpi/api/kpi_grpc_fixture.h"

namespace sokei::kpi::grpc_test {
namespace {

constexpr int kYear = 2021;  // kpi_grpc_test.cc's own evaluation is 2020's

std::string DeptId(const std::string& department) {
  return department.substr(department.rfind('/') + 1);
}

class EvaluationSheetTest : public KpiGrpcTest {
 protected:
  // The year's evaluation (created once for the suite).
  std::string Evaluation() {
    EnsureImported();
    const std::string name = absl::StrCat(kPlan, "/evaluations/", kYear);
    pb::GetEvaluationRequest g;
    g.set_name(name);
    pb::Evaluation e;
    if (Call(&pb::KpiService::Stub::GetEvaluation, g, &e).ok()) return name;
    pb::CreateEvaluationRequest c;
    c.set_parent(kPlan);
    c.set_fiscal_year(kYear);
    auto s = Call(&pb::KpiService::Stub::CreateEvaluation, c, &e);
    EXPECT_TRUE(s.ok()) << s;
    return name;
  }

  pb::ListEvaluationSheetsResponse List(const std::string& evaluation, pb::SheetKind kind,
                                        const Caller& who = Caller()) {
    pb::ListEvaluationSheetsRequest r;
    r.set_parent(evaluation);
    r.set_kind(kind);
    pb::ListEvaluationSheetsResponse out;
    auto s = Call(&pb::KpiService::Stub::ListEvaluationSheets, r, &out, who);
    EXPECT_TRUE(s.ok()) << s;
    return out;
  }

  absl::Status Write(const pb::EvaluationSheet& current,
                     const std::map<std::string, std::string>& values, const Caller& who,
                     pb::EvaluationSheet* out, const std::string& reason = "") {
    pb::UpdateEvaluationSheetRequest r;
    r.mutable_sheet()->set_name(current.name());
    r.mutable_sheet()->set_etag(current.etag());
    for (const auto& [k, v] : values) (*r.mutable_sheet()->mutable_values())[k] = v;
    r.set_amendment_reason(reason);
    return Call(&pb::KpiService::Stub::UpdateEvaluationSheet, r, out, who);
  }

  absl::Status Review(grpc::Status (pb::KpiService::Stub::*fn)(
                          grpc::ClientContext*, const pb::ReviewEvaluationSheetRequest&,
                          pb::EvaluationSheet*),
                      const pb::EvaluationSheet& current, const std::string& comment,
                      const Caller& who, pb::EvaluationSheet* out) {
    pb::ReviewEvaluationSheetRequest r;
    r.set_name(current.name());
    r.set_etag(current.etag());
    r.set_comment(comment);
    return Call(fn, r, out, who);
  }

  pb::EvaluationSheet Get(const std::string& name, const Caller& who = Caller()) {
    pb::GetEvaluationSheetRequest r;
    r.set_name(name);
    pb::EvaluationSheet out;
    auto s = Call(&pb::KpiService::Stub::GetEvaluationSheet, r, &out, who);
    EXPECT_TRUE(s.ok()) << s;
    return out;
  }

  absl::Status Advance(const std::string& evaluation, pb::EvaluationStage stage) {
    pb::AdvanceEvaluationRequest r;
    r.set_name(evaluation);
    r.set_stage(stage);
    pb::Evaluation e;
    return Call(&pb::KpiService::Stub::AdvanceEvaluation, r, &e);
  }

  // Every required 一次評価 field of a 事務事業評価シート, filled in.
  static std::map<std::string, std::string> Complete() {
    return {{"purpose_target", "市内の子育て世帯"},
            {"purpose_intent", "安心して子育てできる"},
            {"means", "相談窓口の運営"},
            {"necessity", "A"},
            {"necessity_reason", "需要が高い"},
            {"effectiveness", "B"},
            {"effectiveness_reason", "利用者は増えた"},
            {"efficiency", "B"},
            {"efficiency_reason", "委託で運営"},
            {"fairness", "A"},
            {"fairness_reason", "全世帯が対象"},
            {"results_and_issues", "相談件数が増えた。\n夜間の対応が課題。"},
            {"direction", "改善"},
            {"direction_reason", "夜間窓口を試行する"}};
  }
};

TEST_F(EvaluationSheetTest, TheYearOfASheetFromDraftToAmendment) {
  const std::string evaluation = Evaluation();
  // Every 事業 (level 5) and every 施策 (level 4) has a sheet, in tree order, unwritten.
  auto projects = List(evaluation, pb::SHEET_KIND_PROJECT);
  auto measures = List(evaluation, pb::SHEET_KIND_MEASURE);
  ASSERT_EQ(projects.sheets_size(), 109);
  ASSERT_GT(measures.sheets_size(), 10);
  for (const auto& s : projects.sheets()) {
    EXPECT_EQ(s.state(), pb::SHEET_STATE_DRAFT);
    EXPECT_TRUE(s.etag().empty());
  }
  // The first 事業 with a department; its department's editor, another department's editor.
  pb::EvaluationSheet sheet;
  for (const auto& s : projects.sheets()) {
    if (!s.departments().empty()) {
      sheet = s;
      break;
    }
  }
  ASSERT_FALSE(sheet.name().empty());
  const Caller owner{"kosodate-1", "editor", "142140", DeptId(sheet.departments(0))};
  const Caller other{"other-1", "editor", "142140", "d-someone-else"};
  const Caller viewer{"v", "viewer", "142140", ""};
  const Caller pub{"p", "public", "142140", ""};
  const Caller planner;
  // The department's list shows its sheet.
  pb::ListEvaluationSheetsRequest by_dept;
  by_dept.set_parent(evaluation);
  by_dept.set_department(sheet.departments(0));
  pb::ListEvaluationSheetsResponse mine;
  ASSERT_TRUE(Call(&pb::KpiService::Stub::ListEvaluationSheets, by_dept, &mine).ok());
  ASSERT_FALSE(mine.sheets().empty());
  for (const auto& s : mine.sheets()) {
    EXPECT_NE(std::find(s.departments().begin(), s.departments().end(), sheet.departments(0)),
              s.departments().end());
  }

  // Not the department's sheet, not a writer, not before publication for the public.
  pb::EvaluationSheet out;
  auto denied = Write(sheet, {{"means", "x"}}, other, &out);
  EXPECT_EQ(denied.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(Reason(denied), "DEPARTMENT_NOT_OWNER");
  EXPECT_EQ(Write(sheet, {{"means", "x"}}, viewer, &out).code(),
            absl::StatusCode::kPermissionDenied);
  pb::GetEvaluationSheetRequest gpub;
  gpub.set_name(sheet.name());
  auto hidden = Call(&pb::KpiService::Stub::GetEvaluationSheet, gpub, &out, pub);
  EXPECT_EQ(hidden.code(), absl::StatusCode::kNotFound);

  // Bad input: every bad field named; nothing is written.
  auto bad = Write(sheet,
                   {{"direction", "やめる"},
                    {"nonsense", "x"},
                    {"purpose_target", std::string(301, 'a')},
                    {"means", std::string("a\x01", 2)}},
                   owner, &out);
  ASSERT_EQ(bad.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Reason(bad), "SHEET_INVALID");
  std::set<std::string> fields;
  for (const auto& v : status::GetFieldViolations(bad)) fields.insert(v.field);
  EXPECT_EQ(fields, (std::set<std::string>{"sheet.values[direction]", "sheet.values[nonsense]",
                                           "sheet.values[purpose_target]", "sheet.values[means]"}));
  EXPECT_TRUE(Get(sheet.name()).etag().empty());

  // The department writes: line breaks kept (CR LF read as LF), a full-width choice read as the
  // template's, the node's name and code on the sheet.
  auto first =
      Write(sheet, {{"means", "  相談窓口の運営\r\n訪問支援  "}, {"necessity", "Ａ"}}, owner, &out);
  ASSERT_TRUE(first.ok()) << first;
  EXPECT_EQ(out.values().at("means"), "相談窓口の運営\n訪問支援");
  EXPECT_EQ(out.values().at("necessity"), "A");
  EXPECT_EQ(out.code(), sheet.code());
  EXPECT_FALSE(out.etag().empty());
  const pb::EvaluationSheet written = out;
  // A conflicting edit from an older copy: ABORTED, and the stored text is the first writer's.
  pb::EvaluationSheet stale = written;
  stale.set_etag(written.etag() + "x");
  auto conflict = Write(stale, {{"means", "上書き"}}, owner, &out);
  EXPECT_EQ(conflict.code(), absl::StatusCode::kAborted);
  EXPECT_EQ(Get(sheet.name()).values().at("means"), "相談窓口の運営\n訪問支援");
  // The department may not write the 企画課's part.
  auto planning = Write(written, {{"planning_comment", "了承"}}, owner, &out);
  EXPECT_EQ(planning.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(Reason(planning), "SHEET_PLANNERS_ONLY");
  // Submitting with required fields empty: refused, with what is missing.
  auto incomplete = Review(&pb::KpiService::Stub::SubmitEvaluationSheet, written, "", owner, &out);
  EXPECT_EQ(incomplete.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(Reason(incomplete), "SHEET_INCOMPLETE");
  auto pre = status::GetPreconditionViolations(incomplete);
  ASSERT_EQ(pre.size(), 1u);
  EXPECT_NE(pre[0].description.find("成果と課題"), std::string::npos);
  EXPECT_EQ(pre[0].description.find("手段"), std::string::npos);  // filled in

  ASSERT_TRUE(Write(written, Complete(), owner, &out).ok());
  ASSERT_TRUE(Review(&pb::KpiService::Stub::SubmitEvaluationSheet, out, "", owner, &out).ok());
  EXPECT_EQ(out.state(), pb::SHEET_STATE_SUBMITTED);
  EXPECT_EQ(out.review_history(0).actor(), "kosodate-1");
  // Submitted: the department's part is closed until the 企画課 returns it.
  auto closed = Write(out, {{"means", "追記"}}, owner, &out);
  EXPECT_EQ(closed.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(Reason(closed), "SHEET_SUBMITTED");
  pb::EvaluationSheet submitted = Get(sheet.name());
  // Only planners review; a return needs a comment.
  EXPECT_EQ(
      Review(&pb::KpiService::Stub::ReturnEvaluationSheet, submitted, "直して", owner, &out).code(),
      absl::StatusCode::kPermissionDenied);
  auto no_comment =
      Review(&pb::KpiService::Stub::ReturnEvaluationSheet, submitted, "", planner, &out);
  EXPECT_EQ(no_comment.code(), absl::StatusCode::kInvalidArgument);
  ASSERT_TRUE(Review(&pb::KpiService::Stub::ReturnEvaluationSheet, submitted,
                     "夜間窓口の費用を書いてください", planner, &out)
                  .ok());
  EXPECT_EQ(out.state(), pb::SHEET_STATE_RETURNED);
  EXPECT_EQ(out.review_history(1).comment(), "夜間窓口の費用を書いてください");
  // The department sees the comment, corrects and submits again; the 企画課 accepts.
  ASSERT_TRUE(
      Write(out, {{"direction_reason", "夜間窓口を試行する（年120万円）"}}, owner, &out).ok());
  ASSERT_TRUE(Review(&pb::KpiService::Stub::SubmitEvaluationSheet, out, "", owner, &out).ok());
  ASSERT_TRUE(Review(&pb::KpiService::Stub::AcceptEvaluationSheet, out, "", planner, &out).ok());
  EXPECT_EQ(out.state(), pb::SHEET_STATE_ACCEPTED);
  // 二次評価 by the 企画課; the committee's opinion waits for its stage.
  ASSERT_TRUE(
      Write(out, {{"planning_direction", "改善"}, {"planning_comment", "妥当"}}, planner, &out)
          .ok());
  auto early = Write(out, {{"committee_opinion", "継続すべき"}}, planner, &out);
  EXPECT_EQ(early.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(Reason(early), "SHEET_STAGE_CLOSED");
  ASSERT_TRUE(Advance(evaluation, pb::EVALUATION_STAGE_PLANNING_REVIEW).ok());
  ASSERT_TRUE(Advance(evaluation, pb::EVALUATION_STAGE_COMMITTEE).ok());
  out = Get(sheet.name());
  ASSERT_TRUE(
      Write(out, {{"committee_opinion", "夜間窓口の効果を検証されたい"}}, planner, &out).ok());
  // At the committee stage the department's part is closed, even for a returned sheet.
  auto late = Write(out, {{"means", "追記"}}, owner, &out);
  EXPECT_EQ(late.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(Reason(late), "SHEET_STAGE_CLOSED");

  // Published: frozen; the public reads it without the staff accounts.
  ASSERT_TRUE(Advance(evaluation, pb::EVALUATION_STAGE_PUBLISHED).ok());
  out = Get(sheet.name());
  auto frozen = Write(out, {{"planning_comment", "訂正"}}, planner, &out);
  EXPECT_EQ(frozen.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(Reason(frozen), "EVALUATION_PUBLISHED");
  pb::EvaluationSheet seen = Get(sheet.name(), pub);
  EXPECT_EQ(seen.values().at("committee_opinion"), "夜間窓口の効果を検証されたい");
  ASSERT_FALSE(seen.review_history().empty());
  for (const auto& e : seen.review_history()) EXPECT_TRUE(e.actor().empty());
  // An amendment (planners only) keeps the before and after, on the sheet and in the audit.
  EXPECT_EQ(Write(out, {{"means", "訂正"}}, owner, &out, "誤記").code(),
            absl::StatusCode::kPermissionDenied);
  out = Get(sheet.name());
  ASSERT_TRUE(
      Write(out, {{"planning_comment", "妥当（費用対効果を注視）"}}, planner, &out, "記載漏れ")
          .ok());
  ASSERT_EQ(out.amendments_size(), 1);
  EXPECT_EQ(out.amendments(0).before(), "妥当");
  EXPECT_EQ(out.amendments(0).after(), "妥当（費用対効果を注視）");
  EXPECT_EQ(out.amendments(0).reason(), "記載漏れ");
  pb::ListAuditEventsRequest ar;
  ar.set_parent(kM);
  ar.set_filter(absl::StrCat("resource=\"", sheet.name(), "\""));
  pb::ListAuditEventsResponse audit;
  ASSERT_TRUE(Call(&pb::KpiService::Stub::ListAuditEvents, ar, &audit).ok());
  // First write, complete, submit, return, edit, submit, accept, 二次評価, committee, amendment.
  EXPECT_EQ(audit.audit_events_size(), 10);

  // The 施策 above it lists the 事業 with the department's and the 企画課's directions.
  const std::string node_parent = [&] {
    for (const auto& m : measures.sheets()) {
      pb::EvaluationSheet full = Get(m.name());
      for (const auto& c : full.children()) {
        if (c.sheet() == sheet.name()) return m.name();
      }
    }
    return std::string();
  }();
  ASSERT_FALSE(node_parent.empty());
  pb::EvaluationSheet measure = Get(node_parent);
  for (const auto& c : measure.children()) {
    if (c.sheet() != sheet.name()) continue;
    EXPECT_EQ(c.state(), pb::SHEET_STATE_ACCEPTED);
    EXPECT_EQ(c.choices().at("direction"), "改善");
    EXPECT_EQ(c.choices().at("planning_direction"), "改善");
    EXPECT_EQ(c.choices().count("means"), 0u);  // text is not an index field
  }
}

TEST_F(EvaluationSheetTest, PrintablePageAndIndicators) {
  const std::string evaluation = Evaluation();
  auto projects = List(evaluation, pb::SHEET_KIND_PROJECT);
  // A 事業 with indicators: its sheet carries them from the evaluation's snapshot.
  pb::EvaluationSheet with;
  for (const auto& s : projects.sheets()) {
    pb::EvaluationSheet full = Get(s.name());
    if (!full.indicators().empty() && full.etag().empty()) {
      with = full;
      break;
    }
  }
  ASSERT_FALSE(with.name().empty());
  for (const auto& ir : with.indicators()) {
    EXPECT_NE(std::find(ir.nodes().begin(), ir.nodes().end(), with.node()), ir.nodes().end());
  }
  pb::ExportEvaluationSheetRequest er;
  er.set_name(with.name());
  pb::ExportedFile f;
  auto s = Call(&pb::KpiService::Stub::ExportEvaluationSheet, er, &f);
  ASSERT_TRUE(s.ok()) << s;
  EXPECT_EQ(f.content_type(), "text/html; charset=utf-8");
  const std::string& html = f.content();
  EXPECT_NE(html.find("size: A4"), std::string::npos);
  EXPECT_NE(html.find("事務事業評価シート"), std::string::npos);
  EXPECT_NE(html.find("令和3年度"), std::string::npos);
  EXPECT_NE(html.find(with.indicators(0).display_name()), std::string::npos);
  EXPECT_NE(html.find("（未記入）"), std::string::npos);
  EXPECT_NE(html.find("今後の方向性"), std::string::npos);
  er.set_format(pb::REPORT_FORMAT_MARKDOWN);
  EXPECT_EQ(Call(&pb::KpiService::Stub::ExportEvaluationSheet, er, &f).code(),
            absl::StatusCode::kInvalidArgument);
  // A node without a sheet (a 基本政策), and a sheet of an evaluation that does not exist.
  pb::GetEvaluationSheetRequest g;
  g.set_name(absl::StrCat(evaluation, "/sheets/none"));
  pb::EvaluationSheet out;
  auto missing = Call(&pb::KpiService::Stub::GetEvaluationSheet, g, &out);
  EXPECT_EQ(missing.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(Reason(missing), "SHEET_NOT_FOUND");
  g.set_name(absl::StrCat(kPlan, "/evaluations/1999/sheets/x"));
  missing = Call(&pb::KpiService::Stub::GetEvaluationSheet, g, &out);
  EXPECT_EQ(Reason(missing), "EVALUATION_NOT_FOUND");
}

TEST_F(EvaluationSheetTest, TheCityChoosesItsFields) {
  EnsureImported();
  const std::string name = absl::StrCat(kPlan, "/sheetTemplate");
  pb::GetSheetTemplateRequest g;
  g.set_name(name);
  pb::SheetTemplate t;
  ASSERT_TRUE(Call(&pb::KpiService::Stub::GetSheetTemplate, g, &t).ok());
  ASSERT_GT(t.fields_size(), 10);
  EXPECT_TRUE(t.etag().empty());  // the default
  // Four levels of 有効性 instead of three.
  pb::UpdateSheetTemplateRequest u;
  *u.mutable_sheet_template() = t;
  u.mutable_update_mask()->add_paths("fields");
  for (auto& f : *u.mutable_sheet_template()->mutable_fields()) {
    if (f.key() == "effectiveness") {
      f.clear_choices();
      for (const char* c : {"A", "B", "C", "D"}) f.add_choices(c);
    }
  }
  const Caller editor{"e", "editor", "142140", "x"};
  EXPECT_EQ(Call(&pb::KpiService::Stub::UpdateSheetTemplate, u, &t, editor).code(),
            absl::StatusCode::kPermissionDenied);
  pb::UpdateSheetTemplateRequest broken = u;
  broken.mutable_sheet_template()->mutable_fields(1)->set_key("Bad Key");
  auto bad = Call(&pb::KpiService::Stub::UpdateSheetTemplate, broken, &t);
  ASSERT_EQ(bad.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status::GetFieldViolations(bad)[0].field, "sheet_template.fields[1].key");
  broken = u;
  broken.mutable_sheet_template()->set_project_level(9);
  broken.mutable_update_mask()->add_paths("project_level");
  EXPECT_EQ(Call(&pb::KpiService::Stub::UpdateSheetTemplate, broken, &t).code(),
            absl::StatusCode::kInvalidArgument);
  ASSERT_TRUE(Call(&pb::KpiService::Stub::UpdateSheetTemplate, u, &t).ok());
  EXPECT_FALSE(t.etag().empty());
  // An update from the old copy (no etag → the default's): ABORTED once the template is stored.
  u.mutable_sheet_template()->set_etag("0.0");
  EXPECT_EQ(Call(&pb::KpiService::Stub::UpdateSheetTemplate, u, &t).code(),
            absl::StatusCode::kAborted);
  pb::SheetTemplate read;
  ASSERT_TRUE(Call(&pb::KpiService::Stub::GetSheetTemplate, g, &read).ok());
  bool four = false;
  for (const auto& f : read.fields())
    four = four || (f.key() == "effectiveness" && f.choices_size() == 4);
  EXPECT_TRUE(four);
}

}  // namespace
}  // namespace sokei::kpi::grpc_test
