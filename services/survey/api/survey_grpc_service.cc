#include "services/survey/api/survey_grpc_service.h"

#include <malloc.h>

#include <type_traits>

#include "common/deadline/deadline.h"
#include "common/grpcx/adapter.h"
#include "common/grpcx/call_log.h"
#include "common/status/grpc_status.h"
#include "common/status/status.h"
#include "common/trace/trace.h"

namespace sokei::survey {

template <typename Req, typename Resp>
grpc::Status SurveyGrpcService::Call(grpc::ServerContext* ctx, const char* method, const Req& req,
                                     Resp* resp,
                                     absl::StatusOr<Resp> (SurveyDomain::*fn)(const Principal&,
                                                                              const Req&)) {
  const uint64_t compiles = domain_->compiles();
  grpc::Status s = grpcx::ServeUnary(ctx, identity_, method, domain_, fn, req, resp);
  if (std::is_same_v<Req, pb::ImportResponsesRequest> || domain_->compiles() != compiles) {
    ReturnFreedMemory();
  }
  return s;
}

// An import's file, its decoded text and its rows, and a compile's copy of every stored
// respondent, are freed when the call ends; glibc keeps freed heap for reuse unless asked, and a
// service that imported 50,000 rows or compiled 1,000,000 would otherwise sit on it.
void SurveyGrpcService::ReturnFreedMemory() { malloc_trim(0); }

#define SOKEI_SURVEY_RPC(Method, Req, Resp)                                                      \
  grpc::Status SurveyGrpcService::Method(grpc::ServerContext* ctx, const Req* req, Resp* resp) { \
    return Call<Req, Resp>(ctx, #Method, *req, resp, &SurveyDomain::Method);                     \
  }
SOKEI_SURVEY_METHODS(SOKEI_SURVEY_RPC)
#undef SOKEI_SURVEY_RPC

grpc::Status SurveyGrpcService::StreamResponses(
    grpc::ServerContext* ctx, grpc::ServerReader<pb::ImportResponsesRequest>* reader,
    pb::ImportResponsesResponse* resp) {
  const auto metadata = grpcx::SokeiMetadata(*ctx);
  auto principal = identity_.Read(metadata);
  if (!principal.ok()) return grpcx::FinishCall(metadata, "StreamResponses", principal.status());
  // The first message carries the survey and the options; every message the next bytes.
  pb::ImportResponsesRequest whole, part;
  bool first = true;
  while (reader->Read(&part)) {
    if (first) {
      whole = part;
      first = false;
    } else {
      if (!part.survey().empty() && part.survey() != whole.survey()) {
        return grpcx::FinishCall(
            metadata, "StreamResponses",
            status::InvalidField("RESPONSES_STREAM_INVALID", "survey",
                                 "every message of the stream must name the same survey"));
      }
      whole.mutable_content()->append(part.content());
    }
    if (whole.content().size() > SurveyDomain::kMaxStreamImportBytes) {
      return grpcx::FinishCall(metadata, "StreamResponses",
                               status::InvalidField("RESPONSES_TOO_LARGE", "content",
                                                    "the file is larger than 256 MiB"));
    }
  }
  if (ctx->IsCancelled()) {
    return grpcx::FinishCall(metadata, "StreamResponses",
                             absl::CancelledError("the client cancelled the stream"));
  }
  if (first) {
    return grpcx::FinishCall(metadata, "StreamResponses",
                             status::InvalidField("RESPONSES_STREAM_INVALID", "survey",
                                                  "the stream carried no message"));
  }
  absl::StatusOr<pb::ImportResponsesResponse> result;
  {
    deadline::Scope scope(ctx->deadline());
    trace::Scope traced(grpcx::IncomingTrace(*ctx));
    const auto start = std::chrono::steady_clock::now();
    result = domain_->ImportResponses(*principal, whole);
    grpcx::LogCall(*ctx, "StreamResponses",
                   result.ok() ? grpc::Status::OK : status::ToGrpc(result.status()),
                   std::chrono::steady_clock::now() - start);
  }
  pb::ImportResponsesRequest().Swap(&whole);  // the file's bytes freed, not kept for reuse
  pb::ImportResponsesRequest().Swap(&part);
  ReturnFreedMemory();
  if (!result.ok()) return grpcx::FinishCall(metadata, "StreamResponses", result.status());
  *resp = std::move(*result);
  return grpc::Status::OK;
}

std::unique_ptr<grpcx::DispatchTable> MakeDispatchTable(DispatchedSurveyService* service) {
  auto table = std::make_unique<grpcx::DispatchTable>(
      service, pb::GetSurveyRequest::descriptor()->file()->FindServiceByName("SurveyService"));
#define SOKEI_SURVEY_DISPATCH(Method, Req, Resp)                                          \
  table->Add<SurveyGrpcService, Req, Resp>(                                               \
      service, #Method, [service](grpc::ServerContext* ctx, const Req* req, Resp* resp) { \
        return service->Method(ctx, req, resp);                                           \
      });
  SOKEI_SURVEY_METHODS(SOKEI_SURVEY_DISPATCH)
#undef SOKEI_SURVEY_DISPATCH
  table->KeepSync("ListChanges");
  table->KeepSync("StreamResponses");
  table->KeepSync("WatchChanges");
  return table;
}

}  // namespace sokei::survey
