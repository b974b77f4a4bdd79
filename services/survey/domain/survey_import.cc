// The response importer (CSV or TSV, UTF-8 or CP932, one row per respondent, one column per
// question), the audited raw export, and the compilation of stored respondents into the
// columnar dataset.
#include <cmath>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/metrics/registry.h"
#include "common/api/names.h"
#include "common/jp/delimited.h"
#include "common/jp/measurement.h"
#include "common/jp/text.h"
#include "services/survey/domain/response_reader.h"
#include "services/survey/domain/survey_internal.h"

namespace sokei::survey {
namespace {}  // namespace

stats::Polarity PolarityOf(pb::Polarity p) {
  switch (p) {
    case pb::POLARITY_POSITIVE:
      return stats::Polarity::kPositive;
    case pb::POLARITY_NEUTRAL:
      return stats::Polarity::kNeutral;
    case pb::POLARITY_NEGATIVE:
      return stats::Polarity::kNegative;
    case pb::POLARITY_EXCLUDED:
      return stats::Polarity::kExcluded;
    default:
      return stats::Polarity::kNone;
  }
}

pb::ImportFinding MakeFinding(int row, const std::string& column, const std::string& raw,
                              const char* code, std::string message, pb::FindingSeverity severity) {
  pb::ImportFinding f;
  f.set_row(row);
  f.set_column(column);
  f.set_raw(raw.substr(0, 200));
  f.set_code(code);
  f.set_message(std::move(message));
  f.set_severity(severity);
  return f;
}

absl::StatusOr<std::string> DecodeUpload(const std::string& content, const std::string& encoding,
                                         const char* not_a_table, const char* unknown_encoding) {
  jp::TextEncoding enc = jp::TextEncoding::kAuto;
  if (encoding == "utf-8" || encoding == "UTF-8") {
    enc = jp::TextEncoding::kUtf8;
  } else if (encoding == "cp932" || encoding == "shift_jis" || encoding == "CP932") {
    enc = jp::TextEncoding::kCp932;
  } else if (!encoding.empty()) {
    return status::InvalidField(unknown_encoding, "encoding", "utf-8 or cp932");
  }
  auto text = jp::DecodeText(content, enc);
  if (!text.ok()) {
    return status::InvalidField(not_a_table, "content",
                                "is neither UTF-8 nor CP932 text: save the sheet as CSV");
  }
  if (jp::HasControlCharacters(*text)) {
    return status::InvalidField(
        not_a_table, "content",
        "contains binary data or control characters: save the sheet as CSV");
  }
  return std::move(*text);
}

absl::StatusOr<pb::ImportResponsesResponse> SurveyDomain::ImportResponses(
    const Principal& p, const pb::ImportResponsesRequest& r) {
  SOKEI_ASSIGN_OR_RETURN(auto name, api::ParseName(r.survey(), kSurveyPattern, "survey"));
  const std::string m = name.municipality();
  SOKEI_RETURN_IF_ERROR(auth::CheckWriteStructure(p, m));
  SOKEI_RETURN_IF_ERROR(api::CheckRequestId(r.request_id()));
  if (r.content().size() > kMaxStreamImportBytes) {
    return status::InvalidField("RESPONSES_TOO_LARGE", "content",
                                "the file is larger than 256 MiB");
  }
  SOKEI_ASSIGN_OR_RETURN(std::string text,
                         DecodeUpload(r.content(), r.encoding(), "RESPONSES_NOT_A_TABLE",
                                      "RESPONSES_ENCODING_UNKNOWN"));
  SOKEI_ASSIGN_OR_RETURN(auto v, Load(p, r.survey(), false));
  SOKEI_RETURN_IF_ERROR([&]() -> absl::Status {
    if (v.survey.status() == pb::SURVEY_STATUS_PUBLISHED) {
      return status::FailedPrecondition(
          "SURVEY_PUBLISHED",
          {"STATUS", r.survey(), "the survey is published: its data are frozen"});
    }
    if (v.survey.source() == pb::SURVEY_SOURCE_PUBLISHED_RESULTS) {
      return status::FailedPrecondition(
          "SURVEY_PUBLISHED_RESULTS_ONLY",
          {"SOURCE", r.survey(),
           "the survey holds the city's published results: create another survey for the "
           "responses"});
    }
    if (v.questions.empty()) {
      return status::FailedPrecondition(
          "SURVEY_NO_QUESTIONS", {"QUESTIONS", r.survey(), "define the questionnaire first"});
    }
    return absl::OkStatus();
  }());

  SOKEI_ASSIGN_OR_RETURN(ReadResponses read, ReadResponseFile(text, v.survey, v.questions));
  pb::ImportResponsesResponse& resp = read.report;
  const std::vector<ParsedRespondent>& parsed = read.respondents;
  const std::string& id_header = read.id_header;

  const bool commit = !r.dry_run() && (read.errors == 0 || r.allow_partial());
  if (!commit) {
    // Stored duplicates are reported in a dry run too.
    SOKEI_RETURN_IF_ERROR(repo_->Read([&](SurveyTx& tx) -> absl::Status {
      if (r.replace()) return absl::OkStatus();
      SOKEI_ASSIGN_OR_RETURN(auto stored, tx.ListRespondentIds(r.survey()));
      std::set<std::string> have(stored.begin(), stored.end());
      for (const auto& rsp : parsed) {
        if (have.count(rsp.id)) {
          AddFinding(&read, MakeFinding(rsp.row, id_header, rsp.id, "DUPLICATE_RESPONDENT",
                                        "a respondent with this id is already stored",
                                        pb::FINDING_SEVERITY_ERROR));
        }
      }
      resp.set_total_respondents(static_cast<int32_t>(stored.size()));
      return absl::OkStatus();
    }));
    resp.set_imported(0);
    resp.set_committed(false);
    return resp;
  }
  return StoreResponses(p, m, r, v.survey.etag(), read);
}

absl::StatusOr<pb::ImportResponsesResponse> SurveyDomain::StoreResponses(
    const Principal& p, const std::string& m, const pb::ImportResponsesRequest& r,
    const std::string& etag, const ReadResponses& read) {
  const std::vector<ParsedRespondent>& parsed = read.respondents;
  const std::string& id_header = read.id_header;
  const pb::ImportResponsesResponse& summary = read.report;
  auto done = Mutate<pb::ImportResponsesResponse>(
      p, m, "ImportResponses", r.request_id(), r,
      [&](WriteContext& w, pb::ImportResponsesResponse* out) -> absl::Status {
        *out = summary;
        SOKEI_ASSIGN_OR_RETURN(auto rec, w.tx.Get(Kind::kSurvey, r.survey()));
        if (!rec) return status::NotFound("SURVEY_NOT_FOUND", r.survey());
        pb::Survey before;
        if (!before.ParseFromString(rec->data)) return status::Internal("STORAGE_CORRUPT");
        if (before.status() == pb::SURVEY_STATUS_PUBLISHED) {
          return status::FailedPrecondition(
              "SURVEY_PUBLISHED",
              {"STATUS", r.survey(), "the survey is published: its data are frozen"});
        }
        if (before.etag() != etag) {
          return status::EtagMismatch("SURVEY_ETAG_MISMATCH", r.survey());  // changed meanwhile
        }
        std::set<std::string> have;
        if (r.replace()) {
          SOKEI_RETURN_IF_ERROR(w.tx.DeleteRespondents(r.survey()));
        } else {
          SOKEI_ASSIGN_OR_RETURN(auto stored, w.tx.ListRespondentIds(r.survey()));
          have.insert(stored.begin(), stored.end());
        }
        int64_t seq = static_cast<int64_t>(have.size());
        int imported = 0;
        for (const auto& rsp : parsed) {
          if (have.count(rsp.id)) {
            pb::ImportFinding f = MakeFinding(
                rsp.row, id_header, rsp.id, "DUPLICATE_RESPONDENT",
                "a respondent with this id is already stored", pb::FINDING_SEVERITY_ERROR);
            if (!r.allow_partial()) {
              return status::FailedPrecondition(
                  "RESPONSES_DUPLICATE_RESPONDENT",
                  {"RESPONDENT", r.survey(),
                   absl::StrCat("row ", rsp.row,
                                ": a respondent with this id is already stored; "
                                "import with replace, or leave the row out")});
            }
            *out->add_findings() = f;
            out->set_skipped(out->skipped() + 1);
            continue;
          }
          SOKEI_RETURN_IF_ERROR(
              w.tx.InsertRespondent(r.survey(), rsp.id, seq++, rsp.data));
          ++imported;
        }
        pb::Survey after = before;
        after.set_valid_responses(static_cast<int32_t>(seq));
        after.set_data_version(before.data_version() + 1);
        if (after.status() == pb::SURVEY_STATUS_DESIGN)
          after.set_status(pb::SURVEY_STATUS_FIELDING);
        Record next = Stamp(&after, m, rec->parent, "", after.fiscal_year(), w.now, &*rec);
        SOKEI_RETURN_IF_ERROR(w.tx.Update(Kind::kSurvey, next));
        out->set_imported(imported);
        out->set_total_respondents(static_cast<int32_t>(seq));
        out->set_committed(true);
        out->set_data_version(after.data_version());
        // The audit trail records counts, never respondents' answers.
        pb::ImportResponsesResponse audit;
        audit.set_rows(out->rows());
        audit.set_imported(imported);
        audit.set_skipped(out->skipped());
        audit.set_total_respondents(out->total_respondents());
        audit.set_data_version(after.data_version());
        return w.Audit(m, r.survey(), nullptr, &audit);
      });
  if (done.ok() && done->committed()) {
    metrics::Registry::Global().Add("sokei_import_rows_total", "Table rows committed by imports.",
                                    {{"kind", "survey_responses"}}, done->imported());
  }
  return done;
}

// ---------------------------------------------------------------------------------------------
// Raw export (admins only, audited)

namespace {

std::string CsvCell(const std::string& s) { return jp::QuoteCell(s, ','); }

}  // namespace

absl::StatusOr<pb::ExportedResponses> SurveyDomain::ExportResponses(
    const Principal& p, const pb::ExportResponsesRequest& r) {
  SOKEI_ASSIGN_OR_RETURN(auto name, api::ParseName(r.survey(), kSurveyPattern, "survey"));
  const std::string m = name.municipality();
  SOKEI_RETURN_IF_ERROR(auth::CheckAdmin(p));
  {
    api::Violations v;
    v.Text("purpose", r.purpose(), 200, true);
    SOKEI_RETURN_IF_ERROR(v.ToStatus("EXPORT_PURPOSE_REQUIRED"));
  }
  return Mutate<pb::ExportedResponses>(
      p, m, "ExportResponses", r.request_id(), r,
      [&](WriteContext& w, pb::ExportedResponses* out) -> absl::Status {
        SOKEI_ASSIGN_OR_RETURN(
            auto survey,
            LoadOrNotFound<pb::Survey>(w.tx, Kind::kSurvey, r.survey(), "SURVEY_NOT_FOUND"));
        SOKEI_ASSIGN_OR_RETURN(auto qrecs, w.tx.ListParent(Kind::kQuestion, r.survey()));
        std::vector<pb::Question> qs;
        for (const Record& rec : qrecs) {
          pb::Question q;
          if (!q.ParseFromString(rec.data)) return status::Internal("STORAGE_CORRUPT");
          qs.push_back(std::move(q));
        }
        std::string csv =
            "\xEF\xBB\xBF" +
            CsvCell(survey.respondent_id_column().empty() ? "ID" : survey.respondent_id_column());
        for (const auto& a : survey.attributes()) csv += "," + CsvCell(a.display_name());
        for (const auto& q : qs) csv += "," + CsvCell(q.column().empty() ? q.number() : q.column());
        csv += "\r\n";
        SOKEI_ASSIGN_OR_RETURN(auto data, w.tx.ListRespondentData(r.survey()));
        for (const auto& d : data) {
          pb::Respondent rsp;
          if (!rsp.ParseFromString(d)) return status::Internal("STORAGE_CORRUPT");
          csv += CsvCell(rsp.id());
          for (const auto& a : rsp.raw_attributes()) csv += "," + CsvCell(a);
          for (size_t q = 0; q < qs.size(); ++q) {
            csv += ",";
            if (static_cast<int>(q) < rsp.answers_size()) csv += CsvCell(rsp.answers(q).raw());
          }
          csv += "\r\n";
        }
        out->set_filename(absl::StrCat(IdOf(r.survey()), "-responses.csv"));
        out->set_content_type("text/csv; charset=utf-8");
        out->set_content(std::move(csv));
        out->set_respondents(static_cast<int32_t>(data.size()));
        // Who took the microdata out, when and why: the request (purpose), not the data.
        return w.Audit(m, r.survey(), nullptr, &r);
      });
}

// ---------------------------------------------------------------------------------------------
// Compilation

absl::StatusOr<stats::Dataset> BuildDataset(const pb::Survey& s,
                                            const std::vector<pb::Question>& qs,
                                            const std::vector<std::string>& respondents) {
  stats::Dataset d;
  d.n = respondents.size();
  for (const auto& a : s.attributes()) {
    d.attribute_sizes.push_back(a.categories_size());
    d.attributes.emplace_back(d.n, stats::kMissing);
  }
  std::vector<std::map<std::string, int>> option_index(qs.size());
  std::vector<std::map<std::string, int>> category_index(s.attributes_size());
  for (int a = 0; a < s.attributes_size(); ++a) {
    for (int c = 0; c < s.attributes(a).categories_size(); ++c) {
      category_index[a][s.attributes(a).categories(c).code()] = c;
    }
  }
  std::map<std::string, int> question_index;
  for (size_t q = 0; q < qs.size(); ++q) {
    question_index[IdOf(qs[q].name())] = static_cast<int>(q);
    stats::Column col;
    switch (qs[q].type()) {
      case pb::QUESTION_TYPE_MULTIPLE:
        col.type = stats::ColumnType::kMultiple;
        col.chosen.assign(d.n, 0);
        break;
      case pb::QUESTION_TYPE_NUMERIC:
        col.type = stats::ColumnType::kNumeric;
        col.numbers.assign(d.n, std::nan(""));
        break;
      case pb::QUESTION_TYPE_FREE_TEXT:
        col.type = stats::ColumnType::kText;
        break;
      default:
        col.type = stats::ColumnType::kChoice;
        col.codes.assign(d.n, stats::kMissing);
    }
    for (int o = 0; o < qs[q].options_size(); ++o) {
      const auto& opt = qs[q].options(o);
      col.options.push_back({opt.scored(), opt.score(), PolarityOf(opt.polarity())});
      option_index[q][opt.code()] = o;
    }
    d.columns.push_back(std::move(col));
  }
  pb::Respondent rsp;
  for (size_t i = 0; i < d.n; ++i) {
    if (!rsp.ParseFromString(respondents[i])) return status::Internal("STORAGE_CORRUPT");
    for (int a = 0; a < rsp.attributes_size() && a < s.attributes_size(); ++a) {
      auto it = category_index[a].find(rsp.attributes(a));
      if (it != category_index[a].end()) d.attributes[a][i] = static_cast<uint8_t>(it->second);
    }
    for (const auto& ans : rsp.answers()) {
      auto qi = question_index.find(ans.question());
      if (qi == question_index.end() || ans.invalid()) continue;
      const int q = qi->second;
      stats::Column& col = d.columns[q];
      if (col.type == stats::ColumnType::kChoice && ans.codes_size() == 1) {
        auto it = option_index[q].find(ans.codes(0));
        if (it != option_index[q].end()) col.codes[i] = static_cast<uint8_t>(it->second);
      } else if (col.type == stats::ColumnType::kMultiple) {
        for (const auto& code : ans.codes()) {
          auto it = option_index[q].find(code);
          if (it != option_index[q].end()) col.chosen[i] |= uint64_t{1} << it->second;
        }
      } else if (col.type == stats::ColumnType::kNumeric && !ans.number().empty()) {
        col.numbers[i] = std::strtod(ans.number().c_str(), nullptr);
      }
    }
  }
  return d;
}

}  // namespace sokei::survey
