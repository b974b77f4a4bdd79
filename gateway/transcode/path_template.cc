#include "gateway/transcode/path_template.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace sokei::gateway {
namespace {

absl::Status Bad(absl::string_view text, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat("path template '", text, "': ", why));
}

bool IsLiteralChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' ||
         c == '~' || c == '%';
}

bool IsIdent(absl::string_view s) {
  if (s.empty() || !(absl::ascii_isalpha(static_cast<unsigned char>(s[0])) || s[0] == '_'))
    return false;
  for (char c : s) {
    if (!(absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_')) return false;
  }
  return true;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

bool PercentDecode(absl::string_view in, bool keep_slash, std::string* out) {
  out->clear();
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out->push_back(in[i]);
      continue;
    }
    if (i + 2 >= in.size()) return false;
    const int hi = HexValue(in[i + 1]), lo = HexValue(in[i + 2]);
    if (hi < 0 || lo < 0) return false;
    const char c = static_cast<char>(hi * 16 + lo);
    if (keep_slash && c == '/') {
      out->append(in.data() + i, 3);
    } else {
      out->push_back(c);
    }
    i += 2;
  }
  return true;
}

absl::StatusOr<PathTemplate> PathTemplate::Parse(absl::string_view text) {
  PathTemplate t;
  t.text_ = std::string(text);
  if (text.empty() || text[0] != '/') return Bad(text, "must start with /");
  absl::string_view rest = text.substr(1);
  // The verb: a ':' after the last '/' and outside braces.
  size_t depth = 0, colon = absl::string_view::npos;
  for (size_t i = 0; i < rest.size(); ++i) {
    if (rest[i] == '{') ++depth;
    if (rest[i] == '}') {
      if (depth == 0) return Bad(text, "unbalanced }");
      --depth;
    }
    if (rest[i] == '/' && depth == 0) colon = absl::string_view::npos;
    if (rest[i] == ':' && depth == 0) colon = i;
  }
  if (depth != 0) return Bad(text, "unbalanced {");
  if (colon != absl::string_view::npos) {
    t.verb_ = std::string(rest.substr(colon + 1));
    rest = rest.substr(0, colon);
    if (t.verb_.empty()) return Bad(text, "empty verb");
    for (char c : t.verb_) {
      if (!IsLiteralChar(c)) return Bad(text, "bad character in the verb");
    }
  }
  if (rest.empty()) return Bad(text, "no segments");
  // Split on '/' outside braces.
  std::vector<std::string> parts;
  std::string cur;
  depth = 0;
  for (char c : rest) {
    if (c == '{') ++depth;
    if (c == '}') --depth;
    if (c == '/' && depth == 0) {
      parts.push_back(cur);
      cur.clear();
    } else {
      cur.push_back(c);
    }
  }
  parts.push_back(cur);
  auto add_plain = [&](absl::string_view seg) -> absl::Status {
    if (seg == "*") {
      t.segments_.push_back({Kind::kSingle, ""});
    } else if (seg == "**") {
      t.segments_.push_back({Kind::kMulti, ""});
    } else {
      if (seg.empty()) return Bad(text, "empty segment");
      for (char c : seg) {
        if (!IsLiteralChar(c))
          return Bad(text, absl::StrCat("bad character '", std::string(1, c), "'"));
      }
      t.segments_.push_back({Kind::kLiteral, std::string(seg)});
    }
    return absl::OkStatus();
  };
  for (const std::string& part : parts) {
    if (part.empty()) return Bad(text, "empty segment");
    if (part.front() != '{') {
      if (part.find_first_of("{}") != std::string::npos)
        return Bad(text, "braces inside a segment");
      if (auto s = add_plain(part); !s.ok()) return s;
      continue;
    }
    if (part.back() != '}') return Bad(text, "a variable must be a whole segment");
    const std::string inner = part.substr(1, part.size() - 2);
    const size_t eq = inner.find('=');
    Variable v;
    v.field_path = inner.substr(0, eq);
    for (absl::string_view id : absl::StrSplit(v.field_path, '.')) {
      if (!IsIdent(id)) return Bad(text, absl::StrCat("bad field path '", v.field_path, "'"));
    }
    for (const auto& other : t.variables_) {
      if (other.field_path == v.field_path) return Bad(text, "a field bound twice");
    }
    v.first = t.segments_.size();
    if (eq == std::string::npos) {
      t.segments_.push_back({Kind::kSingle, ""});
    } else {
      const std::string sub = inner.substr(eq + 1);
      if (sub.empty()) return Bad(text, "empty variable pattern");
      for (absl::string_view seg : absl::StrSplit(sub, '/')) {
        if (seg.find_first_of("{}") != absl::string_view::npos) return Bad(text, "nested variable");
        if (auto s = add_plain(seg); !s.ok()) return s;
      }
    }
    v.end = t.segments_.size();
    t.variables_.push_back(std::move(v));
  }
  // '**' only as the last segment (it may end a variable).
  for (size_t i = 0; i + 1 < t.segments_.size(); ++i) {
    if (t.segments_[i].kind == Kind::kMulti) return Bad(text, "** must be the last segment");
  }
  return t;
}

PathTemplate::SplitPath PathTemplate::Split(absl::string_view path) {
  SplitPath out;
  if (path.empty() || path[0] != '/') return out;
  out.valid = true;
  path.remove_prefix(1);
  // A ':' after the last slash starts a custom method's verb (ids and literals hold no ':').
  const size_t slash = path.rfind('/');
  const size_t colon = path.rfind(':');
  if (colon != absl::string_view::npos && (slash == absl::string_view::npos || colon > slash)) {
    out.has_verb = true;
    out.verb = path.substr(colon + 1);
    path = path.substr(0, colon);
  }
  out.parts = absl::StrSplit(path, '/');
  return out;
}

bool PathTemplate::Match(absl::string_view path,
                         std::vector<std::pair<std::string, std::string>>* bindings) const {
  return Match(Split(path), bindings);
}

bool PathTemplate::Match(const SplitPath& path,
                         std::vector<std::pair<std::string, std::string>>* bindings) const {
  bindings->clear();
  if (!path.valid) return false;
  // A route with a verb takes only that verb; one without, none.
  if (verb_.empty() ? path.has_verb : (!path.has_verb || path.verb != verb_)) return false;
  const std::vector<absl::string_view>& parts = path.parts;
  const size_t n = segments_.size();
  // ** is only ever the last segment and covers one or more parts; every other segment one.
  const bool multi = n > 0 && segments_.back().kind == Kind::kMulti;
  if (multi ? parts.size() < n : parts.size() != n) return false;
  for (size_t i = 0; i < n; ++i) {
    const Segment& s = segments_[i];
    if (s.kind == Kind::kMulti) break;
    if (parts[i].empty()) return false;
    if (s.kind == Kind::kLiteral && parts[i] != s.literal) return false;
  }
  // Segment i covers part i; the last one (a **) covers the rest.
  auto part_of = [&](size_t segment) { return segment == n ? parts.size() : segment; };
  for (const Variable& v : variables_) {
    const size_t from = part_of(v.first), to = part_of(v.end);
    const bool several = v.end - v.first > 1 || segments_[v.first].kind == Kind::kMulti;
    std::string value;
    for (size_t i = from; i < to; ++i) {
      std::string decoded;
      if (!PercentDecode(parts[i], several, &decoded)) return false;
      absl::StrAppend(&value, i == from ? "" : "/", decoded);
    }
    bindings->emplace_back(v.field_path, std::move(value));
  }
  return true;
}

std::string PathTemplate::Shape() const {
  std::vector<std::string> out;
  for (const auto& s : segments_) {
    out.push_back(s.kind == Kind::kLiteral ? s.literal : s.kind == Kind::kSingle ? "*" : "**");
  }
  return absl::StrCat("/", absl::StrJoin(out, "/"), verb_.empty() ? "" : ":", verb_);
}

int PathTemplate::Specificity() const {
  int literals = 0, multi = 0;
  for (const auto& s : segments_) {
    literals += s.kind == Kind::kLiteral;
    multi += s.kind == Kind::kMulti;
  }
  return literals * 16 - multi;
}

std::vector<std::string> PathTemplate::FieldPaths() const {
  std::vector<std::string> out;
  for (const auto& v : variables_) out.push_back(v.field_path);
  return out;
}

}  // namespace sokei::gateway
