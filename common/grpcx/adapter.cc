#include "common/grpcx/adapter.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "common/log/log.h"
#include "common/status/grpc_status.h"
#include "common/status/status.h"

namespace sokei::grpcx {

std::multimap<std::string, std::string> SokeiMetadata(const grpc::ServerContext& ctx) {
  std::multimap<std::string, std::string> out;
  for (const auto& [k, v] : ctx.client_metadata()) {
    if (k.starts_with("x-sokei-") || k == "x-request-id") {
      out.emplace(std::string(k.data(), k.size()), std::string(v.data(), v.size()));
    }
  }
  return out;
}

grpc::Status FinishCall(const std::multimap<std::string, std::string>& metadata, const char* method,
                        const absl::Status& s) {
  if (s.ok()) return grpc::Status::OK;
  if (s.code() == absl::StatusCode::kInternal || s.code() == absl::StatusCode::kUnavailable) {
    auto rid = metadata.find("x-request-id");
    auto info = status::GetErrorInfo(s);
    log::Warn("rpc failed", {{"method", method},
                             {"code", absl::StatusCodeToString(s.code())},
                             {"reason", info ? info->reason : ""},
                             {"request_id", rid == metadata.end() ? "" : rid->second}});
  }
  return status::ToGrpc(s);
}

bool ParseByteBuffer(const grpc::ByteBuffer& buffer, google::protobuf::MessageLite* message) {
  std::vector<grpc::Slice> slices;
  if (!buffer.Dump(&slices).ok()) return false;
  std::string bytes;
  for (const auto& s : slices) bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
  return message->ParseFromString(bytes);
}

absl::Status RequestNotParsed(const std::string& type) {
  return status::InvalidField("REQUEST_INVALID", "", absl::StrCat("the request is not a ", type));
}

grpc::ByteBuffer OwnedByteBuffer(std::string bytes) {
  auto* owned = new std::string(std::move(bytes));
  grpc::Slice slice(
      owned->data(), owned->size(), [](void* p) { delete static_cast<std::string*>(p); }, owned);
  return grpc::ByteBuffer(&slice, 1);
}

}  // namespace sokei::grpcx
