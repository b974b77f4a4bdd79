#include "services/kpi/api/kpi_grpc_service.h"

#include <type_traits>

#include "common/deadline/deadline.h"
#include "common/grpcx/adapter.h"
#include "common/status/status.h"

namespace sokei::kpi {

namespace {
// The domain refuses a table over 16 MiB; the stream stops gathering a little after that.
constexpr size_t kMaxStreamedTableBytes = (16 << 20) + 1;
}  // namespace

template <typename Req, typename Resp>
grpc::Status KpiGrpcService::Call(grpc::ServerContext* ctx, const char* method, const Req& req,
                                  Resp* resp,
                                  absl::StatusOr<Resp> (KpiDomain::*fn)(const Principal&,
                                                                        const Req&)) {
  return grpcx::ServeUnary(ctx, identity_, method, domain_, fn, req, resp);
}

#define SOKEI_KPI_RPC(Method, Req, Resp)                                                      \
  grpc::Status KpiGrpcService::Method(grpc::ServerContext* ctx, const Req* req, Resp* resp) { \
    return Call<Req, Resp>(ctx, #Method, *req, resp, &KpiDomain::Method);                     \
  }
SOKEI_KPI_METHODS(SOKEI_KPI_RPC)
#undef SOKEI_KPI_RPC

grpc::Status KpiGrpcService::StreamProgressTable(
    grpc::ServerContext* ctx, grpc::ServerReader<pb::ImportProgressTableRequest>* reader,
    pb::ImportProgressTableResponse* resp) {
  return grpcx::ServeStream(
      ctx, identity_, "StreamProgressTable", [&](const Principal& p) -> absl::Status {
        // The first message names the plan and carries the options; every message the next bytes.
        pb::ImportProgressTableRequest whole, part;
        bool first = true;
        while (reader->Read(&part)) {
          if (first) {
            whole = std::move(part);
            first = false;
          } else {
            if (!part.parent().empty() && part.parent() != whole.parent()) {
              return status::InvalidField("IMPORT_STREAM_INVALID", "parent",
                                          "every message of the stream must name the same plan");
            }
            whole.mutable_content()->append(part.content());
          }
          part.Clear();
          if (whole.content().size() > kMaxStreamedTableBytes) {
            return status::InvalidField("IMPORT_TOO_LARGE", "content", "at most 16 MiB per import");
          }
        }
        if (ctx->IsCancelled()) return absl::CancelledError("the client cancelled the stream");
        if (first) {
          return status::InvalidField("IMPORT_STREAM_INVALID", "parent",
                                      "the stream carried no message");
        }
        deadline::Scope scope(ctx->deadline());
        auto result = domain_->ImportProgressTable(p, whole);
        if (!result.ok()) return result.status();
        *resp = std::move(*result);
        return absl::OkStatus();
      });
}

namespace {

// Writes `file` as parts of 256 KiB, the first with its name, type and size.
absl::Status WriteParts(const pb::ExportedFile& file, grpc::ServerWriter<pb::FileChunk>* writer) {
  constexpr size_t kPart = 256 << 10;
  const std::string& bytes = file.content();
  for (size_t off = 0; off == 0 || off < bytes.size(); off += kPart) {
    pb::FileChunk part;
    if (off == 0) {
      part.set_filename(file.filename());
      part.set_content_type(file.content_type());
      part.set_size(static_cast<int64_t>(bytes.size()));
    }
    part.set_data(bytes.substr(off, kPart));
    if (!writer->Write(part)) return absl::CancelledError("the client went away");
  }
  return absl::OkStatus();
}

}  // namespace

grpc::Status KpiGrpcService::DownloadProgressTable(grpc::ServerContext* ctx,
                                                   const pb::ExportProgressTableRequest* req,
                                                   grpc::ServerWriter<pb::FileChunk>* writer) {
  return grpcx::ServeStream(ctx, identity_, "DownloadProgressTable",
                            [&](const Principal& p) -> absl::Status {
                              deadline::Scope scope(ctx->deadline());
                              auto file = domain_->ExportProgressTable(p, *req);
                              if (!file.ok()) return file.status();
                              return WriteParts(*file, writer);
                            });
}

grpc::Status KpiGrpcService::DownloadEvaluationReport(grpc::ServerContext* ctx,
                                                      const pb::ExportEvaluationReportRequest* req,
                                                      grpc::ServerWriter<pb::FileChunk>* writer) {
  return grpcx::ServeStream(ctx, identity_, "DownloadEvaluationReport",
                            [&](const Principal& p) -> absl::Status {
                              deadline::Scope scope(ctx->deadline());
                              auto file = domain_->ExportEvaluationReport(p, *req);
                              if (!file.ok()) return file.status();
                              return WriteParts(*file, writer);
                            });
}

grpc::Status KpiGrpcService::GetPlanSummaryRaw(grpc::ServerContext* ctx,
                                               const grpc::ByteBuffer* req,
                                               grpc::ByteBuffer* resp) {
  return grpcx::ServeUnaryBytes<pb::GetPlanSummaryRequest>(
      ctx, identity_, "GetPlanSummary", req, resp,
      [this](const Principal& p, const pb::GetPlanSummaryRequest& r) {
        return domain_->GetPlanSummaryBytes(p, r);
      });
}

namespace {

template <class Req, class Resp, class Handler>
void AddMethod(grpcx::DispatchTable* table, DispatchedKpiService* service, const char* name,
               Handler handler) {
  if constexpr (std::is_same_v<Req, pb::GetPlanSummaryRequest>) {
    // The hot read goes out as bytes (see GetPlanSummaryRaw).
    table->Add<KpiGrpcService, grpc::ByteBuffer, grpc::ByteBuffer>(
        service, name,
        [service](grpc::ServerContext* ctx, const grpc::ByteBuffer* req, grpc::ByteBuffer* resp) {
          return service->GetPlanSummaryRaw(ctx, req, resp);
        });
  } else {
    table->Add<KpiGrpcService, Req, Resp>(service, name, std::move(handler));
  }
}

}  // namespace

std::unique_ptr<grpcx::DispatchTable> MakeDispatchTable(DispatchedKpiService* service) {
  auto table = std::make_unique<grpcx::DispatchTable>(
      service, pb::GetIndicatorRequest::descriptor()->file()->FindServiceByName("KpiService"));
#define SOKEI_KPI_DISPATCH(Method, Req, Resp)                                            \
  AddMethod<Req, Resp>(table.get(), service, #Method,                                    \
                       [service](grpc::ServerContext* ctx, const Req* req, Resp* resp) { \
                         return service->Method(ctx, req, resp);                         \
                       });
  SOKEI_KPI_METHODS(SOKEI_KPI_DISPATCH)
#undef SOKEI_KPI_DISPATCH
  table->KeepSync("ListChanges");
  table->KeepSync("WatchChanges");
  table->KeepSync("StreamProgressTable");
  table->KeepSync("DownloadProgressTable");
  table->KeepSync("DownloadEvaluationReport");
  return table;
}

}  // namespace sokei::kpi
