#include "common/trace/trace.h"

#include <vector>

#include "absl/random/random.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace sokei::trace {
namespace {

thread_local const Context* t_current = nullptr;

bool Hex(absl::string_view s, size_t n) {
  if (s.size() != n) return false;
  bool nonzero = false;
  for (char c : s) {
    if (!absl::ascii_isxdigit(c) || absl::ascii_isupper(c)) return false;
    nonzero |= c != '0';
  }
  return nonzero || n == 2;
}

// `bytes` random bytes, none zero (an all-zero id is invalid), as lower-case hex.
std::string RandomHex(size_t bytes) {
  static thread_local absl::BitGen gen;
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(bytes * 2, '0');
  for (size_t i = 0; i < bytes; ++i) {
    const unsigned b = absl::Uniform<unsigned>(gen, 1, 256);
    out[2 * i] = kDigits[b >> 4];
    out[2 * i + 1] = kDigits[b & 0xf];
  }
  return out;
}

}  // namespace

std::optional<Context> Parse(absl::string_view traceparent, absl::string_view tracestate) {
  std::vector<absl::string_view> parts =
      absl::StrSplit(absl::StripAsciiWhitespace(traceparent), '-');
  if (parts.size() != 4 || parts[0] != "00" || !Hex(parts[1], 32) || !Hex(parts[2], 16) ||
      !Hex(parts[3], 2)) {
    return std::nullopt;
  }
  Context c;
  c.trace_id = std::string(parts[1]);
  c.span_id = std::string(parts[2]);
  c.flags = std::string(parts[3]);
  if (tracestate.size() <= 512) c.tracestate = std::string(tracestate);
  return c;
}

Context Start() {
  Context c;
  c.trace_id = RandomHex(16);
  c.span_id = RandomHex(8);
  return c;
}

Context Child(const Context& parent) {
  Context c = parent;
  c.span_id = RandomHex(8);
  return c;
}

std::string Traceparent(const Context& c) {
  return absl::StrCat("00-", c.trace_id, "-", c.span_id, "-", c.flags);
}

const Context* Current() { return t_current; }

Scope::Scope(Context c) : context_(std::move(c)), previous_(t_current) { t_current = &context_; }
Scope::~Scope() { t_current = previous_; }

}  // namespace sokei::trace
