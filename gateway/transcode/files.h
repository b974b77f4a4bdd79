// Files as files over REST. A method whose reply is a file (a message with `filename`,
// `content_type` and bytes `content`, as ExportProgressTable and ExportEvaluationReport answer)
// is downloaded as the file itself when the request says `alt=media` (the Google API convention):
// its own Content-Type, and Content-Disposition with the file name (RFC 6266, UTF-8). A method
// that takes a file (`body: "*"` and bytes `content`, as the importers do) accepts the file as the
// raw request body when its Content-Type is a file type (CSV, TSV, xlsx, octet-stream); its other
// fields then come from the query string. JSON with base64 `content` still works for both.
#pragma once

#include <google/protobuf/message.h>

#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "gateway/transcode/routes.h"

namespace sokei::gateway {

// The reply type is a file: string filename, string content_type, bytes content.
bool IsFileReply(const google::protobuf::Descriptor* reply);
// The method takes a file: the whole request is the body and it has bytes `content`.
bool TakesFileUpload(const Route& route);
// A request Content-Type that carries a file rather than JSON.
bool IsFileContentType(absl::string_view content_type);

// Removes `alt=media` from `query`; true when it was there. Any other `alt` value is left for the
// binder to refuse.
bool TakeAltMedia(std::string* query);

// Binds an upload: path variables, the query string for every field but `content`, and `raw` as
// `content`. INVALID_ARGUMENT naming the parameter at fault, as BindRequest.
absl::Status BindFileUpload(const Route& route,
                            const std::vector<std::pair<std::string, std::string>>& path_bindings,
                            absl::string_view query, std::string raw,
                            google::protobuf::Message* request);

// `attachment; filename="…"; filename*=UTF-8''…` — an ASCII fallback and the exact UTF-8 name.
std::string ContentDisposition(absl::string_view filename);

}  // namespace sokei::gateway
