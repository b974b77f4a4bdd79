// The deadline of the request a thread is serving, so that work deep below (a database
// statement) can stop when the caller has given up. Set by the gRPC runtime around each handler.
#pragma once

#include <chrono>
#include <optional>

namespace sokei::deadline {

using Clock = std::chrono::system_clock;

// The current request's deadline on this thread, if any.
std::optional<Clock::time_point> Current();

// Sets the deadline for the lifetime of the object (nested scopes restore the outer one).
class Scope {
 public:
  explicit Scope(Clock::time_point deadline);
  ~Scope();
  Scope(const Scope&) = delete;
  Scope& operator=(const Scope&) = delete;

 private:
  std::optional<Clock::time_point> previous_;
};

}  // namespace sokei::deadline
