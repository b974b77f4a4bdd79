// Error model shared by every Sokei service: absl::Status carrying google.rpc details
// (ErrorInfo always, BadRequest field violations, PreconditionFailure), plus propagation macros.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace sokei::status {

inline constexpr absl::string_view kDomain = "sokei.jp";

struct FieldViolation {
  std::string field;        // proto field path, e.g. "node.sdg_goals[1]"
  std::string description;  // what is wrong, in words a person can act on
};

struct Violation {  // google.rpc.PreconditionFailure.Violation
  std::string type;
  std::string subject;
  std::string description;
};

// Builders. `reason` is from the catalogue in reasons.h / docs/errors.md.
absl::Status InvalidArgument(absl::string_view reason, std::vector<FieldViolation> violations);
absl::Status InvalidField(absl::string_view reason, std::string field, std::string description);
absl::Status NotFound(absl::string_view reason, absl::string_view resource_name);
absl::Status AlreadyExists(absl::string_view reason, absl::string_view resource_name);
// An etag mismatch (ABORTED with a PreconditionFailure).
absl::Status EtagMismatch(absl::string_view reason, absl::string_view resource_name);
absl::Status FailedPrecondition(absl::string_view reason, Violation violation);
absl::Status PermissionDenied(absl::string_view reason, absl::string_view message);
absl::Status Unauthenticated(absl::string_view reason, absl::string_view message);
absl::Status Unavailable(absl::string_view reason, absl::string_view message);
absl::Status Internal(absl::string_view reason);
absl::Status ResourceExhausted(absl::string_view reason, absl::string_view message);

// Generic builder: ErrorInfo with reason and metadata.
absl::Status WithReason(absl::StatusCode code, absl::string_view message, absl::string_view reason,
                        std::vector<std::pair<std::string, std::string>> metadata = {});

// Client text quoted into an error message: at most 40 characters, invalid UTF-8 and control
// characters replaced by '?', in single quotes. Never echo client input any other way.
std::string Quote(absl::string_view client_text);

// Readers (used by clients, the CLI and tests).
struct ErrorInfo {
  std::string reason;
  std::string domain;
  std::vector<std::pair<std::string, std::string>> metadata;
};
std::optional<ErrorInfo> GetErrorInfo(const absl::Status& status);
std::vector<FieldViolation> GetFieldViolations(const absl::Status& status);
std::vector<Violation> GetPreconditionViolations(const absl::Status& status);

// Serialises the status as google.rpc.Status bytes (code, message, details as Any) and back.
std::string ToRpcStatusBytes(const absl::Status& status);
absl::Status FromRpcStatusBytes(absl::StatusCode code, absl::string_view message,
                                absl::string_view rpc_status_bytes);

}  // namespace sokei::status

#define SOKEI_STATUS_CONCAT_INNER_(a, b) a##b
#define SOKEI_STATUS_CONCAT_(a, b) SOKEI_STATUS_CONCAT_INNER_(a, b)

// Returns the status from the enclosing function when `expr` is not OK.
#define SOKEI_RETURN_IF_ERROR(expr)                \
  do {                                             \
    ::absl::Status sokei_status_ = (expr);         \
    if (!sokei_status_.ok()) return sokei_status_; \
  } while (false)

// `SOKEI_ASSIGN_OR_RETURN(auto x, F());` assigns the value or returns the error.
#define SOKEI_ASSIGN_OR_RETURN(lhs, expr) \
  SOKEI_ASSIGN_OR_RETURN_IMPL_(SOKEI_STATUS_CONCAT_(sokei_statusor_, __LINE__), lhs, expr)
#define SOKEI_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                 \
  if (!tmp.ok()) return std::move(tmp).status();     \
  lhs = std::move(tmp).value()
