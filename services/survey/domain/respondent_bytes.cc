#include "services/survey/domain/respondent_bytes.h"

#include <google/protobuf/io/coded_stream.h>

#include <cstring>

namespace sokei::survey {
namespace {

// Wire tags: field number << 3 | wire type (2: length-delimited, 0: varint).
constexpr char kRespondentId = 0x0A, kRespondentRow = 0x10, kAttribute = 0x1A, kRawAttribute = 0x22,
               kAnswer = 0x2A;
constexpr char kQuestion = 0x0A, kCode = 0x12, kNumber = 0x1A, kText = 0x22, kRaw = 0x2A,
               kInvalid = 0x30;

using google::protobuf::io::CodedOutputStream;

// A length-delimited field with one-byte tag: its size on the wire.
size_t FieldSize(absl::string_view s) {
  return 1 + CodedOutputStream::VarintSize64(s.size()) + s.size();
}

char* PutVarint(uint64_t v, char* p) {
  return reinterpret_cast<char*>(
      CodedOutputStream::WriteVarint64ToArray(v, reinterpret_cast<uint8_t*>(p)));
}

// Tag, length and bytes into room already made for them; returns the end of what was written.
char* PutField(char tag, absl::string_view s, char* p) {
  *p++ = tag;
  p = PutVarint(s.size(), p);
  if (!s.empty()) std::memcpy(p, s.data(), s.size());
  return p + s.size();
}

// proto3 leaves out a singular string that is empty; repeated strings are always written.
char* PutSingular(char tag, absl::string_view s, char* p) {
  return s.empty() ? p : PutField(tag, s, p);
}

}  // namespace

void RespondentBytes::Start(absl::string_view id, int32_t row) {
  id_.assign(id.data(), id.size());
  row_ = row;
  attribute_count_ = 0;
  answers_.clear();
}

void RespondentBytes::AddAttribute(absl::string_view code, absl::string_view raw) {
  if (attribute_count_ == attributes_.size()) {
    attributes_.emplace_back();
    raw_attributes_.emplace_back();
  }
  attributes_[attribute_count_].assign(code.data(), code.size());
  raw_attributes_[attribute_count_].assign(raw.data(), raw.size());
  ++attribute_count_;
}

void RespondentBytes::AddAnswer(const AnswerParts& a) {
  size_t size = 0;
  if (!a.question.empty()) size += FieldSize(a.question);
  for (absl::string_view c : a.codes) size += FieldSize(c);
  if (!a.number.empty()) size += FieldSize(a.number);
  if (!a.text.empty()) size += FieldSize(a.text);
  if (!a.raw.empty()) size += FieldSize(a.raw);
  if (a.invalid) size += 2;
  // Room for the framed answer first, then every field written into it.
  const size_t at = answers_.size();
  answers_.resize(at + 1 + CodedOutputStream::VarintSize64(size) + size);
  char* p = answers_.data() + at;
  *p++ = kAnswer;
  p = PutVarint(size, p);
  p = PutSingular(kQuestion, a.question, p);
  for (absl::string_view c : a.codes) p = PutField(kCode, c, p);
  p = PutSingular(kNumber, a.number, p);
  p = PutSingular(kText, a.text, p);
  p = PutSingular(kRaw, a.raw, p);
  if (a.invalid) {
    *p++ = kInvalid;
    *p++ = 1;
  }
}

std::string RespondentBytes::Finish() const {
  // int32 on the wire: a negative row would be sign-extended to ten bytes.
  const uint64_t row = static_cast<uint64_t>(static_cast<int64_t>(row_));
  size_t size = answers_.size() + (id_.empty() ? 0 : FieldSize(id_)) +
                (row_ == 0 ? 0 : 1 + CodedOutputStream::VarintSize64(row));
  for (size_t i = 0; i < attribute_count_; ++i) {
    size += FieldSize(attributes_[i]) + FieldSize(raw_attributes_[i]);
  }
  std::string out(size, '\0');
  char* p = out.data();
  p = PutSingular(kRespondentId, id_, p);
  if (row_ != 0) {
    *p++ = kRespondentRow;
    p = PutVarint(row, p);
  }
  for (size_t i = 0; i < attribute_count_; ++i) p = PutField(kAttribute, attributes_[i], p);
  for (size_t i = 0; i < attribute_count_; ++i) p = PutField(kRawAttribute, raw_attributes_[i], p);
  if (!answers_.empty()) std::memcpy(p, answers_.data(), answers_.size());
  return out;
}

}  // namespace sokei::survey
