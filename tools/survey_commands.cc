#include "tools/survey_commands.h"

#include <cstdio>
#include <fstream>
#include <sstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/jp/text.h"
#include "common/config/config.h"
#include "common/grpcx/server.h"
#include "common/status/grpc_status.h"
#include "demo/demo_survey.h"
#include "sokei/kpi/v1/kpi_service.grpc.pb.h"
#include "sokei/survey/v1/survey_service.grpc.pb.h"
#include "tools/cli_util.h"
#include "tools/progress.h"

namespace sokei::cli {
namespace {

namespace pb = sokei::survey::v1;

// The survey service at SOKEI_SURVEY_ADDR and the KPI service at SOKEI_KPI_ADDR (2 minutes a call).
struct SurveyStub : ServiceClient<pb::SurveyService> {
  SurveyStub() : ServiceClient("SOKEI_SURVEY_ADDR", "127.0.0.1:50053", 120000) {}
};
struct KpiStub : ServiceClient<sokei::kpi::v1::KpiService> {
  KpiStub() : ServiceClient("SOKEI_KPI_ADDR", "127.0.0.1:50052", 120000) {}
};

// Streams `content` to StreamResponses in 1 MiB messages.
absl::StatusOr<pb::ImportResponsesResponse> StreamImport(SurveyStub& s,
                                                         pb::ImportResponsesRequest first,
                                                         const std::string& content) {
  grpc::ClientContext ctx;
  grpcx::SetTimeout(&ctx, 600000);
  CurrentConnection().Prepare(&ctx);
  pb::ImportResponsesResponse resp;
  auto writer = s.raw().StreamResponses(&ctx, &resp);
  // 256 KiB messages: small enough for the bar to move, large enough to cost nothing.
  constexpr size_t kChunk = 256 << 10;
  ProgressBar bar("sending the responses", content.size());
  for (size_t off = 0; off == 0 || off < content.size(); off += kChunk) {
    pb::ImportResponsesRequest r = off == 0 ? first : pb::ImportResponsesRequest();
    r.set_content(content.substr(off, kChunk));
    if (!writer->Write(r)) break;
    bar.Update(std::min(content.size(), off + kChunk));
  }
  bar.Finish();
  writer->WritesDone();
  absl::Status st = WithElapsedTime("the survey service is reading them",
                                    [&] { return status::FromGrpc(writer->Finish()); });
  if (!st.ok()) return st;
  return resp;
}

void PrintFindings(const pb::ImportResponsesResponse& r, size_t limit) {
  std::map<std::string, int> by_code;
  for (const auto& f : r.findings()) ++by_code[f.code()];
  for (const auto& [code, n] : by_code) std::printf("  %-22s %d\n", code.c_str(), n);
  for (int i = 0; i < r.findings_size() && static_cast<size_t>(i) < limit; ++i) {
    const auto& f = r.findings(i);
    std::printf("  row %d %s: %s '%s'\n", f.row(), f.column().c_str(), f.message().c_str(),
                f.raw().c_str());
  }
}

int Demo(bool json, const std::map<std::string, std::string>& flags) {
  SurveyStub s;
  survey::demo::DemoOptions o;
  int n = 0;
  if (absl::SimpleAtoi(Flag(flags, "year", "2024"), &n)) o.fiscal_year = n;
  if (absl::SimpleAtoi(Flag(flags, "respondents", "3000"), &n)) o.respondents = n;
  o.wave = o.fiscal_year - 2022;
  o.seed = static_cast<uint64_t>(o.fiscal_year);
  double shift = 0;
  if (absl::SimpleAtod(Flag(flags, "shift", "0"), &shift)) o.satisfaction_shift = shift;
  const std::string municipality = "municipalities/142140";
  const std::string id = Flag(flags, "id", absl::StrCat("citizen-", o.fiscal_year));
  if (flags.count("kpi-link")) {
    // The survey-derived indicator of the next plan's 地域福祉 (Hiratsuka's seed has the same).
    o.consult_indicator = absl::StrCat(municipality, "/indicators/consult-share");
    KpiStub k;
    sokei::kpi::v1::CreateIndicatorRequest r;
    r.set_parent(municipality);
    r.set_indicator_id("consult-share");
    r.set_request_id("demo-consult-share");
    auto* ind = r.mutable_indicator();
    ind->set_display_name("困りごとがある時に相談できると回答した割合");
    ind->set_kind(sokei::kpi::v1::INDICATOR_KIND_PERCEPTION);
    ind->set_direction(sokei::kpi::v1::DIRECTION_INCREASE);
    ind->set_unit("%");
    ind->set_formula(sokei::kpi::v1::FORMULA_F8_DIRECTION);
    ind->set_survey_based(true);
    ind->set_data_source("市民意識調査");
    ind->add_nodes(absl::StrCat(o.plan, "/nodes/f05"));
    ind->mutable_baseline()->set_fiscal_year(2022);
    ind->mutable_baseline()->mutable_value()->set_raw("70.0%");
    auto* t = ind->add_target_specs()->add_targets();
    t->set_fiscal_year(2027);
    t->mutable_value()->set_raw("75%");
    sokei::kpi::v1::Indicator out;
    auto st = k.Call(&sokei::kpi::v1::KpiService::Stub::CreateIndicator, r, &out);
    if (!st.ok() && st.code() != absl::StatusCode::kAlreadyExists) return Fail(st);
    // Survey percentages move by a few points from sampling alone: ±3 points read as no change.
    sokei::kpi::v1::UpdateGradingSchemeRequest u;
    u.mutable_scheme()->set_name(absl::StrCat(o.plan, "/gradingScheme"));
    u.mutable_scheme()->set_no_change_band_points(3);
    u.mutable_update_mask()->add_paths("no_change_band_points");
    sokei::kpi::v1::GradingScheme scheme;
    st = k.Call(&sokei::kpi::v1::KpiService::Stub::UpdateGradingScheme, u, &scheme);
    if (!st.ok()) return Fail(st);
  }
  auto d = survey::demo::MakeIseharaSurvey(o);
  pb::CreateSurveyRequest cs;
  cs.set_parent(municipality);
  cs.set_survey_id(id);
  cs.set_request_id(absl::StrCat("demo-survey-", id));
  *cs.mutable_survey() = d.survey;
  pb::Survey survey;
  auto st = s.Call(&pb::SurveyService::Stub::CreateSurvey, cs, &survey);
  if (!st.ok()) return Fail(st);
  // A replayed create answers with the survey as it was created: read it as it is now.
  pb::GetSurveyRequest get;
  get.set_name(survey.name());
  st = s.Call(&pb::SurveyService::Stub::GetSurvey, get, &survey);
  if (!st.ok()) return Fail(st);
  if (survey.valid_responses() > 0) {
    std::printf("%s: already loaded (%d respondents)\n", survey.name().c_str(),
                survey.valid_responses());
    return 0;
  }
  pb::BatchCreateQuestionsRequest bq;
  bq.set_parent(survey.name());
  bq.set_request_id(absl::StrCat("demo-questions-", id));
  for (const auto& q : d.questions) *bq.add_requests() = q;
  pb::BatchCreateQuestionsResponse qs;
  st = s.Call(&pb::SurveyService::Stub::BatchCreateQuestions, bq, &qs);
  if (!st.ok()) return Fail(st);
  pb::ImportResponsesRequest first;
  first.set_survey(survey.name());
  first.set_request_id(absl::StrCat("demo-responses-", id));
  auto imported = StreamImport(s, first, d.csv);
  if (!imported.ok()) return Fail(imported.status());
  if (json) {
    PrintJson(*imported);
    return 0;
  }
  std::printf("%s: %s — %d questions, %d respondents imported (%d findings)\n",
              survey.name().c_str(), d.survey.display_name().c_str(), qs.questions_size(),
              imported->imported(), imported->findings_size());
  return 0;
}

int Import(bool json, const std::map<std::string, std::string>& flags,
           const std::vector<std::string>& args) {
  if (args.size() != 2) {
    return Usage(
        "sokei survey import SURVEY FILE.csv [--encoding cp932|utf-8] [--dry-run] "
        "[--replace] [--allow-partial]");
  }
  std::ifstream in(args[1], std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "cannot read %s\n", args[1].c_str());
    return 2;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  SurveyStub s;
  pb::ImportResponsesRequest first;
  first.set_survey(args[0]);
  first.set_encoding(Flag(flags, "encoding"));
  first.set_dry_run(flags.count("dry-run") > 0);
  first.set_replace(flags.count("replace") > 0);
  first.set_allow_partial(flags.count("allow-partial") > 0);
  auto r = StreamImport(s, first, ss.str());
  if (!r.ok()) return Fail(r.status());
  if (json) {
    PrintJson(*r);
    return 0;
  }
  std::printf("%s: %d rows, %d imported, %d skipped, %d respondents stored%s\n", args[0].c_str(),
              r->rows(), r->imported(), r->skipped(), r->total_respondents(),
              r->committed() ? "" : " — NOT committed");
  PrintFindings(*r, 20);
  return r->committed() || first.dry_run() ? 0 : 1;
}

pb::Disclosure DisclosureFlag(const std::map<std::string, std::string>& flags) {
  return flags.count("published") ? pb::DISCLOSURE_PUBLISHED : pb::DISCLOSURE_UNSPECIFIED;
}

int Stats(bool json, const std::map<std::string, std::string>& flags,
          const std::vector<std::string>& args) {
  if (args.size() != 1) return Usage("sokei survey stats QUESTION [--weighted] [--published]");
  SurveyStub s;
  pb::GetQuestionStatsRequest r;
  r.set_question(args[0]);
  r.set_weighted(flags.count("weighted") > 0);
  r.set_disclosure(DisclosureFlag(flags));
  pb::QuestionStats out;
  auto st = s.Call(&pb::SurveyService::Stub::GetQuestionStats, r, &out);
  if (!st.ok()) return Fail(st);
  if (json) {
    PrintJson(out);
    return 0;
  }
  std::printf("%s %s  (n=%lld%s)\n", out.number().c_str(), out.text().c_str(),
              static_cast<long long>(out.base()),
              out.weighted()
                  ? absl::StrFormat(", weighted, n_eff=%.0f", out.effective_base()).c_str()
                  : "");
  for (const auto& o : out.options()) {
    std::printf("  %-3s %-28s %6s%%  %s\n", o.code().c_str(), o.label().c_str(),
                o.display().c_str(), o.in_base() ? "" : "(outside the base)");
  }
  if (out.has_mean()) std::printf("  mean score %.2f\n", out.mean_score());
  std::printf("  top-2-box %.1f%%, net %+.1f points", out.positive_percent(), out.net_score());
  if (out.has_margin_of_error()) std::printf(", ±%.1f points (95%%)", out.margin_of_error_points());
  std::printf("\n");
  return 0;
}

int CrossTab(bool json, const std::map<std::string, std::string>& flags,
             const std::vector<std::string>& args) {
  if (args.size() != 1 || Flag(flags, "by").empty()) {
    return Usage("sokei survey crosstab QUESTION --by ATTR[,ATTR] [--weighted] [--published]");
  }
  SurveyStub s;
  pb::GetCrossTabRequest r;
  r.set_question(args[0]);
  for (absl::string_view d : absl::StrSplit(Flag(flags, "by"), ','))
    r.add_dimensions(std::string(d));
  r.set_weighted(flags.count("weighted") > 0);
  r.set_disclosure(DisclosureFlag(flags));
  pb::CrossTab out;
  auto st = s.Call(&pb::SurveyService::Stub::GetCrossTab, r, &out);
  if (!st.ok()) return Fail(st);
  if (json) {
    PrintJson(out);
    return 0;
  }
  if (flags.count("tsv")) {  // one line per row: categories, n, then each option's cell as shown
    std::printf("%s\tn", absl::StrJoin(out.dimensions(), "\t").c_str());
    for (const auto& l : out.option_labels()) std::printf("\t%s", l.c_str());
    std::printf("\n");
    for (const auto* row : {&out.column_totals()}) {
      std::printf("全体%s\t%s", std::string(out.dimensions_size() - 1, '\t').c_str(),
                  row->total().display().c_str());
      for (const auto& c : row->cells()) std::printf("\t%s", c.display().c_str());
      std::printf("\n");
    }
    for (const auto& row : out.rows()) {
      std::printf("%s\t%s", absl::StrJoin(row.categories(), "\t").c_str(),
                  row.total().display().c_str());
      for (const auto& c : row.cells()) std::printf("\t%s", c.display().c_str());
      std::printf("\n");
    }
    return 0;
  }
  for (int i = 0; i < out.option_codes_size(); ++i) {
    std::printf("%s%s=%s", i ? ", " : "options: ", out.option_codes(i).c_str(),
                out.option_labels(i).c_str());
  }
  std::printf("\n%-22s %6s", "", "n");
  for (const auto& c : out.option_codes()) std::printf(" %8s", c.c_str());
  std::printf("\n");
  auto print = [&](const pb::CrossTabRow& row) {
    std::string label;
    for (const auto& c : row.categories()) absl::StrAppend(&label, label.empty() ? "" : "×", c);
    std::printf("%s %6s", jp::PadToWidth(label, 22).c_str(), row.total().display().c_str());
    for (const auto& c : row.cells()) std::printf(" %8s", c.display().c_str());
    std::printf("\n");
  };
  print(out.column_totals());
  for (const auto& row : out.rows()) print(row);
  std::printf("%s: %lld cells hidden (k=%d)\n",
              out.disclosure_applied() ? "published view" : "full view (planners)",
              static_cast<long long>(out.suppressed_cells()), out.min_cell_count());
  return 0;
}

int Cs(bool json, const std::map<std::string, std::string>& flags,
       const std::vector<std::string>& args) {
  if (args.size() != 1)
    return Usage(
        "sokei survey cs SURVEY [--index improvement_index|z_gap] [--deviation] [--weighted]");
  SurveyStub s;
  pb::RunCsAnalysisRequest r;
  r.set_survey(args[0]);
  r.set_priority_index(Flag(flags, "index"));
  r.set_deviation_scores(flags.count("deviation") > 0);
  r.set_weighted(flags.count("weighted") > 0);
  pb::CsAnalysis out;
  auto st = s.Call(&pb::SurveyService::Stub::RunCsAnalysis, r, &out);
  if (!st.ok()) return Fail(st);
  if (json) {
    PrintJson(out);
    return 0;
  }
  if (flags.count("tsv")) {  // for pasting into the evaluation sheet
    std::printf(
        "順位\tコード\t分野\t重要度\t満足度\t重要度偏差値\t満足度偏差値\tx\ty\t象限\t優先度\n");
    for (const auto& it : out.items()) {
      std::printf("%d\t%s\t%s\t%.3f\t%.3f\t%.1f\t%.1f\t%.3f\t%.3f\t%s\t%.3f\n", it.rank(),
                  it.code().c_str(), it.display_name().c_str(), it.importance(), it.satisfaction(),
                  it.importance_deviation(), it.satisfaction_deviation(), it.x(), it.y(),
                  it.quadrant().c_str(), it.priority());
    }
    return 0;
  }
  std::printf("CS analysis (%s), centre: importance %.2f, satisfaction %.2f\n",
              out.priority_index().c_str(), out.importance_centre(), out.satisfaction_centre());
  std::printf("%4s  %-4s %-26s %8s %8s %8s  %s\n", "rank", "code", "分野", "重要度", "満足度",
              "priority", "quadrant");
  for (const auto& it : out.items()) {
    std::printf("%4d  %-4s %-26s %8.2f %8.2f %8.2f  %s\n", it.rank(), it.code().c_str(),
                it.display_name().c_str(), it.importance(), it.satisfaction(), it.priority(),
                it.quadrant().c_str());
  }
  return 0;
}

int Compare(bool json, const std::vector<std::string>& args) {
  if (args.size() != 2) return Usage("sokei survey compare QUESTION BASELINE_QUESTION");
  SurveyStub s;
  pb::CompareWavesRequest r;
  r.set_question(args[0]);
  r.set_baseline_question(args[1]);
  pb::WaveComparison out;
  auto st = s.Call(&pb::SurveyService::Stub::CompareWaves, r, &out);
  if (!st.ok()) return Fail(st);
  if (json) {
    PrintJson(out);
    return 0;
  }
  std::printf("%.1f%% (n=%lld, ±%.1f) vs %.1f%% (n=%lld, ±%.1f): %s\n", out.value(),
              static_cast<long long>(out.n()), out.margin_of_error(), out.baseline_value(),
              static_cast<long long>(out.baseline_n()), out.baseline_margin_of_error(),
              out.summary().c_str());
  return 0;
}

int Publish(bool json, const std::vector<std::string>& args) {
  if (args.size() != 1) return Usage("sokei survey publish SURVEY");
  SurveyStub s;
  pb::PublishRequest r;
  r.set_name(args[0]);
  r.set_request_id(absl::StrCat("cli-publish-", args[0].substr(args[0].rfind('/') + 1)));
  pb::PublishResponse out;
  auto st = s.Call(&pb::SurveyService::Stub::Publish, r, &out);
  if (!st.ok()) return Fail(st);
  if (json) {
    PrintJson(out);
    return 0;
  }
  std::printf("%s published\n", out.survey().name().c_str());
  for (const auto& a : out.actuals()) {
    std::printf("  %s FY%d = %s%s (%s)\n", a.indicator().c_str(), a.fiscal_year(),
                a.value().c_str(), a.unit().c_str(), a.note().c_str());
  }
  return 0;
}

}  // namespace

int RunSurveyCommand(bool json, const std::map<std::string, std::string>& flags,
                     const std::vector<std::string>& words) {
  const std::string sub = words.size() > 1 ? words[1] : "";
  const std::vector<std::string> args(words.begin() + std::min<size_t>(2, words.size()),
                                      words.end());
  if (sub == "demo") return Demo(json, flags);
  if (sub == "import") return Import(json, flags, args);
  if (sub == "stats") return Stats(json, flags, args);
  if (sub == "crosstab") return CrossTab(json, flags, args);
  if (sub == "cs") return Cs(json, flags, args);
  if (sub == "compare") return Compare(json, args);
  if (sub == "publish") return Publish(json, args);
  return Usage("sokei survey demo|import|stats|crosstab|cs|compare|publish …");
}

absl::StatusOr<std::vector<type::v1::AuditEvent>> SurveyAuditEvents(const std::string& municipality,
                                                                     int limit) {
  SurveyStub stub;
  return LatestAuditEvents(stub, &pb::SurveyService::Stub::ListAuditEvents, municipality, limit);
}

}  // namespace sokei::cli
