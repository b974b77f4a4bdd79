#include "gateway/transcode/routes.h"

#include <algorithm>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "google/api/annotations.pb.h"

namespace sokei::gateway {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::MethodDescriptor;

struct RuleView {
  std::string method, path;
};

absl::StatusOr<RuleView> Pattern(const google::api::HttpRule& rule) {
  switch (rule.pattern_case()) {
    case google::api::HttpRule::kGet:
      return RuleView{"GET", rule.get()};
    case google::api::HttpRule::kPost:
      return RuleView{"POST", rule.post()};
    case google::api::HttpRule::kPatch:
      return RuleView{"PATCH", rule.patch()};
    case google::api::HttpRule::kDelete:
      return RuleView{"DELETE", rule.delete_()};
    case google::api::HttpRule::kPut:
      return RuleView{"PUT", rule.put()};
    case google::api::HttpRule::kCustom:
      return RuleView{rule.custom().kind(), rule.custom().path()};
    default:
      return absl::InvalidArgumentError("an http rule without a pattern");
  }
}

absl::Status AddRule(const MethodDescriptor* m, const google::api::HttpRule& rule,
                     std::vector<Route>* out) {
  auto view = Pattern(rule);
  if (!view.ok())
    return absl::InvalidArgumentError(absl::StrCat(m->full_name(), ": ", view.status().message()));
  auto path = PathTemplate::Parse(view->path);
  if (!path.ok())
    return absl::InvalidArgumentError(absl::StrCat(m->full_name(), ": ", path.status().message()));
  for (const std::string& fp : path->FieldPaths()) {
    const FieldDescriptor* f = FindFieldPath(m->input_type(), fp);
    if (f == nullptr || f->is_repeated() || f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      return absl::InvalidArgumentError(absl::StrCat(m->full_name(), ": path variable '", fp,
                                                     "' is not a singular scalar field of ",
                                                     m->input_type()->full_name()));
    }
  }
  if (!rule.body().empty() && rule.body() != "*" &&
      m->input_type()->FindFieldByName(rule.body()) == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat(m->full_name(), ": body field '", rule.body(), "' does not exist"));
  }
  if (view->method == "GET" && !rule.body().empty()) {
    return absl::InvalidArgumentError(absl::StrCat(m->full_name(), ": a GET rule with a body"));
  }
  Route r{view->method,
          std::move(*path),
          rule.body(),
          m,
          absl::StrCat("/", m->service()->full_name(), "/", m->name()),
          AccessOf(m)};
  out->push_back(std::move(r));
  for (const auto& extra : rule.additional_bindings()) {
    if (!extra.additional_bindings().empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(m->full_name(), ": additional_bindings may not nest"));
    }
    if (auto s = AddRule(m, extra, out); !s.ok()) return s;
  }
  return absl::OkStatus();
}

}  // namespace

type::v1::MethodAccess AccessOf(const MethodDescriptor* method) {
  return method->options().GetExtension(type::v1::access);
}

const FieldDescriptor* FindField(const Descriptor* message, absl::string_view name) {
  const FieldDescriptor* f = message->FindFieldByName(std::string(name));
  if (f != nullptr) return f;
  for (int i = 0; i < message->field_count(); ++i) {
    if (message->field(i)->json_name() == name) return message->field(i);
  }
  return nullptr;
}

const FieldDescriptor* FindFieldPath(const Descriptor* message, absl::string_view path) {
  const FieldDescriptor* f = nullptr;
  for (absl::string_view part : absl::StrSplit(path, '.')) {
    if (message == nullptr) return nullptr;
    f = FindField(message, part);
    if (f == nullptr) return nullptr;
    message = f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE ? f->message_type() : nullptr;
  }
  return f;
}

absl::StatusOr<RouteTable> RouteTable::Build(
    const std::vector<const google::protobuf::ServiceDescriptor*>& services) {
  RouteTable t;
  for (const auto* svc : services) {
    for (int i = 0; i < svc->method_count(); ++i) {
      const MethodDescriptor* m = svc->method(i);
      const type::v1::MethodAccess access = AccessOf(m);
      if (access.level() == type::v1::ACCESS_LEVEL_UNSPECIFIED) {
        return absl::InvalidArgumentError(
            absl::StrCat(m->full_name(), ": no (sokei.type.v1.access) option"));
      }
      if (!m->options().HasExtension(google::api::http)) continue;  // no REST form
      if (m->client_streaming() || m->server_streaming()) {
        return absl::InvalidArgumentError(
            absl::StrCat(m->full_name(), ": streaming methods have no REST form"));
      }
      if (auto s = AddRule(m, m->options().GetExtension(google::api::http), &t.routes_); !s.ok()) {
        return s;
      }
    }
  }
  std::set<std::pair<std::string, std::string>> seen;
  for (const Route& r : t.routes_) {
    if (!seen.insert({r.http_method, r.path.Shape()}).second) {
      return absl::InvalidArgumentError(absl::StrCat(
          "two routes for ", r.http_method, " ", r.path.Shape(), " (", r.method->full_name(), ")"));
    }
  }
  std::stable_sort(t.routes_.begin(), t.routes_.end(), [](const Route& a, const Route& b) {
    return a.path.Specificity() > b.path.Specificity();
  });
  return t;
}

RouteTable::Outcome RouteTable::Find(absl::string_view http_method, absl::string_view path,
                                     Match* match, std::vector<std::string>* allowed) const {
  allowed->clear();
  std::vector<std::pair<std::string, std::string>> bindings;
  const PathTemplate::SplitPath split = PathTemplate::Split(path);  // once for every route
  for (const Route& r : routes_) {
    if (!r.path.Match(split, &bindings)) continue;
    if (r.http_method == http_method) {
      match->route = &r;
      match->bindings = std::move(bindings);
      return Outcome::kFound;
    }
    if (std::find(allowed->begin(), allowed->end(), r.http_method) == allowed->end()) {
      allowed->push_back(r.http_method);
    }
  }
  return allowed->empty() ? Outcome::kNotFound : Outcome::kMethodNotAllowed;
}

}  // namespace sokei::gateway
