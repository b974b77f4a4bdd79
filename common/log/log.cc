#include "common/log/log.h"

#include <atomic>
#include <cstdio>
#include <mutex>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/trace/trace.h"

namespace sokei::log {
namespace {
std::atomic<int> g_min_level{static_cast<int>(Level::kInfo)};
std::mutex g_mu;

absl::string_view LevelName(Level l) {
  switch (l) {
    case Level::kDebug:
      return "debug";
    case Level::kInfo:
      return "info";
    case Level::kWarn:
      return "warn";
    case Level::kError:
      return "error";
  }
  return "info";
}

// "2026-12-06T04:57:41.123Z" (UTC, milliseconds): the part to the second is formatted once a
// second per thread, not for every line.
std::string Timestamp(absl::Time now) {
  thread_local int64_t cached_second = -1;
  thread_local std::string cached;
  const int64_t micros = absl::ToUnixMicros(now);
  const int64_t second = micros / 1000000;
  if (second != cached_second) {
    cached =
        absl::FormatTime("%Y-%m-%dT%H:%M:%S", absl::FromUnixSeconds(second), absl::UTCTimeZone());
    cached_second = second;
  }
  return absl::StrCat(cached, ".", absl::Dec((micros % 1000000) / 1000, absl::kZeroPad3), "Z");
}
}  // namespace

void SetMinLevel(Level level) { g_min_level = static_cast<int>(level); }

std::string JsonEscape(absl::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          out += absl::StrFormat("\\u%04x", c);
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
  }
  return out;
}

void Write(Level level, absl::string_view msg, std::initializer_list<Field> fields) {
  Write(level, msg, absl::MakeConstSpan(fields.begin(), fields.size()));
}

void Write(Level level, absl::string_view msg, absl::Span<const Field> fields) {
  if (static_cast<int>(level) < g_min_level.load()) return;
  std::string line = absl::StrCat("{\"time\":\"", Timestamp(absl::Now()), "\",\"level\":\"",
                                  LevelName(level), "\",\"msg\":\"", JsonEscape(msg), "\"");
  for (const auto& [k, v] : fields) {
    absl::StrAppend(&line, ",\"", JsonEscape(k), "\":\"", JsonEscape(v), "\"");
  }
  // The trace of the request this thread serves: one request's lines in every process.
  if (const trace::Context* t = trace::Current(); t != nullptr) {
    absl::StrAppend(&line, ",\"trace_id\":\"", t->trace_id, "\",\"span_id\":\"", t->span_id, "\"");
  }
  line += "}\n";
  std::lock_guard<std::mutex> lock(g_mu);
  std::fwrite(line.data(), 1, line.size(), stdout);
  std::fflush(stdout);
}

}  // namespace sokei::log
