// Debian builds Abseil without NDEBUG, so every absl::Mutex — gRPC's own locks among them — keeps
// a lock-order graph to report deadlocks: a development aid that costs each lock and unlock. A
// Release binary turns it off once at start; Debug builds (the tests) keep it.
#pragma once

namespace sokei::grpcx {

void QuietLockGraphInRelease();

}  // namespace sokei::grpcx
