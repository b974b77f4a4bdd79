// A plan tree's reply bytes straight from the stored resources. Protobuf's wire format lets a
// repeated message be written as its members' bytes one after another, so each stored node goes
// into the reply as it is: a TreeNode is its node's stored bytes plus its children's names. Only a
// node's name and parent are read (a scan of its fields, no parse), and no node is serialized
// again — a 2,000-node tree costs the copy of its bytes.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "sokei/plan/v1/resources.pb.h"

namespace sokei::plan {

struct StoredTree {
  const sokei::plan::v1::Plan* plan = nullptr;  // parsed: its levels go into the reply too
  std::vector<std::string> nodes;               // stored Node bytes, in sort_key, name order
  std::vector<std::string> packages;            // stored Package bytes, in order
  std::vector<std::string> links;               // stored PackageLink bytes, in order
  std::vector<std::string> link_packages;       // each link's package, aligned with links
};

// Serialized sokei.plan.v1.PlanTree: the plan, its levels, every node depth-first in sibling order
// (a parent before its children; nodes whose parent is missing are left out, as no walk from a
// root reaches them), the packages and the links. INTERNAL STORAGE_CORRUPT when a stored node is
// not a Node.
absl::StatusOr<std::string> SerializePlanTree(const StoredTree& stored);

}  // namespace sokei::plan
