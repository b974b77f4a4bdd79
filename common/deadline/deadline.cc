#include "common/deadline/deadline.h"

namespace sokei::deadline {
namespace {
thread_local std::optional<Clock::time_point> t_deadline;
}  // namespace

std::optional<Clock::time_point> Current() { return t_deadline; }

Scope::Scope(Clock::time_point deadline) : previous_(t_deadline) {
  // gRPC reports "no deadline" as the far future.
  if (deadline < Clock::time_point::max() - std::chrono::hours(24 * 365)) t_deadline = deadline;
}

Scope::~Scope() { t_deadline = previous_; }

}  // namespace sokei::deadline
