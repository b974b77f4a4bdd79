// The contract's comments, for the OpenAPI document: read from the descriptor set the build
// embeds (protoc --include_source_info over protos/), since the generated descriptors carry none.
#pragma once

#include <map>
#include <string>

namespace sokei::gateway {

class ApiDocs {
 public:
  // The embedded contract's comments (parsed once).
  static const ApiDocs& Embedded();

  // The comment above a method, message or field, or a field's comment at the end of its line
  // ("" when there is none). Names are full: sokei.plan.v1.PlanService.CreatePlan,
  // sokei.plan.v1.Node, sokei.plan.v1.Node.display_name.
  const std::string& Of(const std::string& full_name) const;

 private:
  std::map<std::string, std::string> comments_;
};

// The first sentence of a comment (up to the first "." or "。" followed by a space or the end, or
// the first line), for an operation's summary.
std::string FirstSentence(const std::string& comment);

}  // namespace sokei::gateway
