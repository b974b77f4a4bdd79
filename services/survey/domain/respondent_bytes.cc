#include "services/survey/domain/respondent_bytes.h"

#include <cstring>

namespace sokei::survey {
namespace {

// Wire tags: field number << 3 | wire type (2: length-delimited, 0: varint).
constexpr char kRespondentId = 0x0A, kRespondentRow = 0x10, kAttribute = 0x1A, kRawAttribute = 0x22,
               kAnswer = 0x2A;
constexpr char kQuestion = 0x0A, kCode = 0x12, kNumber = 0x1A, kText = 0x22, kRaw = 0x2A,
               kInvalid = 0x30;

size_t VarintSize(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

void PutVarint(uint64_t v, std::string* out) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7F) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

char* PutVarint(uint64_t v, char* p) {
  while (v >= 0x80) {
    *p++ = static_cast<char>((v & 0x7F) | 0x80);
    v >>= 7;
  }
  *p++ = static_cast<char>(v);
  return p;
}

// A length-delimited field with one-byte tag: its size on the wire.
size_t FieldSize(absl::string_view s) { return 1 + VarintSize(s.size()) + s.size(); }

void PutField(char tag, absl::string_view s, std::string* out) {
  out->push_back(tag);
  PutVarint(s.size(), out);
  out->append(s.data(), s.size());
}

// The same into room already made for it; returns the end of what was written.
char* PutField(char tag, absl::string_view s, char* p) {
  *p++ = tag;
  p = PutVarint(s.size(), p);
  if (!s.empty()) std::memcpy(p, s.data(), s.size());
  return p + s.size();
}

// proto3 leaves out a singular string that is empty; repeated strings are always written.
void PutSingular(char tag, absl::string_view s, std::string* out) {
  if (!s.empty()) PutField(tag, s, out);
}

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
  answers_.resize(at + 1 + VarintSize(size) + size);
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
  std::string out;
  size_t size = answers_.size() + (id_.empty() ? 0 : FieldSize(id_)) + 11;
  for (size_t i = 0; i < attribute_count_; ++i) {
    size += FieldSize(attributes_[i]) + FieldSize(raw_attributes_[i]);
  }
  out.reserve(size);
  PutSingular(kRespondentId, id_, &out);
  if (row_ != 0) {
    out.push_back(kRespondentRow);
    // int32 on the wire: a negative value is sign-extended to ten bytes.
    PutVarint(static_cast<uint64_t>(static_cast<int64_t>(row_)), &out);
  }
  for (size_t i = 0; i < attribute_count_; ++i) PutField(kAttribute, attributes_[i], &out);
  for (size_t i = 0; i < attribute_count_; ++i) PutField(kRawAttribute, raw_attributes_[i], &out);
  out.append(answers_);
  return out;
}

}  // namespace sokei::survey
