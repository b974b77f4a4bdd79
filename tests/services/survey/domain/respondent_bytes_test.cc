// The respondent writer of the import is held byte-equal to protobuf's serializer for the same
// message: every field, empty and long strings (multi-byte lengths), repeated codes, and rows.
#include "services/survey/domain/respondent_bytes.h"

#include <gtest/gtest.h>

#include <string>

#include "sokei/survey/v1/resources.pb.h"

namespace sokei::survey {
namespace {

namespace pb = ::sokei::survey::v1;

// The same respondent both ways: as a message and through the writer.
struct Both {
  pb::Respondent message;
  RespondentBytes writer;
  std::vector<std::string> held;  // keeps the views of the writer's parts alive

  Both(const std::string& id, int row) {
    message.set_id(id);
    message.set_row(row);
    writer.Start(id, row);
  }
  void Attribute(const std::string& code, const std::string& raw) {
    message.add_attributes(code);
    message.add_raw_attributes(raw);
    writer.AddAttribute(code, raw);
  }
  void Answer(const std::string& question, std::vector<std::string> codes,
              const std::string& number, const std::string& text, const std::string& raw,
              bool invalid) {
    pb::Answer* a = message.add_answers();
    a->set_question(question);
    for (const auto& c : codes) a->add_codes(c);
    a->set_number(number);
    a->set_text(text);
    a->set_raw(raw);
    a->set_invalid(invalid);
    AnswerParts parts;
    parts.question = question;
    for (const auto& c : codes) parts.codes.push_back(c);
    parts.number = number;
    parts.text = text;
    parts.raw = raw;
    parts.invalid = invalid;
    writer.AddAnswer(parts);
  }
  void ExpectEqual() {
    const std::string bytes = writer.Finish();
    EXPECT_EQ(bytes, message.SerializeAsString());
    pb::Respondent back;
    ASSERT_TRUE(back.ParseFromString(bytes));
    EXPECT_EQ(back.DebugString(), message.DebugString());
  }
};

TEST(RespondentBytes, EveryFieldAsProtobufWritesIt) {
  Both r("R-00017", 18);
  r.Attribute("20s", "20～29歳");
  r.Attribute("", "無回答");
  r.Attribute("", "");
  r.Answer("q1", {"3"}, "", "", "3", false);
  r.Answer("q2", {}, "", "", "", false);  // 無回答: only the question
  r.Answer("q3", {"1", "4", "7"}, "", "", "1、4、7", false);
  r.Answer("q4", {}, "12.5", "", "１２．５", false);  // a number
  r.Answer("q5", {}, "", "自由記述\n二行目", "自由記述\n二行目", false);
  r.Answer("q6", {"1", "2", "3"}, "", "", "1,2,3", true);  // more choices than allowed
  r.Answer("", {""}, "", "", "", false);                   // an empty code is still written
  r.ExpectEqual();
}

TEST(RespondentBytes, LengthsOfSeveralBytesAndLargeRows) {
  const std::string long_text(200, 'x'), longer_text(20000, 'y');
  Both r(std::string(64, 'i'), 1234567);
  r.Attribute(long_text, long_text);
  r.Answer("q1", {}, "", longer_text, longer_text, false);  // an answer over 16 KiB
  r.Answer("q2", {long_text}, "", "", long_text, false);
  r.ExpectEqual();
}

TEST(RespondentBytes, EmptyAndZeroFieldsAreLeftOutAndTheWriterStartsClean) {
  Both first("a", 2);
  first.Attribute("x", "x");
  first.Answer("q1", {"1"}, "", "", "1", false);
  first.ExpectEqual();
  // The same writer for a shorter respondent: nothing of the first remains.
  Both empty("", 0);
  empty.writer = first.writer;
  empty.writer.Start("", 0);
  empty.ExpectEqual();
  EXPECT_TRUE(empty.writer.Finish().empty());

  Both negative("n", -1);  // int32 on the wire: sign-extended to ten bytes
  negative.ExpectEqual();
}

}  // namespace
}  // namespace sokei::survey
