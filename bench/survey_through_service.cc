#include "bench/survey_through_service.h"

#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <vector>

#include "absl/strings/str_cat.h"
#include "sokei/survey/v1/survey_service.grpc.pb.h"

namespace sokei::bench {
namespace {

namespace pb = ::sokei::survey::v1;
namespace st = ::sokei::survey::stats;
using Clock = std::chrono::steady_clock;

constexpr char kParent[] = "municipalities/142140";
constexpr size_t kRowsPerFile = 50000;
constexpr size_t kPartBytes = 1 << 20;

double Ms(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// A field of /proc/PID/status in MiB: VmRSS (all resident), RssAnon (the heap) or RssFile
// (mapped files: SQLite maps its database).
double StatusMiB(pid_t pid, const std::string& field) {
  if (pid <= 0) return 0;
  std::ifstream in(absl::StrCat("/proc/", pid, "/status"));
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field + ":", 0) == 0) {
      return std::strtol(line.c_str() + field.size() + 1, nullptr, 10) / 1024.0;
    }
  }
  return 0;
}

absl::Status Failed(const char* what, const grpc::Status& s) {
  return absl::InternalError(absl::StrCat(what, ": ", s.error_message()));
}

// The dataset's shape as a survey: sex × age × district (codes 1…), each question 5-point with
// わからない as option 6 (the dataset's codes 0…5), age × district declared for cross-tabs.
pb::Survey SurveyFor(const st::Dataset& data) {
  pb::Survey s;
  s.set_display_name("survey_bench: through the service");
  s.set_kind(pb::SURVEY_KIND_CITIZEN_AWARENESS);
  s.set_fiscal_year(2024);
  s.set_status(pb::SURVEY_STATUS_CLOSED);
  s.set_respondent_id_column("id");
  const char* const ids[] = {"sex", "age", "district"};
  for (size_t a = 0; a < data.attribute_sizes.size(); ++a) {
    auto* attr = s.add_attributes();
    attr->set_id(ids[a]);
    attr->set_display_name(ids[a]);
    for (int c = 0; c < data.attribute_sizes[a]; ++c) {
      auto* cat = attr->add_categories();
      cat->set_code(absl::StrCat(c + 1));
      cat->set_label(absl::StrCat(ids[a], " ", c + 1));
    }
  }
  auto* dims = s.add_tabulation_dimensions();
  dims->add_attributes("age");
  dims->add_attributes("district");
  s.mutable_disclosure()->set_min_cell_count(10);
  return s;
}

pb::BatchCreateQuestionsRequest QuestionsFor(const std::string& survey, const st::Dataset& data) {
  pb::BatchCreateQuestionsRequest r;
  r.set_parent(survey);
  for (size_t q = 0; q < data.columns.size(); ++q) {
    auto* c = r.add_requests();
    c->set_parent(survey);
    c->set_question_id(absl::StrCat("q", q));
    auto* question = c->mutable_question();
    question->set_number(absl::StrCat("q", q));
    question->set_text(absl::StrCat("question ", q));
    question->set_type(pb::QUESTION_TYPE_LIKERT);
    question->set_position(static_cast<int>(q) + 1);
    const double scores[5] = {2, 1, 0, -1, -2};
    const pb::Polarity pol[5] = {pb::POLARITY_POSITIVE, pb::POLARITY_POSITIVE, pb::POLARITY_NEUTRAL,
                                 pb::POLARITY_NEGATIVE, pb::POLARITY_NEGATIVE};
    for (int o = 0; o < 5; ++o) {
      auto* opt = question->add_options();
      opt->set_code(absl::StrCat(o + 1));
      opt->set_label(absl::StrCat(o + 1));
      opt->set_scored(true);
      opt->set_score(scores[o]);
      opt->set_polarity(pol[o]);
    }
    auto* dk = question->add_options();
    dk->set_code("6");
    dk->set_label("わからない");
    dk->set_polarity(pb::POLARITY_EXCLUDED);
  }
  return r;
}

// Respondents [from, to) as a CSV file: id, sex, age, district, q0…; 無回答 an empty cell.
std::string CsvFor(const st::Dataset& data, size_t from, size_t to) {
  std::string csv = "id,sex,age,district";
  for (size_t q = 0; q < data.columns.size(); ++q) absl::StrAppend(&csv, ",q", q);
  csv += "\n";
  for (size_t i = from; i < to; ++i) {
    absl::StrAppend(&csv, "r", i);
    for (const auto& attr : data.attributes) absl::StrAppend(&csv, ",", attr[i] + 1);
    for (const auto& col : data.columns) {
      csv += ',';
      if (col.codes[i] != st::kMissing) csv += static_cast<char>('1' + col.codes[i]);
    }
    csv += '\n';
  }
  return csv;
}

absl::Status Import(pb::SurveyService::Stub& stub, const std::string& survey, std::string csv,
                    long long* imported) {
  grpc::ClientContext ctx;
  pb::ImportResponsesResponse resp;
  auto writer = stub.StreamResponses(&ctx, &resp);
  for (size_t off = 0; off == 0 || off < csv.size(); off += kPartBytes) {
    pb::ImportResponsesRequest part;
    if (off == 0) part.set_survey(survey);
    part.set_content(csv.substr(off, kPartBytes));
    if (!writer->Write(part)) break;
  }
  writer->WritesDone();
  grpc::Status s = writer->Finish();
  if (!s.ok()) return Failed("StreamResponses", s);
  if (resp.skipped() != 0) {
    return absl::InternalError(absl::StrCat(resp.skipped(), " rows skipped"));
  }
  *imported += resp.imported();
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<ServiceFigures> RunThroughService(const std::string& address, pid_t pid,
                                                 const st::Dataset& data, int runs) {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(64 << 20);
  auto stub = pb::SurveyService::NewStub(
      grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args));
  ServiceFigures f;
  const std::string id = absl::StrCat("bench-", getpid());
  const std::string survey = absl::StrCat(kParent, "/surveys/", id);
  {
    grpc::ClientContext ctx;
    pb::CreateSurveyRequest r;
    r.set_parent(kParent);
    r.set_survey_id(id);
    *r.mutable_survey() = SurveyFor(data);
    pb::Survey out;
    if (auto s = stub->CreateSurvey(&ctx, r, &out); !s.ok()) return Failed("CreateSurvey", s);
  }
  {
    grpc::ClientContext ctx;
    pb::BatchCreateQuestionsResponse out;
    auto s = stub->BatchCreateQuestions(&ctx, QuestionsFor(survey, data), &out);
    if (!s.ok()) return Failed("BatchCreateQuestions", s);
  }
  // Files of 50,000 respondents, as a city imports them; the files are made before the clock.
  std::vector<std::string> files;
  for (size_t from = 0; from < data.n; from += kRowsPerFile) {
    files.push_back(CsvFor(data, from, std::min(data.n, from + kRowsPerFile)));
  }
  const auto i0 = Clock::now();
  for (auto& file : files) {
    if (auto s = Import(*stub, survey, std::move(file), &f.imported); !s.ok()) return s;
  }
  f.import_ms = Ms(i0, Clock::now());
  f.rss_after_import_mib = StatusMiB(pid, "VmRSS");
  f.anon_after_import_mib = StatusMiB(pid, "RssAnon");

  auto stats_of = [&](size_t q, pb::QuestionStats* out) {
    grpc::ClientContext ctx;
    pb::GetQuestionStatsRequest r;
    r.set_question(absl::StrCat(survey, "/questions/q", q));
    return stub->GetQuestionStats(&ctx, r, out);
  };
  {
    pb::QuestionStats first;
    const auto a = Clock::now();
    if (auto s = stats_of(0, &first); !s.ok()) return Failed("GetQuestionStats", s);
    f.first_stats_ms = Ms(a, Clock::now());
  }
  std::vector<double> all_ms, tab_ms;
  for (int run = 0; run < runs; ++run) {
    long long answered = 0;
    const auto a = Clock::now();
    for (size_t q = 0; q < data.columns.size(); ++q) {
      pb::QuestionStats out;
      if (auto s = stats_of(q, &out); !s.ok()) return Failed("GetQuestionStats", s);
      answered += out.answered();
    }
    const auto b = Clock::now();
    grpc::ClientContext ctx;
    pb::GetCrossTabRequest r;
    r.set_question(absl::StrCat(survey, "/questions/q0"));
    r.add_dimensions("age");
    r.add_dimensions("district");
    pb::CrossTab tab;
    if (auto s = stub->GetCrossTab(&ctx, r, &tab); !s.ok()) return Failed("GetCrossTab", s);
    const auto c = Clock::now();
    all_ms.push_back(Ms(a, b));
    tab_ms.push_back(Ms(b, c));
    f.answered = answered;
  }
  f.all_stats_ms = Median(all_ms);
  f.crosstab_ms = Median(tab_ms);
  f.rss_after_stats_mib = StatusMiB(pid, "VmRSS");
  f.anon_after_stats_mib = StatusMiB(pid, "RssAnon");
  return f;
}

}  // namespace sokei::bench
