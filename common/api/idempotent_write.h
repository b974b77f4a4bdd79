// The body of every service's write transaction: request_id idempotency (a replay of the same
// request returns the first response; the same id with another request is REQUEST_ID_REUSED), the
// change itself, the municipality's cache generation bump, and the stored response — all inside
// the caller's transaction. `Tx` has GetIdempotency, PutIdempotency and BumpGeneration.
#pragma once

#include <functional>
#include <string>

#include "absl/time/time.h"
#include "common/api/resources.h"
#include "common/api/write_context.h"
#include "common/status/status.h"

namespace sokei::api {

template <typename Tx, typename Resp>
absl::Status IdempotentWrite(Tx& tx, const std::string& municipality, const char* method,
                             const std::string& request_id,
                             const google::protobuf::Message& request, absl::Time now,
                             Resp* response, const std::function<absl::Status()>& apply) {
  response->Clear();  // the storage may run this again after a serialization conflict
  std::string fingerprint;
  if (!request_id.empty()) {
    fingerprint = Fingerprint(request);
    SOKEI_ASSIGN_OR_RETURN(auto prior, tx.GetIdempotency(municipality, request_id));
    if (prior) {
      if (prior->method != method || prior->fingerprint != fingerprint) {
        return status::InvalidField("REQUEST_ID_REUSED", "request_id",
                                    "was already used for a different request");
      }
      if (!response->ParseFromString(prior->response)) return status::Internal("STORAGE_CORRUPT");
      return absl::OkStatus();
    }
  }
  SOKEI_RETURN_IF_ERROR(apply());
  // Every committed write moves the municipality to a new cache generation.
  SOKEI_RETURN_IF_ERROR(tx.BumpGeneration(municipality));
  if (!request_id.empty()) {
    SOKEI_RETURN_IF_ERROR(tx.PutIdempotency({municipality, request_id, method, fingerprint,
                                             response->SerializeAsString(), Micros(now)}));
  }
  return absl::OkStatus();
}

// One write use case, the same in every service: the request id checked, one storage
// transaction of `repo` (retried on a serialization conflict), the write context for audit rows,
// and request_id idempotency around `fn`. `Repo::Write` gives a `Tx&`.
template <typename Resp, typename Tx, typename Repo>
absl::StatusOr<Resp> MutateOnce(Repo* repo, absl::Time now, const auth::Principal& p,
                                const std::string& municipality, const char* method,
                                const std::string& request_id,
                                const google::protobuf::Message& request,
                                const std::function<absl::Status(WriteContext<Tx>&, Resp*)>& fn) {
  SOKEI_RETURN_IF_ERROR(CheckRequestId(request_id));
  Resp response;
  SOKEI_RETURN_IF_ERROR(repo->Write([&](Tx& tx) -> absl::Status {
    WriteContext<Tx> w{tx, p, method, request_id, now};
    return IdempotentWrite(tx, municipality, method, request_id, request, now, &response,
                           [&] { return fn(w, &response); });
  }));
  return response;
}

// The same use case rehearsed (a dry run): `fn` in one transaction of `repo` that is always rolled
// back (`Repo::Rehearse` gives a `Tx&`), with a rehearsal's write context, which builds no audit
// or outbox rows. No request id, no idempotency: nothing is kept.
template <typename Resp, typename Tx, typename Repo>
absl::StatusOr<Resp> RehearseOnce(Repo* repo, absl::Time now, const auth::Principal& p,
                                  const char* method,
                                  const std::function<absl::Status(WriteContext<Tx>&, Resp*)>& fn) {
  Resp response;
  const std::string no_request_id;
  SOKEI_RETURN_IF_ERROR(repo->Rehearse([&](Tx& tx) -> absl::Status {
    WriteContext<Tx> w{tx, p, method, no_request_id, now, /*rehearsal=*/true};
    return fn(w, &response);
  }));
  return response;
}

}  // namespace sokei::api
