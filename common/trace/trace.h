// W3C Trace Context (traceparent / tracestate) through the suite: the gateway takes a caller's
// traceparent or starts a trace, every hop forwards it in gRPC metadata with a span id of its own,
// and the trace of the request a thread serves is written into every log line (common/log), so one
// request's lines can be found in all four processes by its trace id.
#pragma once

#include <optional>
#include <string>

#include "absl/strings/string_view.h"

namespace sokei::trace {

inline constexpr char kTraceparentKey[] = "traceparent";
inline constexpr char kTracestateKey[] = "tracestate";

struct Context {
  std::string trace_id;  // 32 lower-case hex digits
  std::string span_id;   // 16: the span of the hop that is running
  std::string flags = "01";
  std::string tracestate;  // passed on unchanged
};

// A valid version-00 traceparent ("00-<trace>-<parent span>-<flags>"), all-zero ids refused.
std::optional<Context> Parse(absl::string_view traceparent, absl::string_view tracestate = "");

// A new trace (random ids), sampled.
Context Start();

// The context of a hop below `parent`: the same trace, a new span.
Context Child(const Context& parent);

// The traceparent header of `c`.
std::string Traceparent(const Context& c);

// The trace of the request this thread serves, if any.
const Context* Current();

// Makes `c` the thread's current trace for the scope's lifetime (nested scopes restore).
class Scope {
 public:
  explicit Scope(Context c);
  ~Scope();
  Scope(const Scope&) = delete;
  Scope& operator=(const Scope&) = delete;

 private:
  Context context_;
  const Context* previous_;
};

}  // namespace sokei::trace
