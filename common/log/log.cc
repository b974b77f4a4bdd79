#include "common/log/log.h"

#include <limits.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <mutex>
#include <shared_mutex>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/trace/trace.h"

namespace sokei::log {
namespace {
std::atomic<int> g_min_level{static_cast<int>(Level::kInfo)};
std::shared_mutex g_mu;  // see WriteLine

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

// One line, straight to file descriptor 1 with write(2): in the log the moment it is written, as
// before, but without stdio's lock and buffer. A line up to PIPE_BUF bytes is one write, which
// neither a pipe nor a file splits or mixes with another thread's line, so the threads of a busy
// server share the lock and do not queue on it. A longer line (rare: a long error text) may be
// written to a pipe in parts, so it holds the lock alone while it is written.
void WriteLine(absl::string_view line) {
  std::shared_lock<std::shared_mutex> shared(g_mu, std::defer_lock);
  std::unique_lock<std::shared_mutex> alone(g_mu, std::defer_lock);
  if (line.size() > PIPE_BUF) {
    alone.lock();
  } else {
    shared.lock();
  }
  while (!line.empty()) {
    const ssize_t n = ::write(STDOUT_FILENO, line.data(), line.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // nowhere to log to: the line is dropped, the request is not failed
    line.remove_prefix(static_cast<size_t>(n));
  }
}
}  // namespace

void SetMinLevel(Level level) { g_min_level = static_cast<int>(level); }

void AppendJsonEscaped(absl::string_view s, std::string* out) {
  size_t run = 0;  // start of the characters not yet appended, which need no escape
  for (size_t i = 0; i < s.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out->append(s.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"':
        *out += "\\\"";
        break;
      case '\\':
        *out += "\\\\";
        break;
      case '\n':
        *out += "\\n";
        break;
      case '\r':
        *out += "\\r";
        break;
      case '\t':
        *out += "\\t";
        break;
      default:
        absl::StrAppend(out, absl::StrFormat("\\u%04x", c));
    }
  }
  out->append(s.data() + run, s.size() - run);
}

std::string JsonEscape(absl::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  AppendJsonEscaped(s, &out);
  return out;
}

void Write(Level level, absl::string_view msg, std::initializer_list<Field> fields) {
  Write(level, msg, absl::MakeConstSpan(fields.begin(), fields.size()));
}

void Write(Level level, absl::string_view msg, absl::Span<const Field> fields) {
  if (static_cast<int>(level) < g_min_level.load()) return;
  std::string line;
  line.reserve(160 + msg.size() + 32 * fields.size());
  absl::StrAppend(&line, "{\"time\":\"", Timestamp(absl::Now()), "\",\"level\":\"",
                  LevelName(level), "\",\"msg\":\"");
  AppendJsonEscaped(msg, &line);
  line += '"';
  for (const auto& [k, v] : fields) {
    line += ",\"";
    AppendJsonEscaped(k, &line);
    line += "\":\"";
    AppendJsonEscaped(v, &line);
    line += '"';
  }
  // The trace of the request this thread serves: one request's lines in every process.
  if (const trace::Context* t = trace::Current(); t != nullptr) {
    absl::StrAppend(&line, ",\"trace_id\":\"", t->trace_id, "\",\"span_id\":\"", t->span_id, "\"");
  }
  line += "}\n";
  WriteLine(line);
}

}  // namespace sokei::log
