#include "tools/kpi_commands.h"


#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "common/config/config.h"
#include "common/grpcx/server.h"
#include "common/jp/fiscal_year.h"
#include "common/jp/percent.h"
#include "common/jp/text.h"
#include "common/status/grpc_status.h"
#include "sokei/kpi/v1/kpi_service.grpc.pb.h"
#include "tools/cli_util.h"
#include "tools/progress.h"

namespace sokei::cli {
namespace {

namespace pb = sokei::kpi::v1;

// The KPI service at SOKEI_KPI_ADDR; calls time out after 30 s unless they say otherwise.
struct KpiClient : ServiceClient<pb::KpiService> {
  KpiClient() : ServiceClient("SOKEI_KPI_ADDR", "127.0.0.1:50052", 30000) {}
};

bool ReadFile(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::stringstream ss;
  ss << in.rdbuf();
  *out = ss.str();
  return true;
}

const char* Severity(pb::FindingSeverity s) {
  switch (s) {
    case pb::FINDING_SEVERITY_ERROR:
      return "ERROR";
    case pb::FINDING_SEVERITY_WARNING:
      return "WARN ";
    default:
      return "info ";
  }
}

// A download (DownloadProgressTable, DownloadEvaluationReport): the elapsed time while the service
// prepares the file, then a progress bar while its parts arrive.
template <typename Reader>
absl::StatusOr<pb::ExportedFile> Download(grpc::ClientContext& ctx, Reader reader,
                                          const std::string& what) {
  pb::FileChunk part;
  bool got = false;
  WithElapsedTime(absl::StrCat("the KPI service is preparing ", what), [&] {
    got = reader->Read(&part);
    return absl::OkStatus();
  }).IgnoreError();  // the call's status comes with Finish below
  pb::ExportedFile file;
  if (got) {
    file.set_filename(part.filename());
    file.set_content_type(part.content_type());
    ProgressBar bar(absl::StrCat("receiving ", part.filename()), static_cast<size_t>(part.size()));
    do {
      file.mutable_content()->append(part.data());
      bar.Update(file.content().size());
    } while (reader->Read(&part));
    bar.Finish();
  }
  if (auto s = status::FromGrpc(reader->Finish()); !s.ok()) return s;
  if (!got) return absl::UnavailableError("the service sent no file");
  return file;
}

int ImportTable(KpiClient& c, bool json, const std::map<std::string, std::string>& f,
                const std::vector<std::string>& args) {
  if (args.empty() || Flag(f, "plan").empty()) {
    return Usage(
        "sokei import progress-table FILE --plan PLAN [--encoding cp932|utf8] [--year N] "
        "[--dry-run] [--allow-partial] [--map HEADER=FIELD]…");
  }
  pb::ImportProgressTableRequest r;
  r.set_parent(Flag(f, "plan"));
  std::string content;
  if (!ReadFile(args[0], &content)) {
    std::fprintf(stderr, "cannot read %s\n", args[0].c_str());
    return 2;
  }
  r.set_content(content);
  const std::string enc = Flag(f, "encoding");
  if (enc == "cp932" || enc == "sjis" || enc == "shift_jis") {
    r.set_encoding(pb::TABLE_ENCODING_CP932);
  } else if (enc == "utf8" || enc == "utf-8") {
    r.set_encoding(pb::TABLE_ENCODING_UTF8);
  } else if (!enc.empty()) {
    return Usage("--encoding cp932 | utf8 (default: detected)");
  }
  int year = 0;
  if (!Flag(f, "year").empty() && !absl::SimpleAtoi(Flag(f, "year"), &year)) {
    return Usage("--year N (fiscal year, e.g. 2020 for 令和2年度)");
  }
  r.set_fiscal_year(year);
  r.set_dry_run(Flag(f, "dry-run") == "true");
  r.set_allow_partial(Flag(f, "allow-partial") == "true");
  for (absl::string_view m : absl::StrSplit(Flag(f, "map"), '\n', absl::SkipEmpty())) {
    std::pair<std::string, std::string> kv = absl::StrSplit(m, absl::MaxSplits('=', 1));
    (*r.mutable_mapping())[kv.first] = kv.second;
  }
  // The file goes in 256 KiB parts (StreamProgressTable), so the bar follows the upload; then the
  // elapsed time while the service reads and writes it.
  pb::ImportProgressTableResponse resp;
  grpc::ClientContext ctx;
  grpcx::SetTimeout(&ctx, 600000);
  CurrentConnection().Prepare(&ctx);
  auto writer = c.raw().StreamProgressTable(&ctx, &resp);
  constexpr size_t kChunk = 256 << 10;
  ProgressBar bar(absl::StrCat("sending ", args[0]), content.size());
  for (size_t off = 0; off == 0 || off < content.size(); off += kChunk) {
    pb::ImportProgressTableRequest part;
    if (off == 0) {
      part = r;
      part.clear_content();
    }
    part.set_content(content.substr(off, kChunk));
    if (!writer->Write(part)) break;
    bar.Update(std::min(content.size(), off + kChunk));
  }
  bar.Finish();
  writer->WritesDone();
  auto s = WithElapsedTime("the KPI service is importing it",
                           [&] { return status::FromGrpc(writer->Finish()); });
  if (!s.ok()) return Fail(s);
  if (json) {
    PrintJson(resp);
    return resp.committed() || r.dry_run() ? 0 : 1;
  }
  const auto& n = resp.counts();
  std::printf("%s %s (%s)\n",
              r.dry_run()        ? "dry run:"
              : resp.committed() ? "imported"
                                 : "NOT imported:",
              args[0].c_str(), jp::FormatFiscalYear(resp.fiscal_year()).c_str());
  std::printf("  rows %d; cells %d, fully understood %d\n", n.rows(), n.cells_parsed(),
              n.cells_fully_understood());
  std::printf("  nodes: %d created, %d existing; departments created %d\n", n.nodes_created(),
              n.nodes_existing(), n.departments_created());
  std::printf("  indicators: %d created, %d updated, %d unchanged; target values %d\n",
              n.indicators_created(), n.indicators_updated(), n.indicators_unchanged(),
              n.targets_created());
  std::printf("  observations: %d created, %d updated, %d unchanged\n", n.observations_created(),
              n.observations_updated(), n.observations_unchanged());
  int errors = 0;
  for (const auto& fd : resp.findings()) {
    if (fd.severity() == pb::FINDING_SEVERITY_ERROR) ++errors;
    if (fd.severity() == pb::FINDING_SEVERITY_INFO && Flag(f, "verbose") != "true") continue;
    std::printf("  %s row %d %s%s%s: %s\n", Severity(fd.severity()), fd.row(),
                fd.column().empty() ? "" : "[", fd.column().c_str(), fd.column().empty() ? "" : "]",
                fd.understood().c_str());
    if (!fd.raw().empty()) std::printf("        「%s」\n", fd.raw().c_str());
  }
  if (resp.findings_omitted() > 0) {
    std::printf("  … %d more findings not listed; all of them by kind:", resp.findings_omitted());
    for (const auto& [code, n] : std::map<std::string, int>(resp.finding_counts().begin(),
                                                            resp.finding_counts().end())) {
      std::printf(" %s %d", code.c_str(), n);
    }
    std::printf("\n");
  }
  if (!resp.committed() && !r.dry_run()) {
    if (resp.finding_counts().count("ALL_ROWS_REFUSED")) {
      std::printf("  every row was refused: nothing was written\n");
    } else {
      std::printf("  %d errors: nothing was written (fix them, or pass --allow-partial)\n", errors);
    }
    return 1;
  }
  return 0;
}

// The 財務会計システム's budget / settlement export into the plan's 事業 costs; --rate sets the
// year's 人件費単価 (円 per 人工) first.
int ImportCosts(KpiClient& c, bool json, const std::map<std::string, std::string>& f,
                const std::vector<std::string>& args) {
  int year = 0;
  int64_t rate = 0;
  if (args.empty() || Flag(f, "plan").empty() ||
      (!Flag(f, "year").empty() && !absl::SimpleAtoi(Flag(f, "year"), &year)) ||
      (!Flag(f, "rate").empty() && (!absl::SimpleAtoi(Flag(f, "rate"), &rate) || year == 0))) {
    return Usage(
        "sokei import cost-table FILE --plan PLAN [--year N] [--rate YEN_PER_FTE] [--dry-run]");
  }
  pb::ImportCostTableRequest r;
  r.set_parent(Flag(f, "plan"));
  if (!ReadFile(args[0], r.mutable_content())) {
    std::fprintf(stderr, "cannot read %s\n", args[0].c_str());
    return 2;
  }
  r.set_fiscal_year(year);
  r.set_dry_run(Flag(f, "dry-run") == "true");
  if (rate > 0 && !r.dry_run()) {
    const std::string plan = r.parent();
    const std::string m = plan.substr(0, plan.find("/plans/"));
    pb::GetCostSettingsRequest g;
    g.set_name(m + "/costSettings");
    pb::CostSettings settings;
    if (auto st = c.Call(&pb::KpiService::Stub::GetCostSettings, g, &settings); !st.ok()) {
      return Fail(st);
    }
    bool found = false;
    for (auto& pr : *settings.mutable_personnel_rates()) {
      if (pr.fiscal_year() == year) {
        pr.set_yen_per_fte(rate);
        found = true;
      }
    }
    if (!found) {
      auto* pr = settings.add_personnel_rates();
      pr->set_fiscal_year(year);
      pr->set_yen_per_fte(rate);
    }
    pb::UpdateCostSettingsRequest u;
    *u.mutable_settings() = settings;
    if (auto st = c.Call(&pb::KpiService::Stub::UpdateCostSettings, u, &settings); !st.ok()) {
      return Fail(st);
    }
  }
  pb::ImportCostTableResponse resp;
  if (auto st = c.Call(&pb::KpiService::Stub::ImportCostTable, r, &resp); !st.ok()) return Fail(st);
  if (json) {
    PrintJson(resp);
    return resp.committed() || r.dry_run() ? 0 : 1;
  }
  int64_t total = 0;
  for (const auto& cost : resp.costs()) total += cost.total_cost();
  std::printf("%s %s: %d rows, %d 事業, %d unchanged; トータルコスト %lld 円\n",
              r.dry_run()        ? "dry run:"
              : resp.committed() ? "imported"
                                 : "NOT imported:",
              args[0].c_str(), resp.rows(), resp.costs_size(), resp.unchanged(),
              static_cast<long long>(total));
  for (const auto& fd : resp.findings()) {
    std::printf("  %s row %d %s: %s「%s」\n", Severity(fd.severity()), fd.row(),
                fd.column().c_str(), fd.understood().c_str(), fd.raw().c_str());
  }
  return resp.committed() || r.dry_run() ? 0 : 1;
}

int ExportTable(KpiClient& c, const std::map<std::string, std::string>& f) {
  int year = 0;
  if (Flag(f, "plan").empty() || !absl::SimpleAtoi(Flag(f, "year"), &year)) {
    return Usage(
        "sokei export progress-table --plan PLAN --year N [--format tsv|csv|sjis|xlsx] "
        "[--out FILE]");
  }
  pb::ExportProgressTableRequest r;
  r.set_plan(Flag(f, "plan"));
  r.set_fiscal_year(year);
  const std::string fmt = Flag(f, "format", "tsv");
  if (fmt == "tsv") {
    r.set_format(pb::TABLE_FORMAT_TSV);
  } else if (fmt == "csv") {
    r.set_format(pb::TABLE_FORMAT_CSV_UTF8_BOM);
  } else if (fmt == "sjis" || fmt == "cp932") {
    r.set_format(pb::TABLE_FORMAT_CSV_CP932);
  } else if (fmt == "xlsx") {
    r.set_format(pb::TABLE_FORMAT_XLSX);
  } else {
    return Usage("--format tsv | csv | sjis | xlsx");
  }
  grpc::ClientContext ctx;
  grpcx::SetTimeout(&ctx, 300000);
  CurrentConnection().Prepare(&ctx);
  auto downloaded = Download(ctx, c.raw().DownloadProgressTable(&ctx, r), "the progress table");
  if (!downloaded.ok()) return Fail(downloaded.status());
  const pb::ExportedFile& file = *downloaded;
  const std::string out = Flag(f, "out", file.filename());
  if (out == "-") {
    std::fwrite(file.content().data(), 1, file.content().size(), stdout);
    return 0;
  }
  std::ofstream o(out, std::ios::binary);
  o << file.content();
  if (!o) {
    std::fprintf(stderr, "cannot write %s\n", out.c_str());
    return 1;
  }
  std::printf("wrote %s (%zu bytes)\n", out.c_str(), file.content().size());
  return 0;
}

// As the reports print it (jp::PercentText), right-aligned.
std::string Pct(bool has, double ratio) {
  return has ? absl::StrFormat("%7s", jp::PercentText(ratio)) : "      -";
}

// A roll-up's value in its unit: a ratio as percent, mean points as 点.
std::string RollupValue(const pb::RollupResult& r) {
  if (!r.has_value()) return "      -";
  if (r.value_unit() == pb::ROLLUP_VALUE_UNIT_POINTS) return absl::StrFormat("%5.2f点", r.value());
  return Pct(true, r.value());
}

int Summary(KpiClient& c, bool json, const std::map<std::string, std::string>& f) {
  int year = 0, level = 0;
  if (Flag(f, "plan").empty() || !absl::SimpleAtoi(Flag(f, "year"), &year)) {
    return Usage("sokei summary --plan PLAN --year N [--level N]");
  }
  (void)absl::SimpleAtoi(Flag(f, "level", "0"), &level);
  pb::GetPlanSummaryRequest r;
  r.set_plan(Flag(f, "plan"));
  r.set_fiscal_year(year);
  pb::PlanSummary s;
  if (auto st = c.Call(&pb::KpiService::Stub::GetPlanSummary, r, &s); !st.ok()) return Fail(st);
  if (json) {
    PrintJson(s);
    return 0;
  }
  std::printf("%s — %s, %d indicators\n", s.plan().c_str(), jp::FormatFiscalYear(year).c_str(),
              s.indicator_count());
  for (const auto& g : s.grade_counts()) std::printf("  %-10s %4d\n", g.grade().c_str(), g.count());
  int shown_level = level;
  if (shown_level == 0) {
    for (const auto& n : s.nodes())
      shown_level = shown_level == 0 ? n.level() : std::min(shown_level, n.level());
  }
  std::printf("\nroll-up (level %d):\n", shown_level);
  for (const auto& n : s.nodes()) {
    if (n.level() != shown_level) continue;
    std::printf("  %s %s %3d/%-3d %s %s\n", jp::PadToWidth(n.code(), 8).c_str(),
                jp::PadToWidth(n.display_name(), 30).c_str(),
                n.graded_count(), n.indicator_count(), RollupValue(n).c_str(),
                n.computed_grade().c_str());
  }
  if (!s.packages().empty()) std::printf("\npackages:\n");
  for (const auto& p : s.packages()) {
    std::printf("  %s %3d/%-3d %s\n", jp::PadToWidth(p.display_name(), 30).c_str(), p.graded_count(),
                p.indicator_count(), p.computed_grade().c_str());
  }
  std::printf("\nneeding attention (%d):\n", s.needs_attention_size());
  for (const auto& i : s.needs_attention()) {
    std::printf("  %s %s %s %s %s\n", jp::PadToWidth(i.code(), 10).c_str(),
                jp::PadToWidth(i.display_name(), 40).c_str(),
                Pct(i.has_achievement(), i.achievement()).c_str(),
                jp::PadToWidth(i.grade(), 8).c_str(),
                i.reason().c_str());
  }
  return 0;
}

int History(KpiClient& c, bool json, const std::vector<std::string>& args) {
  if (args.empty()) return Usage("sokei indicator history municipalities/M/indicators/I");
  pb::GetIndicatorHistoryRequest r;
  r.set_name(args[0]);
  pb::IndicatorHistory h;
  if (auto st = c.Call(&pb::KpiService::Stub::GetIndicatorHistory, r, &h); !st.ok())
    return Fail(st);
  if (json) {
    PrintJson(h);
    return 0;
  }
  std::printf("%s %s\n  baseline %s (%s)\n", h.indicator().code().c_str(),
              h.indicator().display_name().c_str(), h.indicator().baseline().value().raw().c_str(),
              h.indicator().baseline().label().c_str());
  for (const auto& p : h.points()) {
    std::printf("  %s target %s actual %s %s %s\n",
                jp::PadToWidth(jp::FormatFiscalYear(p.fiscal_year()), 10).c_str(),
                jp::PadToWidth(p.target().value().raw(), 16).c_str(),
                jp::PadToWidth(p.observation().value().raw(), 20).c_str(),
                Pct(p.result().has_achievement(), p.result().achievement()).c_str(),
                p.result().grade().c_str());
  }
  const auto& fc = h.forecast();
  if (fc.has_value()) {
    std::printf("  trend: %.2f per year, %.1f forecast for %d — %s\n", fc.slope_per_year(),
                fc.value(), fc.target_year(),
                fc.outlook() == pb::TREND_OUTLOOK_ON_TRACK ? "on track" : "at risk");
  } else {
    std::printf("  trend: not enough data\n");
  }
  return 0;
}

int Evaluation(KpiClient& c, bool json, const std::map<std::string, std::string>& f,
               const std::vector<std::string>& args) {
  const char* usage =
      "sokei evaluation create --plan PLAN --year N\n"
      "       sokei evaluation advance EVALUATION --stage planning|committee|published\n"
      "       sokei evaluation report EVALUATION [--format md|html] [--out FILE]";
  if (args.empty()) return Usage(usage);
  pb::Evaluation e;
  if (args[0] == "create") {
    int year = 0;
    if (Flag(f, "plan").empty() || !absl::SimpleAtoi(Flag(f, "year"), &year)) return Usage(usage);
    pb::CreateEvaluationRequest r;
    r.set_parent(Flag(f, "plan"));
    r.set_fiscal_year(year);
    if (auto st = c.Call(&pb::KpiService::Stub::CreateEvaluation, r, &e); !st.ok()) return Fail(st);
  } else if (args[0] == "advance" && args.size() > 1) {
    pb::GetEvaluationRequest g;
    g.set_name(args[1]);
    if (auto st = c.Call(&pb::KpiService::Stub::GetEvaluation, g, &e); !st.ok()) return Fail(st);
    pb::AdvanceEvaluationRequest r;
    r.set_name(args[1]);
    r.set_etag(e.etag());
    const std::string stage = Flag(f, "stage");
    r.set_stage(stage == "planning"    ? pb::EVALUATION_STAGE_PLANNING_REVIEW
                : stage == "committee" ? pb::EVALUATION_STAGE_COMMITTEE
                : stage == "published" ? pb::EVALUATION_STAGE_PUBLISHED
                                       : pb::EVALUATION_STAGE_UNSPECIFIED);
    r.set_recompute(Flag(f, "recompute") == "true");
    if (auto st = c.Call(&pb::KpiService::Stub::AdvanceEvaluation, r, &e); !st.ok())
      return Fail(st);
  } else if (args[0] == "report" && args.size() > 1) {
    pb::ExportEvaluationReportRequest r;
    r.set_name(args[1]);
    r.set_format(Flag(f, "format", "md") == "html" ? pb::REPORT_FORMAT_HTML
                                                   : pb::REPORT_FORMAT_MARKDOWN);
    grpc::ClientContext ctx;
    grpcx::SetTimeout(&ctx, 300000);
    CurrentConnection().Prepare(&ctx);
    auto downloaded = Download(ctx, c.raw().DownloadEvaluationReport(&ctx, r), "the report");
    if (!downloaded.ok()) return Fail(downloaded.status());
    const pb::ExportedFile& file = *downloaded;
    const std::string out = Flag(f, "out", "-");
    if (out == "-") {
      std::fwrite(file.content().data(), 1, file.content().size(), stdout);
    } else {
      std::ofstream(out, std::ios::binary) << file.content();
      std::printf("wrote %s\n", out.c_str());
    }
    return 0;
  } else {
    return Usage(usage);
  }
  if (json) {
    PrintJson(e);
  } else {
    std::printf("%s  %s  %d indicators\n", e.name().c_str(),
                pb::EvaluationStage_Name(e.stage()).c_str(), e.summary().indicator_count());
  }
  return 0;
}

}  // namespace

int RunKpiCommand(bool json, const std::map<std::string, std::string>& flags,
                  const std::vector<std::string>& words) {
  KpiClient c;
  const std::string cmd = words[0];
  const std::string sub = words.size() > 1 ? words[1] : "";
  const std::vector<std::string> rest(words.begin() + std::min<size_t>(2, words.size()),
                                      words.end());
  if (cmd == "import" && sub == "progress-table") return ImportTable(c, json, flags, rest);
  if (cmd == "import" && sub == "cost-table") return ImportCosts(c, json, flags, rest);
  if (cmd == "export" && sub == "progress-table") return ExportTable(c, flags);
  if (cmd == "summary") return Summary(c, json, flags);
  if (cmd == "indicator" && sub == "history") return History(c, json, rest);
  if (cmd == "evaluation") {
    return Evaluation(c, json, flags, std::vector<std::string>(words.begin() + 1, words.end()));
  }
  std::fprintf(stderr, "unknown command: %s %s (sokei --help)\n", cmd.c_str(), sub.c_str());
  return 2;
}

absl::StatusOr<std::vector<type::v1::AuditEvent>> KpiAuditEvents(const std::string& municipality,
                                                                  int limit) {
  KpiClient client;
  return LatestAuditEvents(client, &pb::KpiService::Stub::ListAuditEvents, municipality, limit);
}

absl::StatusOr<pb::IndicatorDiff> KpiIndicatorDiff(const std::string& plan,
                                                   const std::string& base) {
  KpiClient client;
  pb::DiffIndicatorsRequest req;
  req.set_plan(plan);
  req.set_base(base);
  pb::IndicatorDiff diff;
  SOKEI_RETURN_IF_ERROR(client.Call(&pb::KpiService::Stub::DiffIndicators, req, &diff));
  return diff;
}

absl::StatusOr<pb::CarryIndicatorsResponse> KpiCarryIndicators(const std::string& plan,
                                                               const std::string& base,
                                                               const std::string& request_id) {
  KpiClient client;
  pb::CarryIndicatorsRequest req;
  req.set_plan(plan);
  req.set_base(base);
  req.set_request_id(request_id);
  pb::CarryIndicatorsResponse resp;
  SOKEI_RETURN_IF_ERROR(client.Call(&pb::KpiService::Stub::CarryIndicators, req, &resp));
  return resp;
}

}  // namespace sokei::cli
