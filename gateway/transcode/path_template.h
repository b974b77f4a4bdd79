// The path templates of google.api.http rules (google/api/http.proto):
//   Template = "/" Segments [ Verb ] ;  Segments = Segment { "/" Segment } ;
//   Segment  = "*" | "**" | LITERAL | Variable ;  Variable = "{" FieldPath [ "=" Segments ] "}" ;
//   Verb     = ":" LITERAL ;
// Parsed once at start-up into a matcher; matching binds variables to request field paths with
// the spec's percent-decoding (a variable of one segment is fully decoded; one of several keeps
// %2F so that its slashes stay distinguishable).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace sokei::gateway {

class PathTemplate {
 public:
  // INVALID_ARGUMENT naming what is wrong: the gateway refuses to start on a bad rule.
  static absl::StatusOr<PathTemplate> Parse(absl::string_view text);

  // A request path split once, to be matched against every route without splitting it again: its
  // segments (still percent-encoded) and its custom verb (after a ':' in the last segment).
  struct SplitPath {
    bool valid = false;  // it starts with '/'
    std::vector<absl::string_view> parts;
    bool has_verb = false;
    absl::string_view verb;
  };
  static SplitPath Split(absl::string_view path);

  // Binds `path` (the request target without the query, still percent-encoded). Returns false
  // when it does not match; `bindings` gets (field path, decoded value) pairs in template order.
  bool Match(absl::string_view path,
             std::vector<std::pair<std::string, std::string>>* bindings) const;
  // The same for a path already split (allocates only for the bindings of a match).
  bool Match(const SplitPath& path,
             std::vector<std::pair<std::string, std::string>>* bindings) const;

  // The same shape: the same literals, wildcards and verb (variable names aside). Two rules of one
  // HTTP method with the same shape are ambiguous.
  std::string Shape() const;
  // Sort key: more literal segments first, then fewer multi-segment wildcards.
  int Specificity() const;
  const std::string& text() const { return text_; }
  const std::string& verb() const { return verb_; }
  std::vector<std::string> FieldPaths() const;

 private:
  enum class Kind { kLiteral, kSingle, kMulti };
  struct Segment {
    Kind kind;
    std::string literal;
  };
  struct Variable {
    std::string field_path;
    size_t first = 0, end = 0;  // segments [first, end) of the template
  };
  std::string text_;
  std::vector<Segment> segments_;
  std::vector<Variable> variables_;
  std::string verb_;
};

// Percent-decoding of one path segment; `keep_slash` leaves %2F encoded. False on a malformed
// escape (the request is a 400).
bool PercentDecode(absl::string_view in, bool keep_slash, std::string* out);

}  // namespace sokei::gateway
