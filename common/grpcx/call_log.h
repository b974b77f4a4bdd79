// What every served call leaves behind: the trace it belongs to (the caller's traceparent, or a new
// trace) and one access line — method, code, time, request id — written under that trace.
#pragma once

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <string>

#include "common/trace/trace.h"

namespace sokei::grpcx {

// The trace of an incoming call: a child of the caller's traceparent, or a new trace.
trace::Context IncomingTrace(const grpc::ServerContext& ctx);

// The access line of a call ("rpc"), under the thread's current trace, and its count and time in
// the process's call metrics (common/metrics).
void LogCall(const grpc::ServerContext& ctx, const std::string& method, const grpc::Status& status,
             std::chrono::steady_clock::duration took);

}  // namespace sokei::grpcx
