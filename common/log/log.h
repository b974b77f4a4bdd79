// Structured JSON-lines logging to stdout: {"time":…,"level":…,"msg":…, fields…, and the
// trace_id and span_id of the request the thread serves (common/trace) when there is one}.
#pragma once

#include <initializer_list>
#include <string>
#include <utility>

#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace sokei::log {

enum class Level { kDebug, kInfo, kWarn, kError };

using Field = std::pair<absl::string_view, absl::string_view>;

void SetMinLevel(Level level);
void Write(Level level, absl::string_view msg, std::initializer_list<Field> fields = {});
// Fields built at run time (a service's own "serving" details).
void Write(Level level, absl::string_view msg, absl::Span<const Field> fields);

inline void Info(absl::string_view msg, std::initializer_list<Field> f = {}) {
  Write(Level::kInfo, msg, f);
}
inline void Warn(absl::string_view msg, std::initializer_list<Field> f = {}) {
  Write(Level::kWarn, msg, f);
}
inline void Error(absl::string_view msg, std::initializer_list<Field> f = {}) {
  Write(Level::kError, msg, f);
}

// JSON string escaping (UTF-8 passes through).
std::string JsonEscape(absl::string_view s);
void AppendJsonEscaped(absl::string_view s, std::string* out);

}  // namespace sokei::log
