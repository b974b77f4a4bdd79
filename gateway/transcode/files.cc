#include "gateway/transcode/files.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/status/status.h"
#include "gateway/transcode/transcoder.h"

namespace sokei::gateway {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;

bool HasField(const Descriptor* d, const char* name, FieldDescriptor::Type type) {
  const FieldDescriptor* f = d->FindFieldByName(name);
  return f != nullptr && !f->is_repeated() && f->type() == type;
}

}  // namespace

bool IsFileReply(const Descriptor* reply) {
  return HasField(reply, "filename", FieldDescriptor::TYPE_STRING) &&
         HasField(reply, "content_type", FieldDescriptor::TYPE_STRING) &&
         HasField(reply, "content", FieldDescriptor::TYPE_BYTES);
}

bool TakesFileUpload(const Route& route) {
  return route.body == "*" &&
         HasField(route.method->input_type(), "content", FieldDescriptor::TYPE_BYTES);
}

bool IsFileContentType(absl::string_view content_type) {
  const std::string t(
      absl::StripAsciiWhitespace(absl::AsciiStrToLower(content_type.substr(0, content_type.find(';')))));
  return t == "text/csv" || t == "text/tab-separated-values" || t == "application/octet-stream" ||
         t == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" ||
         t == "application/vnd.ms-excel";
}

bool TakeAltMedia(std::string* query) {
  std::vector<std::string> kept;
  bool media = false;
  for (absl::string_view pair : absl::StrSplit(*query, '&', absl::SkipEmpty())) {
    if (pair == "alt=media") {
      media = true;
    } else {
      kept.emplace_back(pair);
    }
  }
  if (media) *query = absl::StrJoin(kept, "&");
  return media;
}

absl::Status BindFileUpload(const Route& route,
                            const std::vector<std::pair<std::string, std::string>>& path_bindings,
                            absl::string_view query, std::string raw,
                            google::protobuf::Message* request) {
  // The same binder, told that nothing comes in a body: every field may come from the query.
  Route as_query = route;
  as_query.body = "";
  SOKEI_RETURN_IF_ERROR(BindRequest(as_query, path_bindings, query, "", request));
  const FieldDescriptor* content = request->GetDescriptor()->FindFieldByName("content");
  const auto* refl = request->GetReflection();
  if (!refl->GetString(*request, content).empty()) {
    return status::InvalidField("REST_REQUEST_INVALID", "content",
                                "the file is the request body, not a query parameter");
  }
  refl->SetString(request, content, std::move(raw));
  return absl::OkStatus();
}

std::string ContentDisposition(absl::string_view filename) {
  std::string ascii, encoded;
  for (unsigned char c : filename) {
    const bool safe = absl::ascii_isalnum(c) || c == '.' || c == '-' || c == '_';
    ascii.push_back(c < 0x80 && c >= 0x20 && c != '"' && c != '\\' ? static_cast<char>(c) : '_');
    if (safe) {
      encoded.push_back(static_cast<char>(c));
    } else {
      absl::StrAppendFormat(&encoded, "%%%02X", c);
    }
  }
  return absl::StrCat("attachment; filename=\"", ascii, "\"; filename*=UTF-8''", encoded);
}

}  // namespace sokei::gateway
