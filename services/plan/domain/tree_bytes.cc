#include "services/plan/domain/tree_bytes.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/wire_format_lite.h>

#include <cstdint>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "common/status/status.h"

namespace sokei::plan {
namespace {

using google::protobuf::internal::WireFormatLite;

// Field numbers of sokei.plan.v1.PlanTree, TreeNode and Node (plan_service.proto, resources.proto).
constexpr int kTreePlan = 1, kTreeLevels = 2, kTreeNodes = 3, kTreePackages = 4, kTreeLinks = 5,
              kTreeLinkPackages = 6;
constexpr int kTreeNodeNode = 1, kTreeNodeChildren = 2;
constexpr int kNodeName = 1, kNodeParent = 5;

size_t VarintSize(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

void PutVarint(std::string* out, uint64_t v) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

uint32_t LengthDelimitedTag(int field) {
  return WireFormatLite::MakeTag(field, WireFormatLite::WIRETYPE_LENGTH_DELIMITED);
}

// The bytes of one length-delimited field: tag, length, value.
size_t FieldSize(int field, size_t length) {
  return VarintSize(LengthDelimitedTag(field)) + VarintSize(length) + length;
}

void PutField(std::string* out, int field, absl::string_view value) {
  PutVarint(out, LengthDelimitedTag(field));
  PutVarint(out, value.size());
  out->append(value.data(), value.size());
}

// A stored node's name and parent, read by walking its fields without parsing them. False when the
// bytes are not a well-formed message.
bool ScanNode(absl::string_view bytes, absl::string_view* name, absl::string_view* parent) {
  google::protobuf::io::CodedInputStream in(reinterpret_cast<const uint8_t*>(bytes.data()),
                                            static_cast<int>(bytes.size()));
  *name = {};
  *parent = {};
  while (const uint32_t tag = in.ReadTag()) {
    const int field = WireFormatLite::GetTagFieldNumber(tag);
    if ((field == kNodeName || field == kNodeParent) &&
        WireFormatLite::GetTagWireType(tag) == WireFormatLite::WIRETYPE_LENGTH_DELIMITED) {
      uint32_t length = 0;
      if (!in.ReadVarint32(&length)) return false;
      const size_t at = static_cast<size_t>(in.CurrentPosition());
      if (length > bytes.size() - at) return false;
      (field == kNodeName ? *name : *parent) = bytes.substr(at, length);
      if (!in.Skip(static_cast<int>(length))) return false;
    } else if (!WireFormatLite::SkipField(&in, tag)) {
      return false;
    }
  }
  return in.ConsumedEntireMessage();
}

}  // namespace

absl::StatusOr<std::string> SerializePlanTree(const StoredTree& stored) {
  const size_t n = stored.nodes.size();
  std::vector<absl::string_view> names(n), parents(n);
  size_t total = 0;
  for (size_t i = 0; i < n; ++i) {
    if (!ScanNode(stored.nodes[i], &names[i], &parents[i])) {
      return status::Internal("STORAGE_CORRUPT");
    }
    total += stored.nodes[i].size();
  }
  // Children in stored (sibling) order, by their parent's name.
  absl::flat_hash_map<absl::string_view, std::vector<size_t>> children;
  std::vector<size_t> roots;
  for (size_t i = 0; i < n; ++i) {
    if (parents[i].empty()) {
      roots.push_back(i);
    } else {
      children[parents[i]].push_back(i);
    }
  }
  static const std::vector<size_t> kNone;
  auto children_of = [&](size_t i) -> const std::vector<size_t>& {
    auto it = children.find(names[i]);
    return it == children.end() ? kNone : it->second;
  };

  const std::string plan = stored.plan->SerializeAsString();
  std::string out;
  out.reserve(plan.size() + total + 2 * n * 64 + 1024);
  PutField(&out, kTreePlan, plan);
  for (const auto& level : stored.plan->levels()) {
    PutField(&out, kTreeLevels, level.SerializeAsString());
  }
  // Depth-first from the roots, each node before its children.
  std::vector<size_t> stack(roots.rbegin(), roots.rend());
  while (!stack.empty()) {
    const size_t i = stack.back();
    stack.pop_back();
    const std::vector<size_t>& kids = children_of(i);
    size_t body = FieldSize(kTreeNodeNode, stored.nodes[i].size());
    for (size_t c : kids) body += FieldSize(kTreeNodeChildren, names[c].size());
    PutVarint(&out, LengthDelimitedTag(kTreeNodes));
    PutVarint(&out, body);
    PutField(&out, kTreeNodeNode, stored.nodes[i]);
    for (size_t c : kids) PutField(&out, kTreeNodeChildren, names[c]);
    stack.insert(stack.end(), kids.rbegin(), kids.rend());
  }
  for (const std::string& p : stored.packages) PutField(&out, kTreePackages, p);
  for (const std::string& l : stored.links) PutField(&out, kTreeLinks, l);
  for (const std::string& lp : stored.link_packages) PutField(&out, kTreeLinkPackages, lp);
  return out;
}

}  // namespace sokei::plan
