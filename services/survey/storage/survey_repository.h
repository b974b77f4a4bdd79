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
#include "common/storage/service_tx.h"

namespace sokei::survey {

enum class Kind { kSurvey, kQuestion };

const char* KindName(Kind kind);

// parent: the municipality for surveys, the survey for questions; code: a question's CSV column.
using Record = storage::ResourceRecord;

using AuditRow = storage::AuditRow;
using IdempotencyRow = storage::IdempotencyRow;

// Get, ListParent, Insert, Update and Delete of the shared record store, the generation, the
// audit trail and the request ids (service_tx.h), and the survey service's respondents.
class SurveyTx : public storage::RecordStoreTx<Kind> {
 public:
  // Respondents of a survey: ids only (duplicate checks), the serialized rows in import order,
  // and the count.
  virtual absl::StatusOr<std::vector<std::string>> ListRespondentIds(const std::string& survey) = 0;
  virtual absl::StatusOr<std::vector<std::string>> ListRespondentData(
      const std::string& survey) = 0;
  virtual absl::StatusOr<int64_t> CountRespondents(const std::string& survey) = 0;
  virtual absl::Status InsertRespondent(const std::string& survey, const std::string& id,
                                        int64_t seq, const std::string& data) = 0;
  virtual absl::Status DeleteRespondents(const std::string& survey) = 0;
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
