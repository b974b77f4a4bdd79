#include "gateway/server/api_docs.h"

#include <google/protobuf/descriptor.pb.h>

#include <string_view>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace sokei::gateway {

std::string_view ApiDocsDescriptorSet();  // generated (cmake/EmbedBinary.cmake)

namespace {

using google::protobuf::DescriptorProto;
using google::protobuf::FileDescriptorProto;
using google::protobuf::SourceCodeInfo;

// "  A comment\n  over two lines\n" → "A comment over two lines".
std::string Clean(const std::string& raw) {
  std::vector<std::string> lines;
  for (absl::string_view line : absl::StrSplit(raw, '\n')) {
    absl::string_view t = absl::StripAsciiWhitespace(line);
    if (!t.empty()) lines.emplace_back(t);
  }
  return absl::StrJoin(lines, " ");
}

std::string Key(const std::vector<int>& path) { return absl::StrJoin(path, ","); }

void Messages(const std::string& scope,
              const google::protobuf::RepeatedPtrField<DescriptorProto>& ms, std::vector<int> path,
              const std::map<std::string, std::string>& by_path,
              std::map<std::string, std::string>* out) {
  for (int i = 0; i < ms.size(); ++i) {
    const DescriptorProto& m = ms[i];
    std::vector<int> mp = path;
    mp.push_back(i);
    const std::string name = absl::StrCat(scope, ".", m.name());
    if (auto it = by_path.find(Key(mp)); it != by_path.end()) (*out)[name] = it->second;
    for (int f = 0; f < m.field_size(); ++f) {
      std::vector<int> fp = mp;
      fp.push_back(DescriptorProto::kFieldFieldNumber);
      fp.push_back(f);
      if (auto it = by_path.find(Key(fp)); it != by_path.end()) {
        (*out)[absl::StrCat(name, ".", m.field(f).name())] = it->second;
      }
    }
    std::vector<int> np = mp;
    np.push_back(DescriptorProto::kNestedTypeFieldNumber);
    Messages(name, m.nested_type(), np, by_path, out);
  }
}

}  // namespace

const ApiDocs& ApiDocs::Embedded() {
  static const ApiDocs* docs = [] {
    auto* d = new ApiDocs();
    google::protobuf::FileDescriptorSet set;
    const std::string_view bytes = ApiDocsDescriptorSet();
    if (!set.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) return d;
    for (const FileDescriptorProto& file : set.file()) {
      std::map<std::string, std::string> by_path;  // location path → comment
      for (const SourceCodeInfo::Location& loc : file.source_code_info().location()) {
        std::string text = Clean(loc.leading_comments());
        if (text.empty()) text = Clean(loc.trailing_comments());
        if (!text.empty()) by_path[Key({loc.path().begin(), loc.path().end()})] = text;
      }
      const std::string package = file.package();
      for (int s = 0; s < file.service_size(); ++s) {
        for (int m = 0; m < file.service(s).method_size(); ++m) {
          auto it =
              by_path.find(Key({FileDescriptorProto::kServiceFieldNumber, s,
                                google::protobuf::ServiceDescriptorProto::kMethodFieldNumber, m}));
          if (it == by_path.end()) continue;
          d->comments_[absl::StrCat(package, ".", file.service(s).name(), ".",
                                    file.service(s).method(m).name())] = it->second;
        }
      }
      Messages(package, file.message_type(), {FileDescriptorProto::kMessageTypeFieldNumber},
               by_path, &d->comments_);
    }
    return d;
  }();
  return *docs;
}

const std::string& ApiDocs::Of(const std::string& full_name) const {
  static const std::string* empty = new std::string();
  auto it = comments_.find(full_name);
  return it == comments_.end() ? *empty : it->second;
}

std::string FirstSentence(const std::string& comment) {
  for (size_t i = 0; i < comment.size(); ++i) {
    if (comment[i] == '.' && (i + 1 == comment.size() || comment[i + 1] == ' ')) {
      return comment.substr(0, i + 1);
    }
    if (comment.compare(i, 3, "。") == 0) return comment.substr(0, i + 3);
  }
  return comment;
}

}  // namespace sokei::gateway
