#include "common/grpcx/lock_mode.h"

#include "absl/synchronization/mutex.h"

namespace sokei::grpcx {

void QuietLockGraphInRelease() {
#ifdef NDEBUG
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
#endif
}

}  // namespace sokei::grpcx
