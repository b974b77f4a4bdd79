#include "services/survey/domain/response_reader.h"

#include <algorithm>
#include <cstring>
#include <set>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/jp/delimited.h"
#include "common/jp/measurement.h"
#include "common/jp/text.h"
#include "common/status/status.h"
#include "services/survey/domain/respondent_bytes.h"
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
      item_codes_.push_back(item.code());
      codes_.push_back(jp::SearchFold(item.code()));
      labels_.push_back(item.label().empty() ? "" : jp::SearchFold(item.label()));
    }
    // Each code's and label's own text → what the folded match answers for it: a cell written
    // as the option is written (most are) costs one lookup and no fold.
    // (The answer for a text depends on the text alone, so the order of insertion does not matter.)
    size_t i = 0;
    for (const auto& item : items) {
      if (!item.code().empty()) exact_.emplace(item.code(), FindFolded(codes_[i]));
      if (!item.label().empty()) exact_.emplace(item.label(), FindFolded(labels_[i]));
      ++i;
    }
  }
  // The code of item `i` as the questionnaire defines it.
  const std::string& Code(int i) const { return item_codes_[i]; }

  int Find(absl::string_view cell) const {
    if (auto it = exact_.find(cell); it != exact_.end()) return it->second;
    return FindFolded(jp::SearchFold(cell));
  }

 private:
  int FindFolded(const std::string& key) const {
    for (size_t i = 0; i < codes_.size(); ++i) {
      if (codes_[i] == key) return static_cast<int>(i);
    }
    for (size_t i = 0; i < labels_.size(); ++i) {
      if (!labels_[i].empty() && labels_[i] == key) return static_cast<int>(i);
    }
    return -1;
  }

  std::vector<std::string> item_codes_, codes_, labels_;
  absl::flat_hash_map<std::string, int> exact_;
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

bool Blank(const jp::DelimitedRow& row) {
  for (const auto& c : row.cells) {
    if (!jp::TrimCellView(c).empty()) return false;
  }
  return true;
}

class Reader {
 public:
  Reader(const pb::Survey& survey, const std::vector<pb::Question>& questions)
      : survey_(survey), questions_(questions) {
    for (const auto& attr : survey.attributes()) categories_.emplace_back(attr.categories());
    for (const auto& q : questions) {
      options_.emplace_back(q.options());
      question_ids_.push_back(IdOf(q.name()));
    }
  }

  // Row by row: only the current row's cells and each respondent's serialized answers are held,
  // never the file's cells or message objects for every respondent at once.
  absl::StatusOr<ReadResponses> Read(const std::string& text) {
    jp::DelimitedReader rows(text, jp::DetectDelimiter(text));
    bool have_head = false;
    while (!have_head && rows.Next(&head_row_)) have_head = !Blank(head_row_);
    if (!have_head) {
      return status::InvalidField("RESPONSES_NOT_A_TABLE", "content", "the file has no header row");
    }
    head_ = &head_row_;
    SOKEI_RETURN_IF_ERROR(ReadHeader());
    jp::DelimitedRow row;
    while (rows.Next(&row)) {
      if (!Blank(row)) ReadRow(row);
    }
    if (out_.report.rows() == 0) {
      return status::InvalidField("RESPONSES_NOT_A_TABLE", "content", "the file has no data rows");
    }
    return std::move(out_);
  }

 private:
  void Add(pb::ImportFinding f) { AddFinding(&out_, std::move(f)); }

  // The header: respondent id, attributes (id or display name), questions (column or number).
  absl::Status ReadHeader() {
    const jp::DelimitedRow& head = *head_;
    h_.attribute.assign(survey_.attributes_size(), -1);
    h_.question.assign(questions_.size(), -1);
    std::set<std::string> seen;
    for (size_t c = 0; c < head.cells.size(); ++c) {
      const std::string raw = jp::TrimCell(head.cells[c]);
      const std::string key = jp::SearchFold(raw);
      if (key.empty()) continue;
      if (!seen.insert(key).second) {
        Add(MakeFinding(head.line, raw, raw, "DUPLICATE_COLUMN", "the header appears twice",
                        pb::FINDING_SEVERITY_ERROR));
        continue;
      }
      if (!MatchColumn(key, static_cast<int>(c))) {
        Add(MakeFinding(head.line, raw, raw, "UNKNOWN_COLUMN",
                        "neither a question, an attribute nor the respondent id: ignored",
                        pb::FINDING_SEVERITY_WARNING));
      }
    }
    if (h_.id < 0) {
      return status::InvalidField(
          "RESPONSES_NO_ID_COLUMN", "content",
          "the header has no respondent id column (ID, 回答者ID, 整理番号 or the survey's "
          "respondent_id_column)");
    }
    out_.id_header = head.cells[h_.id];
    for (size_t q = 0; q < questions_.size(); ++q) {
      if (h_.question[q] < 0) {
        Add(MakeFinding(head.line, ColumnKey(questions_[q]), "", "MISSING_COLUMN",
                        "no column for this question: every answer is 無回答",
                        pb::FINDING_SEVERITY_WARNING));
      }
    }
    for (int a = 0; a < survey_.attributes_size(); ++a) {
      if (h_.attribute[a] < 0) {
        Add(MakeFinding(head.line, survey_.attributes(a).display_name(), "", "MISSING_COLUMN",
                        "no column for this attribute: unknown for everyone",
                        pb::FINDING_SEVERITY_WARNING));
      }
    }
    return absl::OkStatus();
  }

  // Column `c` with the folded header `key` as the respondent id, an attribute or a question.
  bool MatchColumn(const std::string& key, int c) {
    const std::string id_key = survey_.respondent_id_column().empty()
                                   ? ""
                                   : jp::SearchFold(survey_.respondent_id_column());
    if (h_.id < 0 &&
        ((!id_key.empty() && key == id_key) ||
         std::find(std::begin(kIdSynonyms), std::end(kIdSynonyms), key) != std::end(kIdSynonyms))) {
      h_.id = c;
      return true;
    }
    for (int a = 0; a < survey_.attributes_size(); ++a) {
      const auto& attr = survey_.attributes(a);
      if (key == jp::SearchFold(attr.id()) || key == jp::SearchFold(attr.display_name())) {
        h_.attribute[a] = c;
        return true;
      }
    }
    for (size_t q = 0; q < questions_.size(); ++q) {
      if (key == jp::SearchFold(ColumnKey(questions_[q]))) {
        h_.question[q] = c;
        return true;
      }
    }
    return false;
  }

  void ReadRow(const jp::DelimitedRow& row) {
    const jp::DelimitedRow& head = *head_;
    pb::ImportResponsesResponse& report = out_.report;
    report.set_rows(report.rows() + 1);
    const int before = out_.errors;
    if (row.cells.size() != head.cells.size()) {
      Add(MakeFinding(
          row.line, "", "", "WRONG_COLUMN_COUNT",
          absl::StrCat("the row has ", row.cells.size(), " cells, the header ", head.cells.size()),
          pb::FINDING_SEVERITY_ERROR));
      report.set_skipped(report.skipped() + 1);
      return;
    }
    bool oversized = false;
    for (const auto& c : row.cells) oversized |= c.size() > kMaxCellBytes;
    if (oversized) {
      Add(MakeFinding(row.line, "", "", "CELL_TOO_LONG", "a cell is longer than 4 KiB",
                      pb::FINDING_SEVERITY_ERROR));
      report.set_skipped(report.skipped() + 1);
      return;
    }
    // The respondent goes straight into its stored bytes; the writer's buffers are reused.
    const std::string id = ReadId(row);
    rsp_.Start(id, row.line);
    ReadAttributes(row);
    for (size_t q = 0; q < questions_.size(); ++q) ReadAnswer(row, q);
    if (out_.errors > before) {
      report.set_skipped(report.skipped() + 1);
      return;
    }
    out_.respondents.push_back({id, row.line, rsp_.Finish()});
  }

  std::string ReadId(const jp::DelimitedRow& row) {
    std::string id = jp::Nfkc(jp::TrimCellView(row.cells[h_.id]));
    const std::string& id_header = out_.id_header;
    if (id.empty()) {
      Add(MakeFinding(row.line, id_header, "", "MISSING_ID", "the respondent id is empty",
                      pb::FINDING_SEVERITY_ERROR));
    } else if (id.size() > 64) {
      Add(MakeFinding(row.line, id_header, id, "ID_TOO_LONG", "at most 64 characters",
                      pb::FINDING_SEVERITY_ERROR));
    } else if (!ids_in_file_.insert(id).second) {
      Add(MakeFinding(row.line, id_header, id, "DUPLICATE_RESPONDENT",
                      "the respondent id appears twice in the file", pb::FINDING_SEVERITY_ERROR));
    }
    return id;
  }

  void ReadAttributes(const jp::DelimitedRow& row) {
    for (int a = 0; a < survey_.attributes_size(); ++a) {
      const absl::string_view raw =
          h_.attribute[a] < 0 ? "" : jp::TrimCellView(row.cells[h_.attribute[a]]);
      if (raw.empty() || raw == "無回答" || raw == "-") {
        rsp_.AddAttribute("", raw);
        continue;
      }
      const int c = categories_[a].Find(raw);
      if (c < 0) {
        Add(MakeFinding(row.line, head_->cells[h_.attribute[a]], std::string(raw),
                        "UNKNOWN_CATEGORY", "not a category of this attribute",
                        pb::FINDING_SEVERITY_ERROR));
        rsp_.AddAttribute("", raw);
      } else {
        rsp_.AddAttribute(categories_[a].Code(c), raw);
      }
    }
  }

  // The answer to question `q` as its type reads it; an empty cell is 無回答.
  void ReadAnswer(const jp::DelimitedRow& row, size_t q) {
    AnswerParts& ans = answer_;
    ans.Clear();
    ans.question = question_ids_[q];
    ReadCell(row, q, &ans);
    rsp_.AddAnswer(ans);
  }

  void ReadCell(const jp::DelimitedRow& row, size_t q, AnswerParts* ans) {
    const pb::Question& question = questions_[q];
    if (h_.question[q] < 0) return;
    const absl::string_view raw = jp::TrimCellView(row.cells[h_.question[q]]);
    const std::string& col = head_->cells[h_.question[q]];
    ans->raw = raw;
    if (raw.empty()) return;
    switch (question.type()) {
      case pb::QUESTION_TYPE_SINGLE:
      case pb::QUESTION_TYPE_LIKERT: {
        const int o = options_[q].Find(raw);
        if (o < 0) {
          Add(BadCode(row.line, col, std::string(raw), std::string(raw), true));
        } else {
          ans->codes.push_back(options_[q].Code(o));
        }
        break;
      }
      case pb::QUESTION_TYPE_MULTIPLE:
        ReadChoices(row.line, col, std::string(raw), q, ans);
        break;
      case pb::QUESTION_TYPE_NUMERIC: {
        auto d = jp::ParseDecimal(jp::Nfkc(raw));
        if (!d) {
          Add(MakeFinding(row.line, col, std::string(raw), "NOT_A_NUMBER", "a number is expected",
                          pb::FINDING_SEVERITY_ERROR));
        } else {
          ans->number = jp::DecimalToString(*d);
        }
        break;
      }
      default:
        ans->text = raw;
        break;
    }
  }

  // A multiple-choice cell: every code an option; more than max_choices is 無回答 (a warning).
  void ReadChoices(int line, const std::string& col, const std::string& raw, size_t q,
                   AnswerParts* ans) {
    const pb::Question& question = questions_[q];
    std::set<int> chosen;
    for (const auto& code : SplitCodes(raw)) {
      const int o = options_[q].Find(code);
      if (o < 0) {
        Add(BadCode(line, col, raw, code, false));
      } else {
        chosen.insert(o);
      }
    }
    for (int o : chosen) ans->codes.push_back(options_[q].Code(o));
    if (question.max_choices() > 0 && static_cast<int>(chosen.size()) > question.max_choices()) {
      ans->invalid = true;
      Add(MakeFinding(line, col, raw, "TOO_MANY_CHOICES",
                      absl::StrCat(chosen.size(), " choices where at most ", question.max_choices(),
                                   " are allowed: counted as 無回答"),
                      pb::FINDING_SEVERITY_WARNING));
    }
  }

  const pb::Survey& survey_;
  const std::vector<pb::Question>& questions_;
  std::vector<Matcher> categories_, options_;
  std::vector<std::string> question_ids_;  // each question's id, as answers name it
  jp::DelimitedRow head_row_;
  const jp::DelimitedRow* head_ = nullptr;
  Header h_;
  absl::flat_hash_set<std::string> ids_in_file_;
  ReadResponses out_;
  RespondentBytes rsp_;  // the row being read (ReadRow), written as it is stored
  AnswerParts answer_;   // the answer being read
};

}  // namespace

void AddFinding(ReadResponses* read, pb::ImportFinding f) {
  if (f.severity() == pb::FINDING_SEVERITY_ERROR) ++read->errors;
  if (read->report.findings_size() < kMaxFindings) {
    *read->report.add_findings() = std::move(f);
  } else {
    read->report.set_findings_omitted(read->report.findings_omitted() + 1);
  }
}

absl::StatusOr<ReadResponses> ReadResponseFile(const std::string& text, const pb::Survey& survey,
                                               const std::vector<pb::Question>& questions) {
  return Reader(survey, questions).Read(text);
}

}  // namespace sokei::survey
