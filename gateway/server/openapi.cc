// The OpenAPI 3 document of the REST routes, built from the protos' google.api.http bindings.
#include "gateway/server/openapi.h"

#include <google/protobuf/dynamic_message.h>

#include <algorithm>
#include <optional>
#include <set>

#include "absl/random/random.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/log/log.h"
#include "common/status/grpc_status.h"
#include "common/status/status.h"
#include "gateway/server/gateway_internal.h"
#include "gateway/transcode/files.h"
#include "gateway/transcode/transcoder.h"

namespace sokei::gateway {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;

// ---- OpenAPI ----

// municipalities → municipality, analyses → analysis, plans → plan.
std::string Singular(const std::string& plural) {
  if (absl::EndsWith(plural, "ies")) return plural.substr(0, plural.size() - 3) + "y";
  if (absl::EndsWith(plural, "ses")) return plural.substr(0, plural.size() - 2) + "is";
  if (absl::EndsWith(plural, "s")) return plural.substr(0, plural.size() - 1);
  return plural;
}

std::string SchemaOf(const FieldDescriptor* f, std::set<const Descriptor*>* todo) {
  std::string item;
  switch (f->cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING:
      item = f->type() == FieldDescriptor::TYPE_BYTES ? R"({"type":"string","format":"byte"})"
                                                      : R"({"type":"string"})";
      break;
    case FieldDescriptor::CPPTYPE_INT32:
    case FieldDescriptor::CPPTYPE_UINT32:
      item = R"({"type":"integer","format":"int32"})";
      break;
    case FieldDescriptor::CPPTYPE_INT64:
    case FieldDescriptor::CPPTYPE_UINT64:
      item = R"({"type":"string","format":"int64"})";
      break;
    case FieldDescriptor::CPPTYPE_DOUBLE:
    case FieldDescriptor::CPPTYPE_FLOAT:
      item = R"({"type":"number"})";
      break;
    case FieldDescriptor::CPPTYPE_BOOL:
      item = R"({"type":"boolean"})";
      break;
    case FieldDescriptor::CPPTYPE_ENUM: {
      std::vector<std::string> names;
      for (int i = 0; i < f->enum_type()->value_count(); ++i) {
        names.push_back(JsonString(f->enum_type()->value(i)->name()));
      }
      item = absl::StrCat(R"({"type":"string","enum":[)", absl::StrJoin(names, ","), "]}");
      break;
    }
    case FieldDescriptor::CPPTYPE_MESSAGE:
      if (f->is_map()) {
        item = absl::StrCat(R"({"type":"object","additionalProperties":)",
                            SchemaOf(f->message_type()->map_value(), todo), "}");
        return item;
      }
      if (f->message_type()->full_name() == "google.protobuf.Timestamp") {
        item = R"({"type":"string","format":"date-time"})";
      } else if (f->message_type()->full_name() == "google.protobuf.FieldMask") {
        item = R"({"type":"string","description":"comma-separated field paths"})";
      } else {
        todo->insert(f->message_type());
        item = absl::StrCat(R"({"$ref":"#/components/schemas/)", f->message_type()->full_name(),
                            "\"}");
      }
      break;
  }
  return f->is_repeated() ? absl::StrCat(R"({"type":"array","items":)", item, "}") : item;
}

// The route's path as OpenAPI writes it — {name=municipalities/*/plans/*} becomes
// municipalities/{municipality}/plans/{plan}: one path parameter per wildcard, named after its
// collection, so that no two routes share a path — and its parameters appended to `params`.
std::string OpenApiPath(const Route& r, std::vector<std::string>* params_out) {
  std::vector<std::string>& params = *params_out;
  std::string path = r.path.text();
  auto add_param = [&](const std::string& name, const std::string& field) {
    params.push_back(
        absl::StrCat(R"({"name":)", JsonString(name), R"(,"in":"path","required":true,)",
                     R"("schema":{"type":"string"},"description":)",
                     JsonString(absl::StrCat("part of the request field ", field)), "}"));
  };
  for (const auto& fp : r.path.FieldPaths()) {
    const size_t open = path.find("{" + fp);
    const size_t close = path.find('}', open);
    const std::string inner = path.substr(open + 1, close - open - 1);
    const size_t eq = inner.find('=');
    std::string expanded;
    if (eq == std::string::npos) {
      expanded = "{" + fp + "}";
      add_param(fp, fp);
    } else {
      std::string previous;
      for (absl::string_view seg : absl::StrSplit(inner.substr(eq + 1), '/')) {
        std::string part(seg);
        if (seg == "*" || seg == "**") {
          std::string name = previous.empty() ? fp : Singular(previous);
          if (seg == "**") name = fp;
          part = "{" + name + "}";
          add_param(name, fp);
        }
        previous = std::string(seg);
        absl::StrAppend(&expanded, expanded.empty() ? "" : "/", part);
      }
    }
    path.replace(open, close - open + 1, expanded);
  }
  return path;
}

// The request's query parameters, appended to `params`.
void QueryParameters(const Route& r, std::vector<std::string>* params_out) {
  std::vector<std::string>& params = *params_out;
  // The request's other top-level fields travel in the query when there is no whole-body
  // binding (scalars, enums, repeated scalars and the well-known types written as strings) — and
  // for a file upload sent as the raw file, every field but its `content`.
  const bool raw_upload = TakesFileUpload(r);
  if (r.body != "*" || raw_upload) {
    std::set<std::string> taken;
    for (const auto& fp : r.path.FieldPaths()) taken.insert(fp.substr(0, fp.find('.')));
    if (!r.body.empty() && r.body != "*") taken.insert(r.body);
    if (raw_upload) taken.insert("content");
    const Descriptor* in = r.method->input_type();
    for (int i = 0; i < in->field_count(); ++i) {
      const auto* f = in->field(i);
      if (taken.count(f->name())) continue;
      if (f->cpp_type() == google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE &&
          f->message_type()->full_name().rfind("google.protobuf.", 0) != 0) {
        continue;
      }
      if (f->is_map()) continue;
      std::set<const Descriptor*> unused;
      params.push_back(absl::StrCat(
          R"({"name":)", JsonString(f->json_name()), R"(,"in":"query","required":false,"schema":)",
          SchemaOf(f, &unused),
          r.body == "*"
              ? R"x(,"description":"with the raw file as the body only (else in the JSON)")x"
              : "",
          "}"));
    }
  }
}

// The schemas of the messages in `todo` and of every message they reach.
std::map<std::string, std::string> Schemas(std::set<const Descriptor*> todo) {
  std::map<std::string, std::string> schemas;
  while (!todo.empty()) {
    const Descriptor* d = *todo.begin();
    todo.erase(todo.begin());
    if (schemas.count(d->full_name())) continue;
    std::vector<std::string> props;
    std::set<const Descriptor*> more;
    for (int i = 0; i < d->field_count(); ++i) {
      props.push_back(
          absl::StrCat(JsonString(d->field(i)->json_name()), ":", SchemaOf(d->field(i), &more)));
    }
    schemas[d->full_name()] =
        absl::StrCat(R"({"type":"object","properties":{)", absl::StrJoin(props, ","), "}}");
    for (const auto* m : more) {
      if (!schemas.count(m->full_name())) todo.insert(m);
    }
  }
  return schemas;
}

}  // namespace

std::string BuildOpenApi(const RouteTable& routes) {
  std::map<std::string, std::vector<std::string>> paths;  // openapi path → operations
  std::set<const Descriptor*> todo;
  for (const Route& r : routes.routes()) {
    std::vector<std::string> params;
    const std::string path = OpenApiPath(r, &params);
    QueryParameters(r, &params);
    if (r.http_method == "GET" && IsFileReply(r.method->output_type())) {
      params.push_back(
          R"({"name":"alt","in":"query","required":false,"schema":{"type":"string","enum":["media"]},)"
          R"("description":"media: the file itself (its Content-Type, Content-Disposition) instead of JSON"})");
    }
    todo.insert(r.method->input_type());
    todo.insert(r.method->output_type());
    std::string op = absl::StrCat(JsonString(absl::AsciiStrToLower(r.http_method)),
                                  R"(:{"operationId":)", JsonString(r.method->full_name()),
                                  R"(,"tags":[)", JsonString(r.method->service()->name()),
                                  R"(],"parameters":[)", absl::StrJoin(params, ","), "]");
    if (!r.body.empty()) {
      const Descriptor* body_type =
          r.body == "*" ? r.method->input_type()
                        : r.method->input_type()->FindFieldByName(r.body)->message_type();
      if (body_type != nullptr) {
        todo.insert(body_type);
        // A file upload may also be the raw file, its other fields in the query.
        const std::string raw =
            TakesFileUpload(r)
                ? R"(,"text/csv":{"schema":{"type":"string","format":"binary"}},"text/tab-separated-values":{"schema":{"type":"string","format":"binary"}},"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet":{"schema":{"type":"string","format":"binary"}})"
                : "";
        absl::StrAppend(
            &op,
            R"(,"requestBody":{"required":true,"content":{"application/json":{"schema":{"$ref":"#/components/schemas/)",
            body_type->full_name(), R"("}})", raw, "}}");
      }
    }
    absl::StrAppend(
        &op,
        R"(,"responses":{"200":{"description":"OK","content":{"application/json":{"schema":{"$ref":"#/components/schemas/)",
        r.method->output_type()->full_name(),
        R"("}}}},"default":{"description":"google.rpc.Status","content":{"application/json":{"schema":{"$ref":"#/components/schemas/google.rpc.Status"}}}}}})");
    paths[path].push_back(op);
  }
  std::map<std::string, std::string> schemas = Schemas(std::move(todo));
  schemas["google.rpc.Status"] =
      R"({"type":"object","properties":{"code":{"type":"integer"},"message":{"type":"string"},"details":{"type":"array","items":{"type":"object"}}}})";
  std::vector<std::string> path_json, schema_json;
  for (const auto& [p, ops] : paths)
    path_json.push_back(absl::StrCat(JsonString(p), ":{", absl::StrJoin(ops, ","), "}"));
  for (const auto& [n, s] : schemas) schema_json.push_back(absl::StrCat(JsonString(n), ":", s));
  return absl::StrCat(
      R"({"openapi":"3.0.3","info":{"title":"Sokei","version":"v1","description":"REST/JSON of the Sokei services, transcoded from their google.api.http rules"},)",
      // Relative: the document is served by the gateway it describes, at whatever address.
      R"("servers":[{"url":"/","description":"the gateway serving this document"}],)",
      R"("components":{"securitySchemes":{"bearer":{"type":"http","scheme":"bearer","bearerFormat":"JWT"},"apiKey":{"type":"apiKey","in":"header","name":"X-Api-Key"}},"schemas":{)",
      absl::StrJoin(schema_json, ","), R"(}},"security":[{"bearer":[]},{"apiKey":[]}],"paths":{)",
      absl::StrJoin(path_json, ","), "}}");
}

}  // namespace sokei::gateway
