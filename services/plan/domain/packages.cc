// Packages (重点戦略, 総合戦略 …) and their links to nodes.
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

// Package codes repeat under different parents ((1), (2) under each 重点戦略): unique among
// siblings.
std::string PackageCodeKey(const pb::Package& pkg) {
  return pkg.code().empty() ? "" : absl::StrCat(pkg.parent(), "|", pkg.code());
}

absl::Status ValidatePackage(PlanTx& tx, const pb::Package& pkg, const std::string& plan) {
  Violations v;
  v.Text("package.display_name", pkg.display_name(), kMaxTitleChars, true);
  v.Text("package.code", pkg.code(), kMaxCodeChars, false);
  v.Text("package.kind_label", pkg.kind_label(), kMaxLabelChars, false);
  if (pkg.kind() == pb::PACKAGE_KIND_UNSPECIFIED) {
    v.Add("package.kind",
          "is required (PRIORITY_STRATEGY, PRIORITY_PROJECT, STRATEGY_GOAL or OTHER)");
  }
  v.Sections("package.sections", pkg.sections());
  v.Labels("package.tags", pkg.tags(), kMaxCodeChars);
  v.SdgGoals("package.sdg_goals", pkg.sdg_goals());
  v.Labels("package.indicator_titles", pkg.indicator_titles(), kMaxTitleChars);
  SOKEI_RETURN_IF_ERROR(v.ToStatus("PACKAGE_INVALID"));
  if (!pkg.parent().empty()) {
    SOKEI_ASSIGN_OR_RETURN(auto pn,
                           api::ParseName(pkg.parent(), kPackagePattern, "package.parent"));
    if (pn.Prefix("plans") != plan) {
      return status::InvalidField("PACKAGE_PARENT_INVALID", "package.parent",
                                  "must be a package of the same plan");
    }
    // Walk up: the parent must exist and the chain must not come back to this package.
    std::string cur = pkg.parent();
    for (int depth = 0; !cur.empty(); ++depth) {
      if (cur == pkg.name() || depth > 10) {
        return status::FailedPrecondition(
            "PACKAGE_CYCLE", {"CYCLE", pkg.name(), "a package cannot be its own ancestor"});
      }
      SOKEI_ASSIGN_OR_RETURN(auto up, Load<pb::Package>(tx, Kind::kPackage, cur));
      if (!up)
        return status::InvalidField("PACKAGE_PARENT_INVALID", "package.parent", "does not exist");
      cur = up->parent();
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<pb::Package> PlanDomain::CreatePackage(const Principal& p,
                                                      const pb::CreatePackageRequest& r) {
  SOKEI_ASSIGN_OR_RETURN(auto parent, api::ParseName(r.parent(), kPlanPattern, "parent"));
  SOKEI_RETURN_IF_ERROR(auth::CheckWriteStructure(p, parent.municipality()));
  SOKEI_RETURN_IF_ERROR(CheckId("package_id", r.package_id()));
  return Mutate<pb::Package>(
      p, parent.municipality(), "CreatePackage", r.request_id(), r,
      [&](WriteContext& w, pb::Package* out) -> absl::Status {
        SOKEI_RETURN_IF_ERROR(LoadOrNotFound<pb::Plan>(w.tx, Kind::kPlan, r.parent()).status());
        *out = r.package();
        out->set_name(absl::StrCat(r.parent(), "/packages/", r.package_id()));
        SOKEI_RETURN_IF_ERROR(ValidatePackage(w.tx, *out, r.parent()));
        Record rec = Stamp(
            out,
            {parent.municipality(), r.parent(), r.parent(), PackageCodeKey(*out), out->sort_key()},
            w.now, nullptr);
        SOKEI_RETURN_IF_ERROR(InsertCoded(w.tx, Kind::kPackage, rec, "package.code"));
        return w.Audit(parent.municipality(), out->name(), nullptr, out);
      });
}

absl::StatusOr<pb::Package> PlanDomain::GetPackage(const Principal& p,
                                                   const pb::GetPackageRequest& r) {
  SOKEI_ASSIGN_OR_RETURN(auto name, api::ParseName(r.name(), kPackagePattern, "name"));
  SOKEI_RETURN_IF_ERROR(auth::CheckRead(p, name.municipality()));
  pb::Package out;
  SOKEI_RETURN_IF_ERROR(repo_->Read([&](PlanTx& tx) -> absl::Status {
    SOKEI_RETURN_IF_ERROR(CheckPlanVisibleByName(tx, p, name.Prefix("plans")));
    SOKEI_ASSIGN_OR_RETURN(out, LoadOrNotFound<pb::Package>(tx, Kind::kPackage, r.name()));
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<pb::ListPackagesResponse> PlanDomain::ListPackages(
    const Principal& p, const pb::ListPackagesRequest& r) {
  SOKEI_ASSIGN_OR_RETURN(auto parent, api::ParseName(r.parent(), kPlanPattern, "parent"));
  SOKEI_RETURN_IF_ERROR(auth::CheckRead(p, parent.municipality()));
  SOKEI_ASSIGN_OR_RETURN(auto f, api::ParseFilter(r.filter(), {"kind", "parent"}));
  if (f.count("kind") && pb::PackageKind_descriptor()->FindValueByName(f["kind"]) == nullptr) {
    return status::InvalidField("FILTER_INVALID", "filter", "kind is not a PackageKind value");
  }
  const std::string key = absl::StrCat(r.parent(), "|", r.filter());
  SOKEI_ASSIGN_OR_RETURN(auto page, api::ParsePage(r.page_size(), r.page_token(), key));
  std::vector<pb::Package> all;
  SOKEI_RETURN_IF_ERROR(repo_->Read([&](PlanTx& tx) -> absl::Status {
    SOKEI_RETURN_IF_ERROR(CheckPlanVisibleByName(tx, p, r.parent()));
    SOKEI_ASSIGN_OR_RETURN(auto recs, tx.ListCollection(Kind::kPackage, r.parent()));
    SOKEI_ASSIGN_OR_RETURN(all, DecodeAll<pb::Package>(recs));
    return absl::OkStatus();
  }));
  all.erase(std::remove_if(all.begin(), all.end(),
                           [&](const pb::Package& pkg) {
                             if (f.count("kind") && pb::PackageKind_Name(pkg.kind()) != f["kind"])
                               return true;
                             if (f.count("parent") && pkg.parent() != f["parent"]) return true;
                             return false;
                           }),
            all.end());
  pb::ListPackagesResponse resp;
  const int64_t total = static_cast<int64_t>(all.size());
  for (auto& x : Paginate(std::move(all), page)) *resp.add_packages() = std::move(x);
  resp.set_next_page_token(api::NextPageToken(page, total, key));
  return resp;
}

absl::StatusOr<pb::Package> PlanDomain::UpdatePackage(const Principal& p,
                                                      const pb::UpdatePackageRequest& r) {
  SOKEI_ASSIGN_OR_RETURN(auto name,
                         api::ParseName(r.package().name(), kPackagePattern, "package.name"));
  SOKEI_RETURN_IF_ERROR(auth::CheckWriteStructure(p, name.municipality()));
  return Mutate<pb::Package>(
      p, name.municipality(), "UpdatePackage", "", r,
      [&](WriteContext& w, pb::Package* out) -> absl::Status {
        SOKEI_ASSIGN_OR_RETURN(auto rec, w.tx.Get(Kind::kPackage, name.ToString()));
        if (!rec) return status::NotFound("PACKAGE_NOT_FOUND", name.ToString());
        SOKEI_ASSIGN_OR_RETURN(auto before, Decode<pb::Package>(*rec));
        SOKEI_RETURN_IF_ERROR(
            CheckEtag(Kind::kPackage, r.package().etag(), before.etag(), before.name()));
        *out = before;
        SOKEI_RETURN_IF_ERROR(
            ApplyMask(r.package(), r.update_mask(),
                      {"code", "display_name", "kind", "kind_label", "parent", "sort_key",
                       "sections", "tags", "sdg_goals", "indicator_titles"},
                      out));
        SOKEI_RETURN_IF_ERROR(ValidatePackage(w.tx, *out, rec->plan));
        Record next = Stamp(out,
                            {name.municipality(), rec->plan, rec->collection, PackageCodeKey(*out),
                             out->sort_key()},
                            w.now, &*rec);
        SOKEI_RETURN_IF_ERROR(UpdateCoded(w.tx, Kind::kPackage, next, "package.code"));
        return w.Audit(name.municipality(), out->name(), &before, out);
      });
}

absl::StatusOr<Empty> PlanDomain::DeletePackage(const Principal& p,
                                                const pb::DeletePackageRequest& r) {
  SOKEI_ASSIGN_OR_RETURN(auto name, api::ParseName(r.name(), kPackagePattern, "name"));
  SOKEI_RETURN_IF_ERROR(auth::CheckWriteStructure(p, name.municipality()));
  return Mutate<Empty>(
      p, name.municipality(), "DeletePackage", "", r, [&](WriteContext& w, Empty*) -> absl::Status {
        SOKEI_ASSIGN_OR_RETURN(auto before,
                               LoadOrNotFound<pb::Package>(w.tx, Kind::kPackage, r.name()));
        SOKEI_RETURN_IF_ERROR(CheckEtag(Kind::kPackage, r.etag(), before.etag(), before.name()));
        SOKEI_ASSIGN_OR_RETURN(auto pkg_recs, w.tx.ListPlan(Kind::kPackage, name.Prefix("plans")));
        // The package and its sub-packages, found by walking parents.
        std::set<std::string> doomed{r.name()};
        for (bool grew = true; grew;) {
          grew = false;
          for (const Record& pr : pkg_recs) {
            SOKEI_ASSIGN_OR_RETURN(auto pkg, Decode<pb::Package>(pr));
            if (doomed.count(pkg.parent()) && doomed.insert(pkg.name()).second) grew = true;
          }
        }
        std::vector<std::string> links;
        for (const auto& pkg : doomed) {
          SOKEI_ASSIGN_OR_RETURN(auto lrs, w.tx.ListCollection(Kind::kLink, pkg));
          for (const Record& lr : lrs) links.push_back(lr.name);
        }
        if (!r.force() && (doomed.size() > 1 || !links.empty())) {
          return status::FailedPrecondition(
              "PACKAGE_HAS_CHILDREN",
              {"HAS_CHILDREN", r.name(),
               absl::StrCat("has ", doomed.size() - 1, " sub-package(s) and ", links.size(),
                            " link(s); pass force to delete them too")});
        }
        for (const auto& l : links) SOKEI_RETURN_IF_ERROR(w.tx.Delete(Kind::kLink, l));
        for (const auto& pkg : doomed) SOKEI_RETURN_IF_ERROR(w.tx.Delete(Kind::kPackage, pkg));
        return w.Audit(name.municipality(), r.name(), &before, nullptr);
      });
}

absl::StatusOr<pb::PackageLink> PlanDomain::CreatePackageLink(
    const Principal& p, const pb::CreatePackageLinkRequest& r) {
  SOKEI_ASSIGN_OR_RETURN(auto parent, api::ParseName(r.parent(), kPackagePattern, "parent"));
  SOKEI_RETURN_IF_ERROR(auth::CheckWriteStructure(p, parent.municipality()));
  SOKEI_ASSIGN_OR_RETURN(auto node, api::ParseName(r.link().node(), kNodePattern, "link.node"));
  if (node.Prefix("plans") != parent.Prefix("plans")) {
    return status::InvalidField("PACKAGE_LINK_INVALID", "link.node",
                                "must be a node of the package's plan");
  }
  const std::string link_id = r.link_id().empty() ? node.Id("nodes") : r.link_id();
  SOKEI_RETURN_IF_ERROR(CheckId("link_id", link_id));
  Violations v;
  if (r.link().role() == pb::PACKAGE_LINK_ROLE_UNSPECIFIED)
    v.Add("link.role", "is required (PRIMARY, CONTRIBUTING or RELATED)");
  v.Text("link.note", r.link().note(), kMaxBodyChars, false);
  SOKEI_RETURN_IF_ERROR(v.ToStatus("PACKAGE_LINK_INVALID"));
  return Mutate<pb::PackageLink>(
      p, parent.municipality(), "CreatePackageLink", r.request_id(), r,
      [&](WriteContext& w, pb::PackageLink* out) -> absl::Status {
        SOKEI_RETURN_IF_ERROR(
            LoadOrNotFound<pb::Package>(w.tx, Kind::kPackage, r.parent()).status());
        SOKEI_ASSIGN_OR_RETURN(auto n, Load<pb::Node>(w.tx, Kind::kNode, r.link().node()));
        if (!n) return status::InvalidField("PACKAGE_LINK_INVALID", "link.node", "does not exist");
        *out = r.link();
        out->set_name(absl::StrCat(r.parent(), "/links/", link_id));
        // The code column holds the node: one link per (package, node).
        Record rec =
            Stamp(out, {parent.municipality(), parent.Prefix("plans"), r.parent(), out->node(), 0},
                  w.now, nullptr);
        absl::Status s = w.tx.Insert(Kind::kLink, rec);
        if (absl::IsAlreadyExists(s))
          return status::AlreadyExists("PACKAGE_LINK_ALREADY_EXISTS", out->name());
        SOKEI_RETURN_IF_ERROR(s);
        return w.Audit(parent.municipality(), out->name(), nullptr, out);
      });
}

absl::StatusOr<pb::PackageLink> PlanDomain::GetPackageLink(const Principal& p,
                                                           const pb::GetPackageLinkRequest& r) {
  SOKEI_ASSIGN_OR_RETURN(auto name, api::ParseName(r.name(), kLinkPattern, "name"));
  SOKEI_RETURN_IF_ERROR(auth::CheckRead(p, name.municipality()));
  pb::PackageLink out;
  SOKEI_RETURN_IF_ERROR(repo_->Read([&](PlanTx& tx) -> absl::Status {
    SOKEI_RETURN_IF_ERROR(CheckPlanVisibleByName(tx, p, name.Prefix("plans")));
    SOKEI_ASSIGN_OR_RETURN(out, LoadOrNotFound<pb::PackageLink>(tx, Kind::kLink, r.name()));
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<pb::ListPackageLinksResponse> PlanDomain::ListPackageLinks(
    const Principal& p, const pb::ListPackageLinksRequest& r) {
  SOKEI_ASSIGN_OR_RETURN(auto parent, api::ParseName(r.parent(), kPackagePattern, "parent"));
  SOKEI_RETURN_IF_ERROR(auth::CheckRead(p, parent.municipality()));
  SOKEI_ASSIGN_OR_RETURN(auto page, api::ParsePage(r.page_size(), r.page_token(), r.parent()));
  std::vector<pb::PackageLink> all;
  SOKEI_RETURN_IF_ERROR(repo_->Read([&](PlanTx& tx) -> absl::Status {
    SOKEI_RETURN_IF_ERROR(CheckPlanVisibleByName(tx, p, parent.Prefix("plans")));
    SOKEI_RETURN_IF_ERROR(LoadOrNotFound<pb::Package>(tx, Kind::kPackage, r.parent()).status());
    SOKEI_ASSIGN_OR_RETURN(auto recs, tx.ListCollection(Kind::kLink, r.parent()));
    SOKEI_ASSIGN_OR_RETURN(all, DecodeAll<pb::PackageLink>(recs));
    return absl::OkStatus();
  }));
  pb::ListPackageLinksResponse resp;
  const int64_t total = static_cast<int64_t>(all.size());
  for (auto& x : Paginate(std::move(all), page)) *resp.add_links() = std::move(x);
  resp.set_next_page_token(api::NextPageToken(page, total, r.parent()));
  return resp;
}

absl::StatusOr<Empty> PlanDomain::DeletePackageLink(const Principal& p,
                                                    const pb::DeletePackageLinkRequest& r) {
  SOKEI_ASSIGN_OR_RETURN(auto name, api::ParseName(r.name(), kLinkPattern, "name"));
  SOKEI_RETURN_IF_ERROR(auth::CheckWriteStructure(p, name.municipality()));
  return Mutate<Empty>(
      p, name.municipality(), "DeletePackageLink", "", r,
      [&](WriteContext& w, Empty*) -> absl::Status {
        SOKEI_ASSIGN_OR_RETURN(auto before,
                               LoadOrNotFound<pb::PackageLink>(w.tx, Kind::kLink, r.name()));
        SOKEI_RETURN_IF_ERROR(CheckEtag(Kind::kLink, r.etag(), before.etag(), before.name()));
        SOKEI_RETURN_IF_ERROR(w.tx.Delete(Kind::kLink, r.name()));
        return w.Audit(name.municipality(), r.name(), &before, nullptr);
      });
}

absl::StatusOr<pb::PackageMatrix> PlanDomain::GetPackageMatrix(
    const Principal& p, const pb::GetPackageMatrixRequest& r) {
  if (r.level() < 0 || r.level() > 5)
    return status::InvalidField("MATRIX_INVALID", "level", "must be 0 to 5");
  SOKEI_RETURN_IF_ERROR(api::ParseName(r.plan(), kPlanPattern, "plan").status());
  pb::GetPlanTreeRequest tree_request;
  tree_request.set_name(r.plan());
  pb::PlanTree tree;
  SOKEI_RETURN_IF_ERROR(GetPlanTree(p, tree_request, &tree));
  std::unordered_map<std::string, const pb::Node*> by_name;
  for (const auto& tn : tree.nodes()) by_name[tn.node().name()] = &tn.node();
  std::unordered_map<std::string, std::string> top_package;  // package → its top-level ancestor
  std::unordered_map<std::string, const pb::Package*> pkgs;
  for (const auto& pkg : tree.packages()) pkgs[pkg.name()] = &pkg;
  for (const auto& pkg : tree.packages()) {
    const pb::Package* cur = &pkg;
    for (int guard = 0; !cur->parent().empty() && pkgs.count(cur->parent()) && guard < 10;
         ++guard) {
      cur = pkgs[cur->parent()];
    }
    top_package[pkg.name()] = cur->name();
  }
  int level = r.level();
  if (level == 0) {
    for (const auto& link : tree.links()) {
      auto it = by_name.find(link.node());
      if (it != by_name.end()) level = std::max(level, it->second->level());
    }
    if (level == 0) level = 1;
  }
  // The ancestor of a node at `level` (or the node itself when shallower).
  auto row_of = [&](const pb::Node* n) {
    while (n->level() > level && by_name.count(n->parent())) n = by_name[n->parent()];
    return n;
  };
  std::map<std::string, std::map<std::string, std::vector<std::string>>>
      cells;  // row → top pkg → nodes
  for (int i = 0; i < tree.links_size(); ++i) {
    auto it = by_name.find(tree.links(i).node());
    if (it == by_name.end()) continue;
    const pb::Node* row = row_of(it->second);
    const std::string& column = top_package[tree.link_packages(i)];
    if (row->level() == level) {
      cells[row->name()][column].push_back(it->second->name());
    } else {
      // A link to a shallower node covers every row below it.
      for (const auto& tn : tree.nodes()) {
        if (tn.node().level() != level) continue;
        const pb::Node* up = &tn.node();
        while (up->level() > row->level() && by_name.count(up->parent()))
          up = by_name[up->parent()];
        if (up == row) cells[tn.node().name()][column].push_back(it->second->name());
      }
    }
  }
  pb::PackageMatrix out;
  std::vector<std::string> columns;
  for (const auto& pkg : tree.packages()) {
    if (pkg.parent().empty()) {
      *out.add_packages() = pkg;
      columns.push_back(pkg.name());
    }
  }
  for (const auto& tn : tree.nodes()) {
    if (tn.node().level() != level) continue;
    auto* row = out.add_rows();
    *row->mutable_node() = tn.node();
    auto it = cells.find(tn.node().name());
    if (it == cells.end()) continue;
    for (const auto& column : columns) {
      auto c = it->second.find(column);
      if (c == it->second.end()) continue;
      auto* cell = row->add_cells();
      cell->set_package(column);
      for (const auto& n : c->second) cell->add_linked_nodes(n);
    }
  }
  return out;
}

}  // namespace sokei::plan
