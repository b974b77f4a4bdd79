// The OpenAPI 3 document of the REST routes, built from the protos' google.api.http bindings with
// a JSON library: paths and parameters from the path templates, query parameters from the request
// fields bound to neither path nor body, `required` from google.api.field_behavior, summaries and
// descriptions from the contract's comments (api_docs.h).
#include "gateway/server/openapi.h"

#include <google/api/field_behavior.pb.h>

#include <nlohmann/json.hpp>
#include <set>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gateway/server/api_docs.h"
#include "gateway/server/gateway_internal.h"
#include "gateway/transcode/files.h"
#include "gateway/transcode/transcoder.h"

namespace sokei::gateway {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using Json = nlohmann::ordered_json;

// municipalities → municipality, analyses → analysis, plans → plan.
std::string Singular(const std::string& plural) {
  if (absl::EndsWith(plural, "ies")) return plural.substr(0, plural.size() - 3) + "y";
  if (absl::EndsWith(plural, "ses")) return plural.substr(0, plural.size() - 2) + "is";
  if (absl::EndsWith(plural, "s")) return plural.substr(0, plural.size() - 1);
  return plural;
}

bool Required(const FieldDescriptor* f) {
  for (int b : f->options().GetRepeatedExtension(google::api::field_behavior)) {
    if (b == google::api::REQUIRED) return true;
  }
  return false;
}

Json Ref(const Descriptor* d) { return {{"$ref", "#/components/schemas/" + d->full_name()}}; }

Json SchemaOf(const FieldDescriptor* f, std::set<const Descriptor*>* todo) {
  Json item;
  switch (f->cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING:
      item = {{"type", "string"}};
      if (f->type() == FieldDescriptor::TYPE_BYTES) item["format"] = "byte";
      break;
    case FieldDescriptor::CPPTYPE_INT32:
    case FieldDescriptor::CPPTYPE_UINT32:
      item = {{"type", "integer"}, {"format", "int32"}};
      break;
    case FieldDescriptor::CPPTYPE_INT64:
    case FieldDescriptor::CPPTYPE_UINT64:
      item = {{"type", "string"}, {"format", "int64"}};
      break;
    case FieldDescriptor::CPPTYPE_DOUBLE:
    case FieldDescriptor::CPPTYPE_FLOAT:
      item = {{"type", "number"}};
      break;
    case FieldDescriptor::CPPTYPE_BOOL:
      item = {{"type", "boolean"}};
      break;
    case FieldDescriptor::CPPTYPE_ENUM: {
      Json names = Json::array();
      for (int i = 0; i < f->enum_type()->value_count(); ++i) {
        names.push_back(f->enum_type()->value(i)->name());
      }
      item = {{"type", "string"}, {"enum", names}};
      break;
    }
    case FieldDescriptor::CPPTYPE_MESSAGE:
      if (f->is_map()) {
        return {{"type", "object"},
                {"additionalProperties", SchemaOf(f->message_type()->map_value(), todo)}};
      }
      if (f->message_type()->full_name() == "google.protobuf.Timestamp") {
        item = {{"type", "string"}, {"format", "date-time"}};
      } else if (f->message_type()->full_name() == "google.protobuf.FieldMask") {
        item = {{"type", "string"}, {"description", "comma-separated field paths"}};
      } else if (f->message_type()->full_name() == "google.protobuf.Any") {
        item = {{"type", "object"},
                {"description", "a message with its type in \"@type\" and its fields beside it"},
                {"properties", {{"@type", {{"type", "string"}}}}},
                {"additionalProperties", true}};
      } else {
        todo->insert(f->message_type());
        item = Ref(f->message_type());
      }
      break;
  }
  if (f->is_repeated()) return {{"type", "array"}, {"items", item}};
  return item;
}

// The route's path as OpenAPI writes it — {name=municipalities/*/plans/*} becomes
// municipalities/{municipality}/plans/{plan}: one path parameter per wildcard, named after its
// collection, so that no two routes share a path — and its parameters appended to `params`.
std::string OpenApiPath(const Route& r, Json* params) {
  std::string path = r.path.text();
  auto add_param = [&](const std::string& name, const std::string& field) {
    params->push_back({{"name", name},
                       {"in", "path"},
                       {"required", true},
                       {"schema", {{"type", "string"}}},
                       {"description", absl::StrCat("part of the request field ", field)}});
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

// The request's query parameters, appended to `params`: its top-level fields bound to neither the
// path nor the body (scalars, enums, repeated scalars and the well-known types written as strings,
// and one level of nested messages as dotted names: filter.plan) — and, for a file upload sent as
// the raw file, every field but its `content`.
void QueryParameters(const Route& r, Json* params) {
  const bool raw_upload = TakesFileUpload(r);
  if (r.body == "*" && !raw_upload) return;
  std::set<std::string> taken;
  for (const auto& fp : r.path.FieldPaths()) taken.insert(fp.substr(0, fp.find('.')));
  if (!r.body.empty() && r.body != "*") taken.insert(r.body);
  if (raw_upload) taken.insert("content");
  const ApiDocs& docs = ApiDocs::Embedded();
  auto add = [&](const FieldDescriptor* f, const std::string& name) {
    std::set<const Descriptor*> unused;
    Json p = {{"name", name},
              {"in", "query"},
              {"required", Required(f) && r.body != "*"},
              {"schema", SchemaOf(f, &unused)}};
    std::string description = docs.Of(f->full_name());
    if (r.body == "*") description = "with the raw file as the body only (else in the JSON)";
    if (!description.empty()) p["description"] = description;
    params->push_back(std::move(p));
  };
  auto scalar = [](const FieldDescriptor* f) {
    return f->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE ||
           absl::StartsWith(f->message_type()->full_name(), "google.protobuf.");
  };
  const Descriptor* in = r.method->input_type();
  for (int i = 0; i < in->field_count(); ++i) {
    const FieldDescriptor* f = in->field(i);
    if (taken.count(f->name()) || f->is_map()) continue;
    if (scalar(f)) {
      add(f, f->json_name());
    } else if (!f->is_repeated()) {
      for (int j = 0; j < f->message_type()->field_count(); ++j) {
        const FieldDescriptor* sub = f->message_type()->field(j);
        if (scalar(sub) && !sub->is_map()) add(sub, f->json_name() + "." + sub->json_name());
      }
    }
  }
}

// The schemas of the messages in `todo` and of every message they reach.
Json Schemas(std::set<const Descriptor*> todo) {
  const ApiDocs& docs = ApiDocs::Embedded();
  std::map<std::string, Json> schemas;  // sorted by name
  while (!todo.empty()) {
    const Descriptor* d = *todo.begin();
    todo.erase(todo.begin());
    if (schemas.count(d->full_name())) continue;
    Json props = Json::object();
    Json required = Json::array();
    std::set<const Descriptor*> more;
    for (int i = 0; i < d->field_count(); ++i) {
      const FieldDescriptor* f = d->field(i);
      Json schema = SchemaOf(f, &more);
      if (const std::string& doc = docs.Of(f->full_name()); !doc.empty()) {
        // A $ref stands alone in OpenAPI 3.0: the description goes beside it through allOf.
        schema = schema.contains("$ref")
                     ? Json{{"allOf", Json::array({schema})}, {"description", doc}}
                     : (schema["description"] = doc, schema);
      }
      props[f->json_name()] = std::move(schema);
      if (Required(f)) required.push_back(f->json_name());
    }
    Json s = {{"type", "object"}};
    if (const std::string& doc = docs.Of(d->full_name()); !doc.empty()) s["description"] = doc;
    s["properties"] = std::move(props);
    if (!required.empty()) s["required"] = std::move(required);
    schemas[d->full_name()] = std::move(s);
    for (const auto* m : more) {
      if (!schemas.count(m->full_name())) todo.insert(m);
    }
  }
  schemas["google.rpc.Status"] = {
      {"type", "object"},
      {"description",
       "the error: code, message and details (google.rpc.ErrorInfo with the reason, "
       "google.rpc.BadRequest with the fields)"},
      {"properties",
       {{"code", {{"type", "integer"}}},
        {"message", {{"type", "string"}}},
        {"details", {{"type", "array"}, {"items", {{"type", "object"}}}}}}}};
  Json out = Json::object();
  for (auto& [name, s] : schemas) out[name] = std::move(s);
  return out;
}

// "CreatePlan" → "Create plan" (for a method the contract leaves without a comment).
std::string Words(const std::string& method) {
  std::string out;
  for (char c : method) {
    if (absl::ascii_isupper(static_cast<unsigned char>(c)) && !out.empty()) {
      out.push_back(' ');
      out.push_back(absl::ascii_tolower(static_cast<unsigned char>(c)));
    } else {
      out.push_back(c);
    }
  }
  return out;
}

}  // namespace

std::string BuildOpenApi(const RouteTable& routes) {
  const ApiDocs& docs = ApiDocs::Embedded();
  std::map<std::string, Json> paths;  // openapi path → operations, sorted by path
  std::set<const Descriptor*> todo;
  std::map<std::string, std::set<std::string>> bodies;  // body "*" requests → path-bound fields
  for (const Route& r : routes.routes()) {
    Json params = Json::array();
    const std::string path = OpenApiPath(r, &params);
    QueryParameters(r, &params);
    if (r.http_method == "GET" && IsFileReply(r.method->output_type())) {
      params.push_back({{"name", "alt"},
                        {"in", "query"},
                        {"required", false},
                        {"schema", {{"type", "string"}, {"enum", {"media"}}}},
                        {"description",
                         "media: the file itself (its Content-Type, "
                         "Content-Disposition) instead of JSON"}});
    }
    todo.insert(r.method->input_type());
    todo.insert(r.method->output_type());
    const std::string& comment = docs.Of(r.method->full_name());
    Json op = {{"operationId", r.method->full_name()},
               {"summary", comment.empty() ? Words(r.method->name()) : FirstSentence(comment)}};
    if (!comment.empty()) op["description"] = comment;
    op["tags"] = {r.method->service()->name()};
    op["parameters"] = std::move(params);
    if (!r.body.empty()) {
      const Descriptor* body_type =
          r.body == "*" ? r.method->input_type()
                        : r.method->input_type()->FindFieldByName(r.body)->message_type();
      if (body_type != nullptr) {
        todo.insert(body_type);
        Json body_schema = Ref(body_type);
        if (r.body == "*") {
          // The body is the request without the fields the path binds (google.api.http): its own
          // schema, "<request>.Body", made once the request's schema exists.
          std::set<std::string> bound;
          for (const auto& fp : r.path.FieldPaths()) {
            const FieldDescriptor* f = body_type->FindFieldByName(fp.substr(0, fp.find('.')));
            if (f != nullptr) bound.insert(f->json_name());
          }
          bodies[body_type->full_name()] = bound;
          body_schema = {{"$ref", "#/components/schemas/" + body_type->full_name() + ".Body"}};
        }
        Json content = {{"application/json", {{"schema", body_schema}}}};
        // A file upload may also be the raw file, its other fields in the query.
        if (TakesFileUpload(r)) {
          const Json binary = {{"schema", {{"type", "string"}, {"format", "binary"}}}};
          content["text/csv"] = binary;
          content["text/tab-separated-values"] = binary;
          content["application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"] = binary;
        }
        op["requestBody"] = {{"required", true}, {"content", std::move(content)}};
      }
    }
    op["responses"] = {
        {"200",
         {{"description", "OK"},
          {"content", {{"application/json", {{"schema", Ref(r.method->output_type())}}}}}}},
        {"default",
         {{"description", "google.rpc.Status"},
          {"content",
           {{"application/json",
             {{"schema", {{"$ref", "#/components/schemas/google.rpc.Status"}}}}}}}}}};
    paths[path][absl::AsciiStrToLower(r.http_method)] = std::move(op);
  }
  Json doc = {{"openapi", "3.0.3"},
              {"info",
               {{"title", "Sokei"},
                {"version", "v1"},
                {"description",
                 "REST/JSON of the Sokei services, transcoded from their google.api.http rules"}}},
              // Relative: the document is served by the gateway it describes, at whatever address.
              {"servers", {{{"url", "/"}, {"description", "the gateway serving this document"}}}}};
  Json schemas = Schemas(std::move(todo));
  for (const auto& [request, bound] : bodies) {
    Json body = schemas[request];
    for (const std::string& field : bound) body["properties"].erase(field);
    if (body.contains("required")) {
      Json required = Json::array();
      for (const auto& f : body["required"]) {
        if (!bound.count(f.get<std::string>())) required.push_back(f);
      }
      if (required.empty()) {
        body.erase("required");
      } else {
        body["required"] = std::move(required);
      }
    }
    body["description"] =
        absl::StrCat("The body of ", request, ": the request without the fields in the path.");
    schemas[request + ".Body"] = std::move(body);
  }
  doc["components"] = {
      {"securitySchemes",
       {{"bearer", {{"type", "http"}, {"scheme", "bearer"}, {"bearerFormat", "JWT"}}},
        {"apiKey", {{"type", "apiKey"}, {"in", "header"}, {"name", "X-Api-Key"}}}}},
      {"schemas", std::move(schemas)}};
  doc["security"] = {{{"bearer", Json::array()}}, {{"apiKey", Json::array()}}};
  Json path_json = Json::object();
  for (auto& [p, ops] : paths) path_json[p] = std::move(ops);
  doc["paths"] = std::move(path_json);
  return doc.dump();
}

}  // namespace sokei::gateway
