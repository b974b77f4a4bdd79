// The response importer (CSV or TSV, UTF-8 or CP932, one row per respondent, one column per
// question), the audited raw export, and the compilation of stored respondents into the
// columnar dataset.
#include <cmath>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/api/names.h"
#include "common/jp/delimited.h"
#include "common/jp/measurement.h"
#include "common/jp/text.h"
#include "services/survey/domain/survey_internal.h"

namespace sokei::survey {
namespace {

constexpr size_t kMaxCellBytes = 4096;
constexpr int kMaxFindings = 1000;

const char* const kIdSynonyms[] = {"id",  "回答者id",   "整理番号", "no",
                                   "no.", "回答者番号", "票番号"};


// The codes and labels of a question's options or an attribute's categories, folded once per import
// (NFKC, case-folded); a cell matches a code first, then a label.
class Matcher {
 public:
  template <typename Items>
  explicit Matcher(const Items& items) {
    for (const auto& item : items) {
      codes_.push_back(jp::SearchFold(item.code()));
      labels_.push_back(item.label().empty() ? "" : jp::SearchFold(item.label()));
    }
  }
  int Find(const std::string& cell) const {
    const std::string key = jp::SearchFold(cell);
    for (size_t i = 0; i < codes_.size(); ++i) {
      if (codes_[i] == key) return static_cast<int>(i);
    }
    for (size_t i = 0; i < labels_.size(); ++i) {
      if (!labels_[i].empty() && labels_[i] == key) return static_cast<int>(i);
    }
    return -1;
  }

 private:
  std::vector<std::string> codes_, labels_;
};

// A code that is not an option: outside the scale when it is a number, unknown otherwise.
pb::ImportFinding BadCode(int row, const std::string& column, const std::string& raw,
                          const std::string& code, bool whole_cell) {
  const bool number = jp::ParseDecimal(code).has_value();
  std::string message =
      !whole_cell ? absl::StrCat("'", code.substr(0, 20), "' is not an option of this question")
      : number    ? "the code is outside the question's scale"
                  : "not an option of this question";
  return MakeFinding(row, column, raw, number ? "OUT_OF_SCALE" : "UNKNOWN_CODE", std::move(message),
                 pb::FINDING_SEVERITY_ERROR);
}

// Codes of a multiple-choice cell: separated by commas, 、, ;, / or blanks.
std::vector<std::string> SplitCodes(const std::string& cell) {
  std::string normal = jp::Nfkc(cell);
  for (const char* sep : {"、", "，", "；", "・"}) {
    size_t pos;
    while ((pos = normal.find(sep)) != std::string::npos)
      normal.replace(pos, std::strlen(sep), ",");
  }
  std::vector<std::string> out;
  for (absl::string_view part :
       absl::StrSplit(normal, absl::ByAnyChar(",;/ \t"), absl::SkipEmpty())) {
    out.emplace_back(part);
  }
  return out;
}

struct Header {
  int id = -1;
  std::vector<int> attribute;  // per survey attribute: column or -1
  std::vector<int> question;   // per question: column or -1
};

}  // namespace

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
  SOKEI_ASSIGN_OR_RETURN(std::string text, DecodeUpload(r.content(), r.encoding(), "RESPONSES_NOT_A_TABLE",
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

  std::vector<jp::DelimitedRow> rows = jp::SplitDelimited(text, jp::DetectDelimiter(text));
  size_t first = 0;
  auto blank = [](const jp::DelimitedRow& row) {
    for (const auto& c : row.cells) {
      if (!jp::TrimCell(c).empty()) return false;
    }
    return true;
  };
  while (first < rows.size() && blank(rows[first])) ++first;
  if (first == rows.size()) {
    return status::InvalidField("RESPONSES_NOT_A_TABLE", "content", "the file has no header row");
  }
  pb::ImportResponsesResponse resp;
  int errors = 0;
  auto add = [&](pb::ImportFinding f) {
    if (f.severity() == pb::FINDING_SEVERITY_ERROR) ++errors;
    if (resp.findings_size() < kMaxFindings) {
      *resp.add_findings() = std::move(f);
    } else {
      resp.set_findings_omitted(resp.findings_omitted() + 1);
    }
  };

  // The header: respondent id, attributes (id or display name), questions (column or number).
  const jp::DelimitedRow& head = rows[first];
  Header h;
  h.attribute.assign(v.survey.attributes_size(), -1);
  h.question.assign(v.questions.size(), -1);
  const std::string id_key = v.survey.respondent_id_column().empty()
                                 ? ""
                                 : jp::SearchFold(v.survey.respondent_id_column());
  std::set<std::string> seen_headers;
  for (size_t c = 0; c < head.cells.size(); ++c) {
    const std::string raw = jp::TrimCell(head.cells[c]);
    const std::string key = jp::SearchFold(raw);
    if (key.empty()) continue;
    if (!seen_headers.insert(key).second) {
      add(MakeFinding(head.line, raw, raw, "DUPLICATE_COLUMN", "the header appears twice",
                  pb::FINDING_SEVERITY_ERROR));
      continue;
    }
    bool matched = false;
    if (h.id < 0 &&
        ((!id_key.empty() && key == id_key) ||
         std::find(std::begin(kIdSynonyms), std::end(kIdSynonyms), key) != std::end(kIdSynonyms))) {
      h.id = static_cast<int>(c);
      matched = true;
    }
    for (int a = 0; !matched && a < v.survey.attributes_size(); ++a) {
      const auto& attr = v.survey.attributes(a);
      if (key == jp::SearchFold(attr.id()) || key == jp::SearchFold(attr.display_name())) {
        h.attribute[a] = static_cast<int>(c);
        matched = true;
      }
    }
    for (size_t q = 0; !matched && q < v.questions.size(); ++q) {
      if (key == jp::SearchFold(ColumnKey(v.questions[q]))) {
        h.question[q] = static_cast<int>(c);
        matched = true;
      }
    }
    if (!matched) {
      add(MakeFinding(head.line, raw, raw, "UNKNOWN_COLUMN",
                  "neither a question, an attribute nor the respondent id: ignored",
                  pb::FINDING_SEVERITY_WARNING));
    }
  }
  if (h.id < 0) {
    return status::InvalidField(
        "RESPONSES_NO_ID_COLUMN", "content",
        "the header has no respondent id column (ID, 回答者ID, 整理番号 or the survey's "
        "respondent_id_column)");
  }
  for (size_t q = 0; q < v.questions.size(); ++q) {
    if (h.question[q] < 0) {
      add(MakeFinding(head.line, ColumnKey(v.questions[q]), "", "MISSING_COLUMN",
                  "no column for this question: every answer is 無回答",
                  pb::FINDING_SEVERITY_WARNING));
    }
  }
  for (int a = 0; a < v.survey.attributes_size(); ++a) {
    if (h.attribute[a] < 0) {
      add(MakeFinding(head.line, v.survey.attributes(a).display_name(), "", "MISSING_COLUMN",
                  "no column for this attribute: unknown for everyone",
                  pb::FINDING_SEVERITY_WARNING));
    }
  }

  std::vector<Matcher> categories, options;
  for (const auto& attr : v.survey.attributes()) categories.emplace_back(attr.categories());
  for (const auto& q : v.questions) options.emplace_back(q.options());

  // Data rows.
  std::vector<pb::Respondent> parsed;
  std::set<std::string> ids_in_file;
  for (size_t ri = first + 1; ri < rows.size(); ++ri) {
    const jp::DelimitedRow& row = rows[ri];
    if (blank(row)) continue;
    resp.set_rows(resp.rows() + 1);
    const int before = errors;
    if (row.cells.size() != head.cells.size()) {
      add(MakeFinding(
          row.line, "", "", "WRONG_COLUMN_COUNT",
          absl::StrCat("the row has ", row.cells.size(), " cells, the header ", head.cells.size()),
          pb::FINDING_SEVERITY_ERROR));
      resp.set_skipped(resp.skipped() + 1);
      continue;
    }
    bool oversized = false;
    for (const auto& c : row.cells) oversized |= c.size() > kMaxCellBytes;
    if (oversized) {
      add(MakeFinding(row.line, "", "", "CELL_TOO_LONG", "a cell is longer than 4 KiB",
                  pb::FINDING_SEVERITY_ERROR));
      resp.set_skipped(resp.skipped() + 1);
      continue;
    }
    pb::Respondent rsp;
    rsp.set_row(row.line);
    rsp.set_id(jp::Nfkc(jp::TrimCell(row.cells[h.id])));
    const std::string& id_header = head.cells[h.id];
    if (rsp.id().empty()) {
      add(MakeFinding(row.line, id_header, "", "MISSING_ID", "the respondent id is empty",
                  pb::FINDING_SEVERITY_ERROR));
    } else if (rsp.id().size() > 64) {
      add(MakeFinding(row.line, id_header, rsp.id(), "ID_TOO_LONG", "at most 64 characters",
                  pb::FINDING_SEVERITY_ERROR));
    } else if (!ids_in_file.insert(rsp.id()).second) {
      add(MakeFinding(row.line, id_header, rsp.id(), "DUPLICATE_RESPONDENT",
                  "the respondent id appears twice in the file", pb::FINDING_SEVERITY_ERROR));
    }
    for (int a = 0; a < v.survey.attributes_size(); ++a) {
      const std::string raw = h.attribute[a] < 0 ? "" : jp::TrimCell(row.cells[h.attribute[a]]);
      rsp.add_raw_attributes(raw);
      if (raw.empty() || raw == "無回答" || raw == "-") {
        rsp.add_attributes("");
        continue;
      }
      const int c = categories[a].Find(raw);
      if (c < 0) {
        add(MakeFinding(row.line, head.cells[h.attribute[a]], raw, "UNKNOWN_CATEGORY",
                    "not a category of this attribute", pb::FINDING_SEVERITY_ERROR));
        rsp.add_attributes("");
      } else {
        rsp.add_attributes(v.survey.attributes(a).categories(c).code());
      }
    }
    for (size_t q = 0; q < v.questions.size(); ++q) {
      const pb::Question& question = v.questions[q];
      pb::Answer* ans = rsp.add_answers();
      ans->set_question(IdOf(question.name()));
      if (h.question[q] < 0) continue;
      const std::string raw = jp::TrimCell(row.cells[h.question[q]]);
      const std::string& col = head.cells[h.question[q]];
      ans->set_raw(raw);
      if (raw.empty()) continue;  // 無回答
      switch (question.type()) {
        case pb::QUESTION_TYPE_SINGLE:
        case pb::QUESTION_TYPE_LIKERT: {
          const int o = options[q].Find(raw);
          if (o < 0) {
            add(BadCode(row.line, col, raw, raw, true));
          } else {
            ans->add_codes(question.options(o).code());
          }
          break;
        }
        case pb::QUESTION_TYPE_MULTIPLE: {
          std::set<int> chosen;
          for (const auto& code : SplitCodes(raw)) {
            const int o = options[q].Find(code);
            if (o < 0) {
              add(BadCode(row.line, col, raw, code, false));
            } else {
              chosen.insert(o);
            }
          }
          for (int o : chosen) ans->add_codes(question.options(o).code());
          if (question.max_choices() > 0 &&
              static_cast<int>(chosen.size()) > question.max_choices()) {
            ans->set_invalid(true);
            add(MakeFinding(row.line, col, raw, "TOO_MANY_CHOICES",
                        absl::StrCat(chosen.size(), " choices where at most ",
                                     question.max_choices(), " are allowed: counted as 無回答"),
                        pb::FINDING_SEVERITY_WARNING));
          }
          break;
        }
        case pb::QUESTION_TYPE_NUMERIC: {
          auto d = jp::ParseDecimal(jp::Nfkc(raw));
          if (!d) {
            add(MakeFinding(row.line, col, raw, "NOT_A_NUMBER", "a number is expected",
                        pb::FINDING_SEVERITY_ERROR));
          } else {
            ans->set_number(jp::DecimalToString(*d));
          }
          break;
        }
        default:
          ans->set_text(raw);
          break;
      }
    }
    if (errors > before) {
      resp.set_skipped(resp.skipped() + 1);
      continue;
    }
    parsed.push_back(std::move(rsp));
  }
  if (resp.rows() == 0) {
    return status::InvalidField("RESPONSES_NOT_A_TABLE", "content", "the file has no data rows");
  }

  const bool commit = !r.dry_run() && (errors == 0 || r.allow_partial());
  if (!commit) {
    // Stored duplicates are reported in a dry run too.
    SOKEI_RETURN_IF_ERROR(repo_->Read([&](SurveyTx& tx) -> absl::Status {
      if (r.replace()) return absl::OkStatus();
      SOKEI_ASSIGN_OR_RETURN(auto stored, tx.ListRespondentIds(r.survey()));
      std::set<std::string> have(stored.begin(), stored.end());
      for (const auto& rsp : parsed) {
        if (have.count(rsp.id())) {
          add(MakeFinding(rsp.row(), head.cells[h.id], rsp.id(), "DUPLICATE_RESPONDENT",
                      "a respondent with this id is already stored", pb::FINDING_SEVERITY_ERROR));
        }
      }
      resp.set_total_respondents(static_cast<int32_t>(stored.size()));
      return absl::OkStatus();
    }));
    resp.set_imported(0);
    resp.set_committed(false);
    return resp;
  }
  pb::ImportResponsesResponse summary = resp;
  return Mutate<pb::ImportResponsesResponse>(
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
        if (before.etag() != v.survey.etag()) {
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
          if (have.count(rsp.id())) {
            pb::ImportFinding f =
                MakeFinding(rsp.row(), head.cells[h.id], rsp.id(), "DUPLICATE_RESPONDENT",
                        "a respondent with this id is already stored", pb::FINDING_SEVERITY_ERROR);
            if (!r.allow_partial()) {
              return status::FailedPrecondition(
                  "RESPONSES_DUPLICATE_RESPONDENT",
                  {"RESPONDENT", r.survey(),
                   absl::StrCat("row ", rsp.row(),
                                ": a respondent with this id is already stored; "
                                "import with replace, or leave the row out")});
            }
            *out->add_findings() = f;
            out->set_skipped(out->skipped() + 1);
            continue;
          }
          SOKEI_RETURN_IF_ERROR(
              w.tx.InsertRespondent(r.survey(), rsp.id(), seq++, rsp.SerializeAsString()));
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
