// Field validators of the plan domain. Each appends FieldViolations so one error can name every
// problem of a request at once.
#pragma once

#include <string>
#include <vector>

#include "common/api/resources.h"
#include "common/status/status.h"
#include "sokei/plan/v1/resources.pb.h"

namespace sokei::plan {

inline constexpr size_t kMaxTitleChars = 200;
inline constexpr size_t kMaxCodeChars = 32;
inline constexpr size_t kMaxLabelChars = 100;
inline constexpr size_t kMaxBodyChars = 20000;
inline constexpr size_t kMaxListEntries = 50;

class Violations : public api::Violations {
 public:
  void Date(const std::string& field, const sokei::type::v1::Date& date, bool required);
  void SdgGoals(const std::string& field, const google::protobuf::RepeatedField<int32_t>& goals);
  void SdgTargets(const std::string& field,
                  const google::protobuf::RepeatedPtrField<std::string>& targets);
  void Labels(const std::string& field, const google::protobuf::RepeatedPtrField<std::string>& v,
              size_t max_chars);
  void Sections(const std::string& field,
                const google::protobuf::RepeatedPtrField<sokei::plan::v1::TextSection>& sections);
};

// A code pattern (ECMAScript regular expression) compiles.
bool IsValidPattern(const std::string& pattern);
bool MatchesPattern(const std::string& pattern, const std::string& code);

// "11.2", "11.a": goal 1–17, then a number or a letter.
bool IsValidSdgTarget(const std::string& target);

// Dates compare as yyyymmdd.
int DateKey(const sokei::type::v1::Date& d);

}  // namespace sokei::plan
