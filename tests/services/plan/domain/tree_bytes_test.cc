// The plan tree written from stored bytes: the same bytes protobuf's own serializer writes for the
// tree built as messages, nodes depth-first in sibling order, orphans left out, corrupt nodes
// refused.
#include "services/plan/domain/tree_bytes.h"

#include <gtest/gtest.h>

#include <map>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "sokei/plan/v1/plan_service.pb.h"
#include "tests/support/status_details.h"

namespace sokei::plan {
namespace {

namespace pb = ::sokei::plan::v1;

constexpr char kPlan[] = "municipalities/1/plans/p";

pb::Node MakeNode(const std::string& id, const std::string& parent, int level) {
  pb::Node n;
  n.set_name(absl::StrCat(kPlan, "/nodes/", id));
  if (!parent.empty()) n.set_parent(absl::StrCat(kPlan, "/nodes/", parent));
  n.set_code(id);
  n.set_display_name("施策 " + id);
  n.set_level(level);
  n.add_sections()->set_body("目指す姿\n地域で支え合う");
  n.add_sdg_goals(11);
  n.add_tags("DX");
  n.set_etag("e-" + id);
  n.mutable_update_time()->set_seconds(1700000000);
  return n;
}

class TreeBytesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    plan_.set_name(kPlan);
    plan_.set_display_name("第6次総合計画");
    plan_.add_levels()->set_display_name("基本目標");
    plan_.add_levels()->set_display_name("施策");
    // As storage lists them: by sort key, then name — not depth-first.
    for (const auto& [id, parent, level] :
         std::vector<std::tuple<std::string, std::string, int>>{{"a", "", 1},
                                                                {"b", "", 1},
                                                                {"a2", "a", 2},
                                                                {"b1", "b", 2},
                                                                {"a1", "a", 2},
                                                                {"x", "gone", 2}}) {
      nodes_[id] = MakeNode(id, parent, level);
      stored_.nodes.push_back(nodes_[id].SerializeAsString());
    }
    pb::Package package;
    package.set_name(absl::StrCat(kPlan, "/packages/k1"));
    package.set_display_name("重点戦略1");
    stored_.packages.push_back(package.SerializeAsString());
    pb::PackageLink link;
    link.set_name(absl::StrCat(kPlan, "/packages/k1/links/l1"));
    link.set_node(nodes_["a1"].name());
    stored_.links.push_back(link.SerializeAsString());
    stored_.link_packages.push_back(package.name());
    stored_.plan = &plan_;
  }

  pb::Plan plan_;
  std::map<std::string, pb::Node> nodes_;
  StoredTree stored_;
};

TEST_F(TreeBytesTest, SameBytesAsTheMessageSerializer) {
  // The tree built as messages: depth-first, siblings in stored order (a2 before a1 here).
  pb::PlanTree expected;
  *expected.mutable_plan() = plan_;
  *expected.mutable_levels() = plan_.levels();
  auto add = [&](const std::string& id, std::vector<std::string> children) {
    auto* tn = expected.add_nodes();
    *tn->mutable_node() = nodes_[id];
    for (const auto& c : children) tn->add_children(nodes_[c].name());
  };
  add("a", {"a2", "a1"});
  add("a2", {});
  add("a1", {});
  add("b", {"b1"});
  add("b1", {});
  expected.add_packages()->ParseFromString(stored_.packages[0]);
  expected.add_links()->ParseFromString(stored_.links[0]);
  expected.add_link_packages(stored_.link_packages[0]);

  absl::StatusOr<std::string> bytes = SerializePlanTree(stored_);
  ASSERT_TRUE(bytes.ok()) << bytes.status();
  EXPECT_EQ(*bytes, expected.SerializeAsString());

  pb::PlanTree parsed;
  ASSERT_TRUE(parsed.ParseFromString(*bytes));
  ASSERT_EQ(parsed.nodes_size(), 5);  // the orphan x is not reached from any root
  EXPECT_EQ(parsed.nodes(0).node().display_name(), "施策 a");
  EXPECT_EQ(parsed.nodes(0).node().sections(0).body(), "目指す姿\n地域で支え合う");
  EXPECT_EQ(parsed.levels(1).display_name(), "施策");
  EXPECT_EQ(parsed.link_packages(0), absl::StrCat(kPlan, "/packages/k1"));
}

TEST_F(TreeBytesTest, EmptyPlan) {
  stored_.nodes.clear();
  stored_.packages.clear();
  stored_.links.clear();
  stored_.link_packages.clear();
  pb::PlanTree expected;
  *expected.mutable_plan() = plan_;
  *expected.mutable_levels() = plan_.levels();
  absl::StatusOr<std::string> bytes = SerializePlanTree(stored_);
  ASSERT_TRUE(bytes.ok()) << bytes.status();
  EXPECT_EQ(*bytes, expected.SerializeAsString());
}

TEST_F(TreeBytesTest, CorruptNodeIsRefused) {
  // A length that runs past the end of the node.
  stored_.nodes[1] = std::string("\x0a\x7f", 2) + "short";
  absl::StatusOr<std::string> bytes = SerializePlanTree(stored_);
  ASSERT_FALSE(bytes.ok());
  EXPECT_EQ(bytes.status().code(), absl::StatusCode::kInternal);
  EXPECT_EQ(sokei::testing::Reason(bytes.status()), "STORAGE_CORRUPT");
}

}  // namespace
}  // namespace sokei::plan
