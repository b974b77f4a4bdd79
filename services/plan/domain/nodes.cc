// Nodes: create (one and in batches), move, update, delete, lineage.
#include <algorithm>
#include <map>
#include <set>
#include <unordered_map>

#include "absl/hash/hash.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "google/protobuf/util/json_util.h"
#include "services/plan/domain/plan_internal.h"
#include "services/plan/domain/validation.h"

namespace sokei::plan {

namespace {

// `created_levels`: the levels of nodes this transaction created (a batch's earlier items), so a
// parent among them is not read back.
absl::Status ValidateNode(PlanTx& tx, const pb::Plan& plan, const pb::Node& node,
                          const std::string& municipality,
                          const absl::flat_hash_map<std::string, int>* created_levels = nullptr) {
  Violations v;
  v.Text("node.display_name", node.display_name(), kMaxTitleChars, true);
  v.Text("node.code", node.code(), kMaxCodeChars, false);
  v.Sections("node.sections", node.sections());
  v.SdgGoals("node.sdg_goals", node.sdg_goals());
  v.SdgTargets("node.sdg_targets", node.sdg_targets());
  v.Labels("node.tags", node.tags(), kMaxCodeChars);
  v.Labels("node.budget_codes", node.budget_codes(), kMaxCodeChars);
  if (node.level() < 1 || node.level() > plan.levels_size()) {
    v.Add("node.level", absl::StrCat("must be 1 to ", plan.levels_size(), " (the plan's levels)"));
  } else {
    const auto& pattern = plan.levels(node.level() - 1).code_pattern();
    if (!pattern.empty() && !node.code().empty() && !MatchesPattern(pattern, node.code())) {
      v.Add("node.code", absl::StrCat("does not match the code pattern of level ", node.level(),
                                      " (", plan.levels(node.level() - 1).display_name(), ")"));
    }
  }
  std::set<std::pair<std::string, int>> seen_departments;
  for (int i = 0; i < node.departments_size(); ++i) {
    const auto& a = node.departments(i);
    const std::string f = absl::StrCat("node.departments[", i, "]");
    if (a.role() == pb::DEPARTMENT_ROLE_UNSPECIFIED)
      v.Add(f + ".role", "is required (OWNER, IN_CHARGE or RELATED)");
    if (!seen_departments.insert({a.department(), a.role()}).second) v.Add(f, "appears twice");
  }
  for (int i = 0; i < node.lineage_size(); ++i) {
    if (node.lineage(i).relation() == pb::LINEAGE_RELATION_UNSPECIFIED) {
      v.Add(absl::StrCat("node.lineage[", i, "].relation"), "is required");
    }
  }
  SOKEI_RETURN_IF_ERROR(v.ToStatus("NODE_INVALID"));

  if (node.level() == 1 && !node.parent().empty()) {
    return status::InvalidField("NODE_PARENT_INVALID", "node.parent",
                                "a level-1 node has no parent");
  }
  if (node.level() > 1) {
    if (node.parent().empty()) {
      return status::InvalidField("NODE_PARENT_INVALID", "node.parent",
                                  absl::StrCat("is required for a level-", node.level(), " node"));
    }
    SOKEI_ASSIGN_OR_RETURN(auto pn, api::ParseName(node.parent(), kNodePattern, "node.parent"));
    if (pn.Prefix("plans") != plan.name()) {
      return status::InvalidField("NODE_PARENT_INVALID", "node.parent",
                                  "must be a node of the same plan");
    }
    int parent_level = -1;
    if (created_levels != nullptr) {
      if (auto it = created_levels->find(node.parent()); it != created_levels->end()) {
        parent_level = it->second;
      }
    }
    if (parent_level < 0) {
      SOKEI_ASSIGN_OR_RETURN(auto parent, Load<pb::Node>(tx, Kind::kNode, node.parent()));
      if (!parent)
        return status::InvalidField("NODE_PARENT_INVALID", "node.parent", "does not exist");
      parent_level = parent->level();
    }
    if (parent_level != node.level() - 1) {
      return status::InvalidField(
          "NODE_LEVEL_INVALID", "node.level",
          absl::StrCat("the parent is at level ", parent_level, ", so this node must be at level ",
                       parent_level + 1));
    }
  }
  for (int i = 0; i < node.departments_size(); ++i) {
    const std::string f = absl::StrCat("node.departments[", i, "].department");
    SOKEI_ASSIGN_OR_RETURN(auto dn,
                           api::ParseName(node.departments(i).department(), kDepartmentPattern, f));
    SOKEI_ASSIGN_OR_RETURN(auto rec, tx.Get(Kind::kDepartment, dn.ToString()));
    if (dn.municipality() != municipality || !rec) {
      return status::InvalidField("NODE_DEPARTMENT_INVALID", f,
                                  "is not a department of this municipality");
    }
  }
  for (int i = 0; i < node.lineage_size(); ++i) {
    const std::string f = absl::StrCat("node.lineage[", i, "].source_node");
    SOKEI_ASSIGN_OR_RETURN(auto ln, api::ParseName(node.lineage(i).source_node(), kNodePattern, f));
    if (ln.municipality() != municipality || ln.Prefix("plans") == plan.name()) {
      return status::InvalidField("NODE_LINEAGE_INVALID", f,
                                  "must be a node of another plan of this municipality");
    }
    SOKEI_ASSIGN_OR_RETURN(auto rec, tx.Get(Kind::kNode, ln.ToString()));
    if (!rec) return status::InvalidField("NODE_LINEAGE_INVALID", f, "does not exist");
  }
  return absl::OkStatus();
}

// Names of `root` and every node below it.
std::set<std::string> Subtree(const std::vector<pb::Node>& nodes, const std::string& root) {
  std::unordered_map<std::string, std::vector<const pb::Node*>> children;
  for (const auto& n : nodes) children[n.parent()].push_back(&n);
  std::set<std::string> out{root};
  std::vector<std::string> stack{root};
  while (!stack.empty()) {
    const std::string cur = stack.back();
    stack.pop_back();
    for (const pb::Node* c : children[cur]) {
      if (out.insert(c->name()).second) stack.push_back(c->name());
    }
  }
  return out;
}

}  // namespace

absl::Status PlanDomain::CreateNodeInTx(WriteContext& w, const pb::CreateNodeRequest& r,
                                        pb::Node* out, NodeBatch* batch) {
  SOKEI_ASSIGN_OR_RETURN(auto parent, api::ParseName(r.parent(), kPlanPattern, "parent"));
  SOKEI_RETURN_IF_ERROR(CheckId("node_id", r.node_id()));
  pb::Plan read;
  if (!batch || !batch->plan) {
    SOKEI_ASSIGN_OR_RETURN(read, LoadOrNotFound<pb::Plan>(w.tx, Kind::kPlan, r.parent()));
    if (batch) batch->plan = std::move(read);
  }
  const pb::Plan& plan = batch ? *batch->plan : read;
  *out = r.node();
  out->set_name(absl::StrCat(r.parent(), "/nodes/", r.node_id()));
  SOKEI_RETURN_IF_ERROR(ValidateNode(w.tx, plan, *out, parent.municipality(),
                                     batch ? &batch->created_levels : nullptr));
  Record rec =
      Stamp(out, {parent.municipality(), r.parent(), r.parent(), out->code(), out->sort_key()},
            w.now, nullptr);
  SOKEI_RETURN_IF_ERROR(InsertCoded(w.tx, Kind::kNode, rec, "node.code"));
  if (batch) batch->created_levels[out->name()] = out->level();
  return w.Audit(parent.municipality(), out->name(), nullptr, out);
}

absl::StatusOr<pb::Node> PlanDomain::CreateNode(const Principal& p,
                                                const pb::CreateNodeRequest& r) {
  SOKEI_ASSIGN_OR_RETURN(auto parent, api::ParseName(r.parent(), kPlanPattern, "parent"));
  SOKEI_RETURN_IF_ERROR(auth::CheckWriteStructure(p, parent.municipality()));
  return Mutate<pb::Node>(
      p, parent.municipality(), "CreateNode", r.request_id(), r,
      [&](WriteContext& w, pb::Node* out) { return CreateNodeInTx(w, r, out); });
}

absl::StatusOr<pb::BatchCreateNodesResponse> PlanDomain::BatchCreateNodes(
    const Principal& p, const pb::BatchCreateNodesRequest& r) {
  SOKEI_ASSIGN_OR_RETURN(auto parent, api::ParseName(r.parent(), kPlanPattern, "parent"));
  SOKEI_RETURN_IF_ERROR(auth::CheckWriteStructure(p, parent.municipality()));
  if (r.requests_size() == 0 || r.requests_size() > 5000) {
    return status::InvalidField("BATCH_SIZE_INVALID", "requests", "must hold 1 to 5000 nodes");
  }
  return Mutate<pb::BatchCreateNodesResponse>(
      p, parent.municipality(), "BatchCreateNodes", r.request_id(), r,
      [&](WriteContext& w, pb::BatchCreateNodesResponse* out) -> absl::Status {
        NodeBatch batch;  // the plan read once; parents created earlier in the batch not read back
        for (int i = 0; i < r.requests_size(); ++i) {
          pb::CreateNodeRequest item = r.requests(i);
          const std::string prefix = absl::StrCat("requests[", i, "].");
          if (!item.parent().empty() && item.parent() != r.parent()) {
            return status::InvalidField("NODE_PARENT_INVALID", prefix + "parent",
                                        "must be empty or equal to the batch's parent");
          }
          item.set_parent(r.parent());
          SOKEI_RETURN_IF_ERROR(
              PrefixFields(CreateNodeInTx(w, item, out->add_nodes(), &batch), prefix));
        }
        return absl::OkStatus();
      });
}

absl::StatusOr<pb::Node> PlanDomain::GetNode(const Principal& p, const pb::GetNodeRequest& r) {
  SOKEI_ASSIGN_OR_RETURN(const std::string bytes, GetNodeBytes(p, r));
  pb::Node out;
  if (!out.ParseFromString(bytes)) return status::Internal("STORAGE_CORRUPT");
  return out;
}

absl::StatusOr<std::string> PlanDomain::GetNodeBytes(const Principal& p,
                                                     const pb::GetNodeRequest& r) {
  SOKEI_ASSIGN_OR_RETURN(auto name, api::ParseName(r.name(), kNodePattern, "name"));
  SOKEI_RETURN_IF_ERROR(auth::CheckRead(p, name.municipality()));
  std::string out;
  SOKEI_RETURN_IF_ERROR(repo_->Read([&](PlanTx& tx) -> absl::Status {
    SOKEI_RETURN_IF_ERROR(CheckPlanVisibleByName(tx, p, name.Prefix("plans")));
    SOKEI_ASSIGN_OR_RETURN(auto rec, tx.Get(Kind::kNode, r.name()));
    if (!rec) return status::NotFound("NODE_NOT_FOUND", r.name());
    out = std::move(rec->data);
    return absl::OkStatus();
  }));
  return out;
}

namespace {

// Applies the shared structured filters of ListNodes and SearchNodes.
struct NodeFilter {
  int level = 0;
  std::string parent, code, department, tag;
  int sdg_goal = 0;
  std::vector<std::string> words;  // folded query words

  bool Matches(const pb::Node& n) const {
    if (level != 0 && n.level() != level) return false;
    if (!parent.empty() && n.parent() != parent) return false;
    if (!code.empty() && jp::Nfkc(n.code()) != jp::Nfkc(code)) return false;
    if (!department.empty() &&
        std::none_of(n.departments().begin(), n.departments().end(),
                     [&](const auto& a) { return a.department() == department; })) {
      return false;
    }
    if (!tag.empty() && std::none_of(n.tags().begin(), n.tags().end(), [&](const std::string& t) {
          return jp::SearchFold(t) == jp::SearchFold(tag);
        })) {
      return false;
    }
    if (sdg_goal != 0 &&
        std::find(n.sdg_goals().begin(), n.sdg_goals().end(), sdg_goal) == n.sdg_goals().end()) {
      return false;
    }
    if (!words.empty()) {
      std::string text = absl::StrCat(n.code(), " ", n.display_name());
      for (const auto& s : n.sections()) absl::StrAppend(&text, " ", s.heading(), " ", s.body());
      const std::string folded = jp::SearchFold(text);
      for (const auto& w : words) {
        if (folded.find(w) == std::string::npos) return false;
      }
    }
    return true;
  }
};

absl::Status ParseIntField(const std::string& field, const std::string& value, int min, int max,
                           int* out) {
  char* end = nullptr;
  const long v = std::strtol(value.c_str(), &end, 10);
  if (value.empty() || *end != '\0' || v < min || v > max) {
    return status::InvalidField("FILTER_INVALID", field,
                                absl::StrCat("must be a number from ", min, " to ", max));
  }
  *out = static_cast<int>(v);
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<pb::ListNodesResponse> PlanDomain::ListNodes(const Principal& p,
                                                            const pb::ListNodesRequest& r) {
  SOKEI_ASSIGN_OR_RETURN(auto parent, api::ParseName(r.parent(), kPlanPattern, "parent"));
  SOKEI_RETURN_IF_ERROR(auth::CheckRead(p, parent.municipality()));
  SOKEI_ASSIGN_OR_RETURN(auto f, api::ParseFilter(r.filter(), {"level", "parent", "code",
                                                               "department", "tag", "sdg_goal"}));
  NodeFilter filter;
  if (f.count("level"))
    SOKEI_RETURN_IF_ERROR(ParseIntField("filter", f["level"], 1, 5, &filter.level));
  if (f.count("sdg_goal"))
    SOKEI_RETURN_IF_ERROR(ParseIntField("filter", f["sdg_goal"], 1, 17, &filter.sdg_goal));
  filter.parent = f["parent"];
  filter.code = f["code"];
  filter.department = f["department"];
  filter.tag = f["tag"];
  if (!r.order_by().empty() && r.order_by() != "sort_key" && r.order_by() != "code" &&
      r.order_by() != "display_name") {
    return status::InvalidField("ORDER_BY_INVALID", "order_by",
                                "must be sort_key, code or display_name");
  }
  const std::string key = absl::StrCat(r.parent(), "|", r.filter(), "|", r.order_by());
  SOKEI_ASSIGN_OR_RETURN(auto page, api::ParsePage(r.page_size(), r.page_token(), key));
  std::vector<pb::Node> all;
  SOKEI_RETURN_IF_ERROR(repo_->Read([&](PlanTx& tx) -> absl::Status {
    SOKEI_ASSIGN_OR_RETURN(auto plan, LoadOrNotFound<pb::Plan>(tx, Kind::kPlan, r.parent()));
    SOKEI_RETURN_IF_ERROR(CheckPlanVisible(p, plan));
    SOKEI_ASSIGN_OR_RETURN(auto recs, tx.ListCollection(Kind::kNode, r.parent()));
    SOKEI_ASSIGN_OR_RETURN(all, DecodeAll<pb::Node>(recs));
    return absl::OkStatus();
  }));
  all.erase(
      std::remove_if(all.begin(), all.end(), [&](const pb::Node& n) { return !filter.Matches(n); }),
      all.end());
  if (r.order_by() == "code") {
    std::stable_sort(all.begin(), all.end(), [](const pb::Node& a, const pb::Node& b) {
      return jp::Nfkc(a.code()) < jp::Nfkc(b.code());
    });
  } else if (r.order_by() == "display_name") {
    std::stable_sort(all.begin(), all.end(), [](const pb::Node& a, const pb::Node& b) {
      return a.display_name() < b.display_name();
    });
  }
  pb::ListNodesResponse resp;
  const int64_t total = static_cast<int64_t>(all.size());
  for (auto& n : Paginate(std::move(all), page)) *resp.add_nodes() = std::move(n);
  resp.set_next_page_token(api::NextPageToken(page, total, key));
  return resp;
}

absl::StatusOr<pb::SearchNodesResponse> PlanDomain::SearchNodes(const Principal& p,
                                                                const pb::SearchNodesRequest& r) {
  SOKEI_ASSIGN_OR_RETURN(
      auto parent, api::ParseName(r.parent(), kPlanPattern, "parent", /*allow_wildcard=*/true));
  SOKEI_RETURN_IF_ERROR(auth::CheckRead(p, parent.municipality()));
  Violations v;
  v.Text("query", r.query(), kMaxTitleChars, false);
  if (r.sdg_goal() < 0 || r.sdg_goal() > 17) v.Add("sdg_goal", "an SDG goal is 1 to 17");
  if (r.level() < 0 || r.level() > 5) v.Add("level", "must be 1 to 5");
  SOKEI_RETURN_IF_ERROR(v.ToStatus("SEARCH_INVALID"));
  NodeFilter filter;
  filter.level = r.level();
  filter.department = r.department();
  filter.tag = r.tag();
  filter.sdg_goal = r.sdg_goal();
  for (absl::string_view word : absl::StrSplit(jp::Nfkc(r.query()), ' ', absl::SkipEmpty())) {
    std::string folded = jp::SearchFold(word);
    if (!folded.empty()) filter.words.push_back(std::move(folded));
  }
  const std::string key = absl::StrCat(r.parent(), "|", r.query(), "|", r.department(), "|",
                                       r.sdg_goal(), "|", r.tag(), "|", r.level());
  SOKEI_ASSIGN_OR_RETURN(auto page, api::ParsePage(r.page_size(), r.page_token(), key));
  std::vector<pb::Node> all;
  SOKEI_RETURN_IF_ERROR(repo_->Read([&](PlanTx& tx) -> absl::Status {
    std::vector<Record> recs;
    std::set<std::string> visible_plans;
    if (parent.Id("plans") == "-") {
      SOKEI_ASSIGN_OR_RETURN(auto plans,
                             tx.ListCollection(Kind::kPlan, parent.Prefix("municipalities")));
      for (const Record& pr : plans) {
        SOKEI_ASSIGN_OR_RETURN(auto plan, Decode<pb::Plan>(pr));
        if (CheckPlanVisible(p, plan).ok()) visible_plans.insert(plan.name());
      }
      SOKEI_ASSIGN_OR_RETURN(recs, tx.ListMunicipality(Kind::kNode, parent.municipality()));
    } else {
      SOKEI_ASSIGN_OR_RETURN(auto plan, LoadOrNotFound<pb::Plan>(tx, Kind::kPlan, r.parent()));
      SOKEI_RETURN_IF_ERROR(CheckPlanVisible(p, plan));
      visible_plans.insert(plan.name());
      SOKEI_ASSIGN_OR_RETURN(recs, tx.ListCollection(Kind::kNode, r.parent()));
    }
    for (const Record& rec : recs) {
      if (visible_plans.count(rec.plan) == 0) continue;
      SOKEI_ASSIGN_OR_RETURN(auto node, Decode<pb::Node>(rec));
      if (filter.Matches(node)) all.push_back(std::move(node));
    }
    return absl::OkStatus();
  }));
  pb::SearchNodesResponse resp;
  const int64_t total = static_cast<int64_t>(all.size());
  for (auto& n : Paginate(std::move(all), page)) *resp.add_nodes() = std::move(n);
  resp.set_next_page_token(api::NextPageToken(page, total, key));
  return resp;
}

absl::StatusOr<pb::Node> PlanDomain::UpdateNode(const Principal& p,
                                                const pb::UpdateNodeRequest& r) {
  SOKEI_ASSIGN_OR_RETURN(auto name, api::ParseName(r.node().name(), kNodePattern, "node.name"));
  SOKEI_RETURN_IF_ERROR(auth::CheckWriteStructure(p, name.municipality()));
  return Mutate<pb::Node>(
      p, name.municipality(), "UpdateNode", "", r,
      [&](WriteContext& w, pb::Node* out) -> absl::Status {
        SOKEI_ASSIGN_OR_RETURN(auto rec, w.tx.Get(Kind::kNode, name.ToString()));
        if (!rec) return status::NotFound("NODE_NOT_FOUND", name.ToString());
        SOKEI_ASSIGN_OR_RETURN(auto before, Decode<pb::Node>(*rec));
        SOKEI_RETURN_IF_ERROR(
            CheckEtag(Kind::kNode, r.node().etag(), before.etag(), before.name()));
        *out = before;
        SOKEI_RETURN_IF_ERROR(
            ApplyMask(r.node(), r.update_mask(),
                      {"code", "display_name", "sort_key", "sections", "departments", "sdg_goals",
                       "sdg_targets", "tags", "budget_codes", "lineage"},
                      out));
        SOKEI_ASSIGN_OR_RETURN(auto plan, LoadOrNotFound<pb::Plan>(w.tx, Kind::kPlan, rec->plan));
        SOKEI_RETURN_IF_ERROR(ValidateNode(w.tx, plan, *out, name.municipality()));
        Record next = Stamp(
            out, {name.municipality(), rec->plan, rec->collection, out->code(), out->sort_key()},
            w.now, &*rec);
        SOKEI_RETURN_IF_ERROR(UpdateCoded(w.tx, Kind::kNode, next, "node.code"));
        return w.Audit(name.municipality(), out->name(), &before, out);
      });
}

absl::StatusOr<Empty> PlanDomain::DeleteNode(const Principal& p, const pb::DeleteNodeRequest& r) {
  SOKEI_ASSIGN_OR_RETURN(auto name, api::ParseName(r.name(), kNodePattern, "name"));
  SOKEI_RETURN_IF_ERROR(auth::CheckWriteStructure(p, name.municipality()));
  return Mutate<Empty>(
      p, name.municipality(), "DeleteNode", "", r, [&](WriteContext& w, Empty*) -> absl::Status {
        SOKEI_ASSIGN_OR_RETURN(auto before, LoadOrNotFound<pb::Node>(w.tx, Kind::kNode, r.name()));
        SOKEI_RETURN_IF_ERROR(CheckEtag(Kind::kNode, r.etag(), before.etag(), before.name()));
        const std::string plan = name.Prefix("plans");
        SOKEI_ASSIGN_OR_RETURN(auto node_recs, w.tx.ListPlan(Kind::kNode, plan));
        SOKEI_ASSIGN_OR_RETURN(auto nodes, DecodeAll<pb::Node>(node_recs));
        const std::set<std::string> doomed = Subtree(nodes, r.name());
        SOKEI_ASSIGN_OR_RETURN(auto link_recs, w.tx.ListPlan(Kind::kLink, plan));
        std::vector<std::string> doomed_links;
        for (const Record& lr : link_recs) {
          SOKEI_ASSIGN_OR_RETURN(auto link, Decode<pb::PackageLink>(lr));
          if (doomed.count(link.node())) doomed_links.push_back(link.name());
        }
        if (!r.force() && (doomed.size() > 1 || !doomed_links.empty())) {
          return status::FailedPrecondition(
              "NODE_HAS_CHILDREN",
              {"HAS_CHILDREN", r.name(),
               absl::StrCat("has ", doomed.size() - 1, " descendant node(s) and ",
                            doomed_links.size(),
                            " package link(s); pass force to delete them too")});
        }
        for (const auto& l : doomed_links) SOKEI_RETURN_IF_ERROR(w.tx.Delete(Kind::kLink, l));
        for (const auto& n : doomed) SOKEI_RETURN_IF_ERROR(w.tx.Delete(Kind::kNode, n));
        return w.Audit(name.municipality(), r.name(), &before, nullptr);
      });
}

absl::StatusOr<pb::Node> PlanDomain::MoveNode(const Principal& p, const pb::MoveNodeRequest& r) {
  SOKEI_ASSIGN_OR_RETURN(auto name, api::ParseName(r.name(), kNodePattern, "name"));
  SOKEI_RETURN_IF_ERROR(auth::CheckWriteStructure(p, name.municipality()));
  return Mutate<pb::Node>(
      p, name.municipality(), "MoveNode", "", r,
      [&](WriteContext& w, pb::Node* out) -> absl::Status {
        SOKEI_ASSIGN_OR_RETURN(auto rec, w.tx.Get(Kind::kNode, r.name()));
        if (!rec) return status::NotFound("NODE_NOT_FOUND", r.name());
        SOKEI_ASSIGN_OR_RETURN(auto before, Decode<pb::Node>(*rec));
        SOKEI_RETURN_IF_ERROR(CheckEtag(Kind::kNode, r.etag(), before.etag(), before.name()));
        if (!r.new_parent().empty()) {
          SOKEI_ASSIGN_OR_RETURN(auto pn,
                                 api::ParseName(r.new_parent(), kNodePattern, "new_parent"));
          if (pn.Prefix("plans") != rec->plan) {
            return status::InvalidField("NODE_PARENT_INVALID", "new_parent",
                                        "must be a node of the same plan");
          }
          SOKEI_ASSIGN_OR_RETURN(auto node_recs, w.tx.ListPlan(Kind::kNode, rec->plan));
          SOKEI_ASSIGN_OR_RETURN(auto nodes, DecodeAll<pb::Node>(node_recs));
          if (Subtree(nodes, r.name()).count(r.new_parent())) {
            return status::FailedPrecondition(
                "NODE_CYCLE",
                {"CYCLE", r.name(), "cannot move a node under itself or one of its descendants"});
          }
          SOKEI_ASSIGN_OR_RETURN(auto np, Load<pb::Node>(w.tx, Kind::kNode, r.new_parent()));
          if (!np)
            return status::InvalidField("NODE_PARENT_INVALID", "new_parent", "does not exist");
          if (np->level() != before.level() - 1) {
            return status::FailedPrecondition(
                "NODE_LEVEL_MISMATCH",
                {"LEVEL", r.name(),
                 absl::StrCat("is at level ", before.level(), " and needs a parent at level ",
                              before.level() - 1, "; the new parent is at level ", np->level())});
          }
        } else if (before.level() != 1) {
          return status::FailedPrecondition(
              "NODE_LEVEL_MISMATCH",
              {"LEVEL", r.name(), "only a level-1 node can be moved to the root"});
        }
        *out = before;
        out->set_parent(r.new_parent());
        out->set_sort_key(r.sort_key());
        Record next = Stamp(
            out, {name.municipality(), rec->plan, rec->collection, out->code(), out->sort_key()},
            w.now, &*rec);
        SOKEI_RETURN_IF_ERROR(w.tx.Update(Kind::kNode, next));
        return w.Audit(name.municipality(), out->name(), &before, out);
      });
}

}  // namespace sokei::plan
