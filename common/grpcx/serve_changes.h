// The change feed's two methods as every service serves them (common/api/change_feed.h), both on
// gRPC's sync threads: WatchChanges writes to the stream until the caller cancels or the server
// shuts down (which cancels the call); ListChanges may wait up to 25 s for a change, and must not
// hold a completion-queue thread (common/grpcx/dispatch.h) that quick calls are waiting for.
#pragma once

#include <grpcpp/grpcpp.h>
#include <grpcpp/support/sync_stream.h>

#include "common/api/change_feed.h"
#include "common/deadline/deadline.h"
#include "common/grpcx/adapter.h"

namespace sokei::grpcx {

inline grpc::Status ServeWatch(grpc::ServerContext* ctx, const auth::IdentityCheck& identity,
                               api::ChangeFeed& feed, const type::v1::WatchChangesRequest& req,
                               grpc::ServerWriter<type::v1::ChangeEvent>* writer) {
  return ServeStream(ctx, identity, "WatchChanges", [&](const auth::Principal& p) {
    return feed.Watch(
        p, req, [&](const type::v1::ChangeEvent& e) { return writer->Write(e); },
        [&] { return ctx->IsCancelled(); });
  });
}

inline grpc::Status ServeListChanges(grpc::ServerContext* ctx, const auth::IdentityCheck& identity,
                                     api::ChangeFeed& feed, const type::v1::ListChangesRequest& req,
                                     type::v1::ListChangesResponse* resp) {
  return ServeStream(ctx, identity, "ListChanges", [&](const auth::Principal& p) -> absl::Status {
    deadline::Scope scope(ctx->deadline());
    absl::StatusOr<type::v1::ListChangesResponse> page =
        feed.List(p, req, [&] { return ctx->IsCancelled(); });
    if (!page.ok()) return page.status();
    *resp = std::move(*page);
    return absl::OkStatus();
  });
}

}  // namespace sokei::grpcx

// Inside a service's gRPC class with members `identity_` (auth::IdentityCheck) and `domain_` (whose
// changes() is its api::ChangeFeed): the two methods of the change feed.
#define SOKEI_CHANGE_FEED_RPCS                                                                     \
  grpc::Status ListChanges(grpc::ServerContext* ctx,                                               \
                           const ::sokei::type::v1::ListChangesRequest* req,                       \
                           ::sokei::type::v1::ListChangesResponse* resp) override {                \
    return ::sokei::grpcx::ServeListChanges(ctx, identity_, domain_->changes(), *req, resp);       \
  }                                                                                                \
  grpc::Status WatchChanges(grpc::ServerContext* ctx,                                              \
                            const ::sokei::type::v1::WatchChangesRequest* req,                     \
                            grpc::ServerWriter<::sokei::type::v1::ChangeEvent>* writer) override { \
    return ::sokei::grpcx::ServeWatch(ctx, identity_, domain_->changes(), *req, writer);           \
  }
