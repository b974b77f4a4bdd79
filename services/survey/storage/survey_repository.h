// The survey service's storage interface: surveys and questions as records (protobuf bytes plus
// the columns they are looked up by) and respondents as one row each, under their survey.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/storage/audit_log.h"
#include "common/storage/resource_record.h"

namespace sokei::survey {

enum class Kind { kSurvey, kQuestion };

const char* KindName(Kind kind);

// parent: the municipality for surveys, the survey for questions; code: a question's CSV column.
using Record = storage::ResourceRecord;

using AuditRow = storage::AuditRow;
using IdempotencyRow = storage::IdempotencyRow;

class SurveyTx {
 public:
  virtual ~SurveyTx() = default;
  virtual absl::StatusOr<std::optional<Record>> Get(Kind kind, const std::string& name) = 0;
  // Ordered by sort_key, then name.
  virtual absl::StatusOr<std::vector<Record>> ListParent(Kind kind, const std::string& parent) = 0;
  // ALREADY_EXISTS when the name or the code is taken.
  virtual absl::Status Insert(Kind kind, const Record& record) = 0;
  virtual absl::Status Update(Kind kind, const Record& record) = 0;
  virtual absl::Status Delete(Kind kind, const std::string& name) = 0;

  // Respondents of a survey: ids only (duplicate checks), the serialized rows in import order,
  // and the count.
  virtual absl::StatusOr<std::vector<std::string>> ListRespondentIds(const std::string& survey) = 0;
  virtual absl::StatusOr<std::vector<std::string>> ListRespondentData(
      const std::string& survey) = 0;
  virtual absl::StatusOr<int64_t> CountRespondents(const std::string& survey) = 0;
  virtual absl::Status InsertRespondent(const std::string& survey, const std::string& id,
                                        int64_t seq, const std::string& data) = 0;
  virtual absl::Status DeleteRespondents(const std::string& survey) = 0;

  virtual absl::StatusOr<int64_t> AppendAudit(const AuditRow& row) = 0;
  virtual absl::StatusOr<int64_t> Generation(const std::string& municipality) = 0;
  virtual absl::Status BumpGeneration(const std::string& municipality) = 0;
  virtual absl::StatusOr<std::vector<AuditRow>> ListAudit(const std::string& municipality,
                                                          const std::string& resource_prefix,
                                                          const std::string& actor, int64_t offset,
                                                          int64_t limit) = 0;
  virtual absl::StatusOr<std::optional<IdempotencyRow>> GetIdempotency(
      const std::string& municipality, const std::string& request_id) = 0;
  virtual absl::Status PutIdempotency(const IdempotencyRow& row) = 0;
};

class SurveyRepository {
 public:
  virtual ~SurveyRepository() = default;
  virtual absl::Status Read(const std::function<absl::Status(SurveyTx&)>& fn) = 0;
  // All or nothing: the changes made by `fn` are committed only when it returns OK.
  virtual absl::Status Write(const std::function<absl::Status(SurveyTx&)>& fn) = 0;
  // A dry run: `fn` runs in a write transaction that is always rolled back.
  virtual absl::Status Rehearse(const std::function<absl::Status(SurveyTx&)>& fn) = 0;
};

}  // namespace sokei::survey
