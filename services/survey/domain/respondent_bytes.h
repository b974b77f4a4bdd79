// A respondent written straight into its stored form, the pb::Respondent wire bytes, while its row
// is read: the import's inner loop builds no message and serializes nothing. The bytes are the
// ones protobuf's own serializer writes for the same message (respondent_bytes_test holds them
// equal), so everything that reads a stored respondent parses them as before.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace sokei::survey {

// One pb::Answer's fields. The views must stay valid until the answer is added.
struct AnswerParts {
  absl::string_view question;
  std::vector<absl::string_view> codes;
  std::string number;
  absl::string_view text;
  absl::string_view raw;
  bool invalid = false;

  void Clear() {
    question = text = raw = {};
    codes.clear();
    number.clear();
    invalid = false;
  }
};

class RespondentBytes {
 public:
  // A new respondent (what was added before is dropped; the buffers are kept).
  void Start(absl::string_view id, int32_t row);
  // attributes[i] and raw_attributes[i], in the survey's attribute order.
  void AddAttribute(absl::string_view code, absl::string_view raw);
  // The next answer, in question order.
  void AddAnswer(const AnswerParts& a);
  // The wire bytes of the respondent added since Start.
  std::string Finish() const;

 private:
  std::string id_;
  int32_t row_ = 0;
  std::vector<std::string> attributes_, raw_attributes_;
  size_t attribute_count_ = 0;
  std::string answers_;  // the answers' fields, each already framed
};

}  // namespace sokei::survey
