#include "gateway/transcode/transcoder.h"

#include <google/protobuf/field_mask.pb.h>
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <memory>
#include <set>

#include "absl/strings/escaping.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/jp/text.h"
#include "common/status/grpc_status.h"
#include "common/status/status.h"
#include "gateway/transcode/json_render.h"
#include "google/rpc/status.pb.h"

namespace sokei::gateway {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

absl::Status Invalid(const std::string& field, const std::string& why) {
  return status::InvalidField("REST_REQUEST_INVALID", field, why);
}

// The message holding the last field of `path`, created on the way.
Message* MutableParent(Message* m, absl::string_view path, const FieldDescriptor** leaf) {
  std::vector<absl::string_view> parts = absl::StrSplit(path, '.');
  for (size_t i = 0; i < parts.size(); ++i) {
    const Descriptor* d = m->GetDescriptor();
    const FieldDescriptor* f = FindField(d, parts[i]);
    if (f == nullptr) return nullptr;
    if (i + 1 == parts.size()) {
      *leaf = f;
      return m;
    }
    if (f->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE || f->is_repeated()) return nullptr;
    m = m->GetReflection()->MutableMessage(m, f);
  }
  return nullptr;
}

// The short form of an enum value the docs and people write — `format=xlsx` for TABLE_FORMAT_XLSX,
// `csv-cp932` for TABLE_FORMAT_CSV_CP932 — case-insensitive; never the UNSPECIFIED value.
const google::protobuf::EnumValueDescriptor* FindShortEnumValue(
    const google::protobuf::EnumDescriptor* type, const std::string& value) {
  // The values' common prefix: the name of the zero value up to its "UNSPECIFIED".
  const std::string zero = type->value_count() > 0 ? type->value(0)->name() : "";
  if (value.empty() || !absl::EndsWith(zero, "UNSPECIFIED")) return nullptr;
  std::string name = absl::AsciiStrToUpper(value);
  std::replace(name.begin(), name.end(), '-', '_');
  if (name == "UNSPECIFIED") return nullptr;
  return type->FindValueByName(absl::StrCat(zero.substr(0, zero.size() - 11), name));
}

// Sets (or, for repeated fields, adds) one scalar value given as text.
absl::Status SetScalar(Message* m, const FieldDescriptor* f, const std::string& value,
                       const std::string& name) {
  const Reflection* r = m->GetReflection();
  const bool rep = f->is_repeated();
  auto bad = [&](const char* what) { return Invalid(name, absl::StrCat("expects ", what)); };
  switch (f->cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING: {
      std::string v = value;
      if (f->type() == FieldDescriptor::TYPE_BYTES && !absl::WebSafeBase64Unescape(value, &v) &&
          !absl::Base64Unescape(value, &v)) {
        return bad("base64");
      }
      // A path or query value is percent-decoded bytes; a string field takes UTF-8 only (the
      // service could not parse the request otherwise).
      if (f->type() == FieldDescriptor::TYPE_STRING && !jp::IsValidUtf8(v)) {
        return bad("UTF-8 text");
      }
      rep ? r->AddString(m, f, v) : r->SetString(m, f, v);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_INT32: {
      int32_t v;
      if (!absl::SimpleAtoi(value, &v)) return bad("an integer");
      rep ? r->AddInt32(m, f, v) : r->SetInt32(m, f, v);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_INT64: {
      int64_t v;
      if (!absl::SimpleAtoi(value, &v)) return bad("an integer");
      rep ? r->AddInt64(m, f, v) : r->SetInt64(m, f, v);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_UINT32: {
      uint32_t v;
      if (!absl::SimpleAtoi(value, &v)) return bad("a non-negative integer");
      rep ? r->AddUInt32(m, f, v) : r->SetUInt32(m, f, v);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_UINT64: {
      uint64_t v;
      if (!absl::SimpleAtoi(value, &v)) return bad("a non-negative integer");
      rep ? r->AddUInt64(m, f, v) : r->SetUInt64(m, f, v);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_DOUBLE:
    case FieldDescriptor::CPPTYPE_FLOAT: {
      double v;
      if (!absl::SimpleAtod(value, &v)) return bad("a number");
      if (f->cpp_type() == FieldDescriptor::CPPTYPE_DOUBLE) {
        rep ? r->AddDouble(m, f, v) : r->SetDouble(m, f, v);
      } else {
        rep ? r->AddFloat(m, f, static_cast<float>(v)) : r->SetFloat(m, f, static_cast<float>(v));
      }
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_BOOL: {
      bool v;
      if (value == "true" || value == "1") {
        v = true;
      } else if (value == "false" || value == "0") {
        v = false;
      } else {
        return bad("true or false");
      }
      rep ? r->AddBool(m, f, v) : r->SetBool(m, f, v);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_ENUM: {
      const auto* e = f->enum_type()->FindValueByName(value);
      if (e == nullptr) e = FindShortEnumValue(f->enum_type(), value);
      int number = 0;
      if (e == nullptr && absl::SimpleAtoi(value, &number))
        e = f->enum_type()->FindValueByNumber(number);
      if (e == nullptr) return bad(absl::StrCat("a value of ", f->enum_type()->name()).c_str());
      rep ? r->AddEnum(m, f, e) : r->SetEnum(m, f, e);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_MESSAGE: {
      // Well-known types in query strings (update_mask=a,b; times): their JSON string form.
      Message* target = rep ? r->AddMessage(m, f) : r->MutableMessage(m, f);
      std::string quoted;
      for (char c : value) {
        if (c == '"' || c == '\\') quoted.push_back('\\');
        quoted.push_back(c);
      }
      google::protobuf::util::JsonParseOptions o;
      if (!google::protobuf::util::JsonStringToMessage(absl::StrCat("\"", quoted, "\""), target, o)
               .ok()) {
        return bad("a value in its JSON string form");
      }
      return absl::OkStatus();
    }
  }
  return bad("a scalar");
}

std::string DecodeQueryPart(absl::string_view in, bool* ok) {
  std::string plus;
  for (char c : in) plus.push_back(c == '+' ? ' ' : c);
  std::string out;
  *ok = PercentDecode(plus, false, &out);
  return out;
}

bool Under(const std::string& path, const std::string& prefix) {
  return path == prefix || absl::StartsWith(path, prefix + ".");
}

// The proto name path of a query key given in json or proto names.
std::string ProtoPath(const Descriptor* d, absl::string_view key) {
  std::vector<std::string> out;
  for (absl::string_view part : absl::StrSplit(key, '.')) {
    if (d == nullptr) return "";
    const FieldDescriptor* f = FindField(d, part);
    if (f == nullptr) return "";
    out.push_back(f->name());
    d = f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE ? f->message_type() : nullptr;
  }
  return absl::StrJoin(out, ".");
}

}  // namespace

absl::Status BindRequest(const Route& route,
                         const std::vector<std::pair<std::string, std::string>>& path_bindings,
                         absl::string_view query, absl::string_view body, Message* request) {
  const Descriptor* d = request->GetDescriptor();
  google::protobuf::util::JsonParseOptions json;
  json.ignore_unknown_fields = false;
  // The body first; path variables then take precedence over anything it said.
  std::vector<std::string> body_keys;
  const bool has_body = !body.empty();
  if (route.body.empty() && has_body) return Invalid("body", "this method takes no body");
  if (!route.body.empty() && has_body) {
    if (route.body == "*") {
      auto s = google::protobuf::util::JsonStringToMessage(std::string(body), request, json);
      if (!s.ok()) return Invalid("body", std::string(s.message()).substr(0, 200));
    } else {
      const FieldDescriptor* f = d->FindFieldByName(route.body);
      std::unique_ptr<Message> tmp(request->New());
      auto s = google::protobuf::util::JsonStringToMessage(
          absl::StrCat("{\"", f->json_name(), "\":", body, "}"), tmp.get(), json);
      if (!s.ok()) return Invalid(route.body, std::string(s.message()).substr(0, 200));
      request->MergeFrom(*tmp);
      // The keys the client sent: a PATCH without update_mask updates exactly those.
      google::protobuf::Struct keys;
      if (google::protobuf::util::JsonStringToMessage(std::string(body), &keys).ok() &&
          f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
        for (const auto& [key, value] : keys.fields()) {
          const FieldDescriptor* sub = FindField(f->message_type(), key);
          if (sub != nullptr) body_keys.push_back(sub->name());
        }
      }
    }
  }
  std::set<std::string> bound;
  for (const auto& [path, value] : path_bindings) {
    const FieldDescriptor* leaf = nullptr;
    Message* parent = MutableParent(request, path, &leaf);
    if (parent == nullptr) return Invalid(path, "no such field");
    SOKEI_RETURN_IF_ERROR(SetScalar(parent, leaf, value, path));
    bound.insert(ProtoPath(d, path));
  }
  bool mask_in_query = false;
  if (!query.empty()) {
    for (absl::string_view pair : absl::StrSplit(query, '&', absl::SkipEmpty())) {
      const size_t eq = pair.find('=');
      bool ok1 = true, ok2 = true;
      const std::string key = DecodeQueryPart(pair.substr(0, eq), &ok1);
      const std::string value =
          eq == absl::string_view::npos ? "" : DecodeQueryPart(pair.substr(eq + 1), &ok2);
      if (!ok1 || !ok2) return Invalid(key.empty() ? "query" : key, "bad percent-encoding");
      const std::string path = ProtoPath(d, key);
      if (path.empty()) return Invalid(key, "no such parameter");
      if (route.body == "*") return Invalid(key, "this method takes its fields in the body");
      if (!route.body.empty() && Under(path, route.body)) {
        return Invalid(key, "this field belongs in the body");
      }
      for (const auto& b : bound) {
        if (Under(path, b)) return Invalid(key, "this field is set by the path");
      }
      const FieldDescriptor* leaf = nullptr;
      Message* parent = MutableParent(request, path, &leaf);
      if (parent == nullptr) return Invalid(key, "no such parameter");
      if (leaf->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE &&
          leaf->message_type()->full_name().rfind("google.protobuf.", 0) != 0) {
        return Invalid(key, "a message field: name one of its fields (a.b=value)");
      }
      SOKEI_RETURN_IF_ERROR(SetScalar(parent, leaf, value, key));
      mask_in_query |= path == "update_mask";
    }
  }
  if (route.http_method == "PATCH" && !mask_in_query && !body_keys.empty()) {
    const FieldDescriptor* mask = d->FindFieldByName("update_mask");
    if (mask != nullptr && mask->message_type() != nullptr &&
        mask->message_type()->full_name() == "google.protobuf.FieldMask" &&
        !request->GetReflection()->HasField(*request, mask)) {
      auto* fm = static_cast<google::protobuf::FieldMask*>(
          request->GetReflection()->MutableMessage(request, mask));
      std::sort(body_keys.begin(), body_keys.end());
      for (const auto& k : body_keys) fm->add_paths(k);
    }
  }
  return absl::OkStatus();
}

std::string RenderJson(const Message& message) {
  std::string out;
  if (JsonDirectSupports(message.GetDescriptor())) {
    RenderJsonDirect(message, &out);
    return out;
  }
  google::protobuf::util::JsonPrintOptions o;
  (void)google::protobuf::util::MessageToJsonString(message, &out, o);
  return out;
}

int HttpStatusFor(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK:
      return 200;
    case grpc::StatusCode::INVALID_ARGUMENT:
    case grpc::StatusCode::FAILED_PRECONDITION:
    case grpc::StatusCode::OUT_OF_RANGE:
      return 400;
    case grpc::StatusCode::UNAUTHENTICATED:
      return 401;
    case grpc::StatusCode::PERMISSION_DENIED:
      return 403;
    case grpc::StatusCode::NOT_FOUND:
      return 404;
    case grpc::StatusCode::ALREADY_EXISTS:
    case grpc::StatusCode::ABORTED:
      return 409;
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return 429;
    case grpc::StatusCode::CANCELLED:
      return 499;
    case grpc::StatusCode::UNIMPLEMENTED:
      return 501;
    case grpc::StatusCode::UNAVAILABLE:
      return 503;
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return 504;
    default:
      return 500;
  }
}

std::string RenderError(const grpc::Status& s) {
  google::rpc::Status rpc;
  if (s.error_details().empty() || !rpc.ParseFromString(s.error_details())) {
    rpc.Clear();
    rpc.set_code(static_cast<int>(s.error_code()));
    rpc.set_message(s.error_message());
  }
  return RenderJson(rpc);
}

std::string RenderError(const absl::Status& s) { return RenderError(status::ToGrpc(s)); }

}  // namespace sokei::gateway
