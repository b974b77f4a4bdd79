// Evaluation sheets (評価シート): read, list, write by section, submit, return, accept.
#include <algorithm>
#include <optional>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/api/names.h"
#include "common/api/resources.h"
#include "common/status/status.h"
#include "services/kpi/domain/costing.h"
#include "services/kpi/domain/indicator_trend.h"
#include "services/kpi/domain/kpi_domain.h"
#include "services/kpi/domain/kpi_internal.h"
#include "services/kpi/domain/sheet_html.h"
#include "services/kpi/domain/sheet_read.h"
#include "services/kpi/domain/sheet_rules.h"
#include "services/kpi/domain/sheet_template.h"
#include "services/kpi/domain/survey_perceptions.h"

namespace sokei::kpi {
namespace {

struct SheetAddress {
  std::string name, municipality, plan, evaluation, node, node_id;
  int fiscal_year = 0;
};

absl::StatusOr<SheetAddress> ParseSheet(const std::string& name, const std::string& field) {
  SOKEI_ASSIGN_OR_RETURN(auto n, api::ParseName(name, kSheetPattern, field));
  SheetAddress a;
  a.name = name;
  a.municipality = n.municipality();
  a.plan = n.Prefix("plans");
  a.evaluation = n.Prefix("evaluations");
  a.node_id = n.Id("sheets");
  a.node = absl::StrCat(a.plan, "/nodes/", a.node_id);
  if (!absl::SimpleAtoi(n.Id("evaluations"), &a.fiscal_year)) {
    return status::NotFound("SHEET_NOT_FOUND", name);
  }
  return a;
}

// The nodes of a plan's tree by name.
class TreeIndex {
 public:
  explicit TreeIndex(const planpb::PlanTree& tree) : tree_(tree) {
    for (int i = 0; i < tree.nodes_size(); ++i) at_[tree.nodes(i).node().name()] = i;
  }
  const planpb::TreeNode* Find(const std::string& name) const {
    auto it = at_.find(name);
    return it == at_.end() ? nullptr : &tree_.nodes(it->second);
  }
  int levels() const { return tree_.levels_size(); }
  // The nodes at `depth` under `node`, in tree order.
  void Descendants(const planpb::TreeNode& node, int depth,
                   std::vector<const planpb::Node*>* out) const {
    for (const auto& child : node.children()) {
      const planpb::TreeNode* c = Find(child);
      if (c == nullptr) continue;
      if (c->node().level() == depth) {
        out->push_back(&c->node());
      } else if (c->node().level() < depth) {
        Descendants(*c, depth, out);
      }
    }
  }

 private:
  const planpb::PlanTree& tree_;
  absl::flat_hash_map<std::string, int> at_;
};

// Who writes a node's 一次評価: its 所管課 and 担当課 (関係課 only contribute). A node that names
// none — a progress-table import makes nodes without departments, the table's 所管課 column goes
// to the indicators — is the departments' of its indicators, and a 施策's also those of the 事業
// under it.
class SheetOwners {
 public:
  SheetOwners(const TreeIndex& tree, const pb::Evaluation& e, const SheetLevels& levels)
      : tree_(tree), levels_(levels) {
    for (const auto& ir : e.summary().indicators()) {
      for (const auto& n : ir.nodes()) {
        for (const auto& d : ir.departments()) by_node_[n].push_back(d);
      }
    }
  }

  std::vector<std::string> For(const planpb::Node& n) const {
    std::vector<std::string> out;
    Add(n, &out);
    if (!out.empty() || n.level() != levels_.measure) return out;
    if (const planpb::TreeNode* tn = tree_.Find(n.name())) {
      std::vector<const planpb::Node*> under;
      tree_.Descendants(*tn, levels_.project, &under);
      for (const planpb::Node* u : under) Add(*u, &out);
    }
    return out;
  }

 private:
  void Add(const planpb::Node& n, std::vector<std::string>* out) const {
    auto add = [&](const std::string& d) {
      if (std::find(out->begin(), out->end(), d) == out->end()) out->push_back(d);
    };
    bool named = false;
    for (const auto& d : n.departments()) {
      if (d.role() == planpb::DEPARTMENT_ROLE_RELATED) continue;
      add(d.department());
      named = true;
    }
    if (named) return;
    auto it = by_node_.find(n.name());
    if (it != by_node_.end()) {
      for (const auto& d : it->second) add(d);
    }
  }

  const TreeIndex& tree_;
  SheetLevels levels_;
  absl::flat_hash_map<std::string, std::vector<std::string>> by_node_;
};

void FillFromNode(const planpb::Node& n, const SheetOwners& owners, pb::EvaluationSheet* s) {
  s->set_code(n.code());
  s->set_display_name(n.display_name());
  s->clear_departments();
  for (auto& d : owners.For(n)) s->add_departments(std::move(d));
}

pb::EvaluationSheet BlankSheet(const SheetAddress& a, const planpb::Node& n, pb::SheetKind kind,
                               const SheetOwners& owners) {
  pb::EvaluationSheet s;
  s.set_name(a.name);
  s.set_node(a.node);
  s.set_kind(kind);
  s.set_fiscal_year(a.fiscal_year);
  s.set_state(pb::SHEET_STATE_DRAFT);
  FillFromNode(n, owners, &s);
  return s;
}

SheetWriter WriterOf(const Principal& p, const google::protobuf::RepeatedPtrField<std::string>& d) {
  SheetWriter w;
  w.planner = IsPlanner(p);
  if (p.Has(auth::Role::kEditor)) {
    for (const auto& dept : d) w.owner = w.owner || p.departments.count(DepartmentId(dept)) > 0;
  }
  return w;
}

// Public readers see the judgements and their reasons, not the staff accounts behind them.
void HideStaff(pb::EvaluationSheet* s) {
  for (auto& e : *s->mutable_review_history()) e.clear_actor();
  for (auto& a : *s->mutable_amendments()) a.clear_author();
}

void AddSnapshot(const pb::Evaluation& e, pb::EvaluationSheet* s) {
  for (const auto& ir : e.summary().indicators()) {
    if (std::find(ir.nodes().begin(), ir.nodes().end(), s->node()) != ir.nodes().end()) {
      *s->add_indicators() = ir;
    }
  }
  for (const auto& rr : e.summary().nodes()) {
    if (rr.subject() == s->node()) *s->mutable_rollup() = rr;
  }
}

// The list's index view: the choice fields only.
void IndexView(const pb::SheetTemplate& t, pb::EvaluationSheet* s) {
  google::protobuf::Map<std::string, std::string> keep;
  for (const auto& [key, value] : s->values()) {
    const pb::SheetField* f = FindSheetField(t, s->kind(), key);
    if (f != nullptr && f->choices_size() > 0) keep[key] = value;
  }
  *s->mutable_values() = std::move(keep);
  s->clear_amendments();
}

pb::SheetChild ChildOf(const pb::SheetTemplate& t, const pb::EvaluationSheet& s) {
  pb::SheetChild c;
  c.set_sheet(s.name());
  c.set_code(s.code());
  c.set_display_name(s.display_name());
  c.set_state(s.state());
  pb::EvaluationSheet index = s;
  IndexView(t, &index);
  *c.mutable_choices() = index.values();
  return c;
}

absl::StatusOr<pb::EvaluationSheet> DecodeSheet(const Record& rec) {
  pb::EvaluationSheet s;
  if (!s.ParseFromString(rec.data)) return status::Internal("STORAGE_CORRUPT");
  return s;
}

// The sheet of every node at a sheet depth, in tree order: stored ones and blanks.
absl::StatusOr<std::vector<pb::EvaluationSheet>> SheetsInTreeOrder(
    KpiTx& tx, const std::string& evaluation, int fiscal_year, const planpb::PlanTree& tree,
    const SheetLevels& levels, const SheetOwners& owners,
    const std::vector<const planpb::Node*>& only = {}) {
  SOKEI_ASSIGN_OR_RETURN(auto recs, tx.ListParent(Kind::kSheet, evaluation));
  absl::flat_hash_map<std::string, pb::EvaluationSheet> stored;
  for (const Record& rec : recs) {
    SOKEI_ASSIGN_OR_RETURN(auto s, DecodeSheet(rec));
    stored[s.node()] = std::move(s);
  }
  std::vector<const planpb::Node*> nodes = only;
  if (only.empty()) {
    for (const auto& tn : tree.nodes()) nodes.push_back(&tn.node());
  }
  std::vector<pb::EvaluationSheet> out;
  for (const planpb::Node* n : nodes) {
    const pb::SheetKind kind = SheetKindAt(levels, n->level());
    if (kind == pb::SHEET_KIND_UNSPECIFIED) continue;
    auto it = stored.find(n->name());
    if (it != stored.end()) {
      out.push_back(std::move(it->second));
      stored.erase(it);
      // Who may write it now: the node's current departments.
      out.back().clear_departments();
      for (auto& d : owners.For(*n)) out.back().add_departments(std::move(d));
      continue;
    }
    SheetAddress a;
    a.name = absl::StrCat(evaluation, "/sheets/", n->name().substr(n->name().rfind('/') + 1));
    a.node = n->name();
    a.fiscal_year = fiscal_year;
    out.push_back(BlankSheet(a, *n, kind, owners));
  }
  if (only.empty()) {
    // Sheets of nodes no longer in the tree (or a tree the caller may not read) stay part of
    // that year's evaluation: after the others, by name.
    std::vector<pb::EvaluationSheet> rest;
    for (auto& [node, sheet] : stored) rest.push_back(std::move(sheet));
    std::sort(rest.begin(), rest.end(),
              [](const auto& x, const auto& y) { return x.name() < y.name(); });
    for (auto& sheet : rest) out.push_back(std::move(sheet));
  }
  return out;
}

}  // namespace

absl::StatusOr<planpb::PlanTree> SheetTree(PlanClient& plans, const Principal& p,
                                           const std::string& plan) {
  auto tree = plans.GetPlanTree(p, plan);
  if (!tree.ok() && p.PublicOnly() && absl::IsNotFound(tree.status())) return planpb::PlanTree();
  return tree;
}

namespace {

// What a write of a sheet starts from, read in its transaction.
struct SheetForWrite {
  pb::Evaluation evaluation;
  pb::SheetTemplate sheet_template;
  SheetLevels levels;
  std::optional<Record> rec;
  pb::EvaluationSheet before;
};

absl::StatusOr<SheetForWrite> LoadForWrite(KpiTx& tx, const SheetAddress& a, const TreeIndex& tree,
                                           const std::string& etag) {
  SheetForWrite f;
  SOKEI_ASSIGN_OR_RETURN(
      f.evaluation,
      LoadOrNotFound<pb::Evaluation>(tx, Kind::kEvaluation, a.evaluation, "EVALUATION_NOT_FOUND"));
  SOKEI_ASSIGN_OR_RETURN(f.sheet_template, LoadSheetTemplate(tx, a.plan));
  f.levels = ResolveSheetLevels(f.sheet_template, tree.levels());
  const SheetOwners owners(tree, f.evaluation, f.levels);
  SOKEI_ASSIGN_OR_RETURN(f.rec, tx.Get(Kind::kSheet, a.name));
  const planpb::TreeNode* node = tree.Find(a.node);
  if (f.rec) {
    SOKEI_ASSIGN_OR_RETURN(f.before, DecodeSheet(*f.rec));
    // Who may write it now: the node's current departments.
    if (node != nullptr) FillFromNode(node->node(), owners, &f.before);
  } else {
    const pb::SheetKind kind =
        node == nullptr ? pb::SHEET_KIND_UNSPECIFIED : SheetKindAt(f.levels, node->node().level());
    if (kind == pb::SHEET_KIND_UNSPECIFIED) return status::NotFound("SHEET_NOT_FOUND", a.name);
    f.before = BlankSheet(a, node->node(), kind, owners);
  }
  SOKEI_RETURN_IF_ERROR(CheckEtag(etag, f.before.etag(), "SHEET_ETAG_MISMATCH", a.name));
  return f;
}

// The sheet as written (with the node's code, name and departments as LoadForWrite read them),
// its record and its audit row.
absl::Status StoreSheet(KpiDomain::WriteContext& w, const SheetAddress& a, const SheetForWrite& f,
                        pb::EvaluationSheet* out) {
  out->clear_indicators();
  out->clear_rollup();
  out->clear_children();
  out->clear_cost();
  out->clear_previous_cost();
  out->clear_perceptions();
  out->clear_trends();
  out->clear_unit_costs();
  Record next = StampSheet(out, {a.municipality, a.evaluation, a.node_id, 0}, w.now,
                           f.rec ? &*f.rec : nullptr);
  if (f.rec) {
    SOKEI_RETURN_IF_ERROR(w.tx.Update(Kind::kSheet, next));
  } else {
    SOKEI_RETURN_IF_ERROR(w.tx.Insert(Kind::kSheet, next));
  }
  if (!f.rec) return w.Audit(a.municipality, a.name, nullptr, out);
  SOKEI_ASSIGN_OR_RETURN(const pb::EvaluationSheet stored, DecodeSheet(*f.rec));
  return w.Audit(a.municipality, a.name, &stored, out);
}

absl::Status CheckNotPublished(const pb::Evaluation& e, const std::string& sheet) {
  if (e.stage() == pb::EVALUATION_STAGE_PUBLISHED) {
    return status::FailedPrecondition(
        "EVALUATION_PUBLISHED",
        {"STAGE", sheet, "a published evaluation is frozen; correct its sheets with an amendment"});
  }
  return absl::OkStatus();
}

absl::Status CheckSheetWriter(const Principal& p) {
  if (IsPlanner(p) || p.Has(auth::Role::kEditor)) return absl::OkStatus();
  return status::PermissionDenied(
      "PERMISSION_DENIED", "only editors of the owning department and planners write sheets");
}

}  // namespace

absl::StatusOr<SheetRead> ReadSheet(KpiRepository& repo, PlanClient& plans, const Principal& p,
                                    const std::string& name, const std::string& field,
                                    const planpb::PlanTree* given) {
  SOKEI_ASSIGN_OR_RETURN(auto a, ParseSheet(name, field));
  SOKEI_RETURN_IF_ERROR(auth::CheckRead(p, a.municipality));
  planpb::PlanTree read;
  if (given == nullptr) {
    SOKEI_ASSIGN_OR_RETURN(read, SheetTree(plans, p, a.plan));
  }
  const planpb::PlanTree& tree = given != nullptr ? *given : read;
  const TreeIndex index(tree);
  SheetRead out;
  pb::Evaluation evaluation;
  std::vector<pb::EvaluationSheet> children;
  SOKEI_RETURN_IF_ERROR(repo.Read([&](KpiTx& tx) -> absl::Status {
    SOKEI_ASSIGN_OR_RETURN(evaluation,
                           LoadOrNotFound<pb::Evaluation>(tx, Kind::kEvaluation, a.evaluation,
                                                          "EVALUATION_NOT_FOUND"));
    if (p.PublicOnly() && evaluation.stage() != pb::EVALUATION_STAGE_PUBLISHED) {
      return status::NotFound("EVALUATION_NOT_FOUND", a.evaluation);
    }
    SOKEI_ASSIGN_OR_RETURN(out.sheet_template, LoadSheetTemplate(tx, a.plan));
    SOKEI_ASSIGN_OR_RETURN(out.scheme, LoadScheme(tx, a.plan));
    const SheetLevels levels = ResolveSheetLevels(out.sheet_template, index.levels());
    const SheetOwners owners(index, evaluation, levels);
    SOKEI_ASSIGN_OR_RETURN(auto rec, tx.Get(Kind::kSheet, a.name));
    const planpb::TreeNode* node = index.Find(a.node);
    if (rec) {
      SOKEI_ASSIGN_OR_RETURN(out.sheet, DecodeSheet(*rec));
    } else {
      const pb::SheetKind kind =
          node == nullptr ? pb::SHEET_KIND_UNSPECIFIED : SheetKindAt(levels, node->node().level());
      if (kind == pb::SHEET_KIND_UNSPECIFIED) return status::NotFound("SHEET_NOT_FOUND", a.name);
      out.sheet = BlankSheet(a, node->node(), kind, owners);
    }
    // The 事業 whose money the sheet shows: its own, or a 施策's 事業.
    std::vector<std::string> costed = {out.sheet.node()};
    if (out.sheet.kind() == pb::SHEET_KIND_MEASURE && node != nullptr) {
      std::vector<const planpb::Node*> under;
      index.Descendants(*node, levels.project, &under);
      costed.clear();
      for (const planpb::Node* u : under) costed.push_back(u->name());
      if (!under.empty()) {
        SOKEI_ASSIGN_OR_RETURN(children, SheetsInTreeOrder(tx, a.evaluation, a.fiscal_year, tree,
                                                           levels, owners, under));
      }
    }
    SOKEI_ASSIGN_OR_RETURN(auto settings, LoadCostSettings(tx, a.municipality));
    SOKEI_ASSIGN_OR_RETURN(auto costs, LoadCosts(tx, a.plan, a.fiscal_year - 1, a.fiscal_year));
    std::vector<pb::ProjectCost> now, before;
    for (auto& c : costs) {
      if (std::find(costed.begin(), costed.end(), c.node()) == costed.end()) continue;
      DeriveCost(settings, &c);
      (c.fiscal_year() == a.fiscal_year ? now : before).push_back(std::move(c));
    }
    auto one = [&](std::vector<pb::ProjectCost>& list) {
      return list.size() == 1 && out.sheet.kind() == pb::SHEET_KIND_PROJECT ? list[0]
                                                                            : SumCosts(list);
    };
    if (!now.empty()) *out.sheet.mutable_cost() = one(now);
    if (!before.empty()) *out.sheet.mutable_previous_cost() = one(before);
    SOKEI_ASSIGN_OR_RETURN(auto perceptions,
                           NodePerceptions(tx, a.municipality, out.sheet.node(), a.fiscal_year));
    for (auto& pc : perceptions) *out.sheet.add_perceptions() = std::move(pc);
    // 推移: each of the node's indicators against its latest earlier actual (or its baseline).
    for (const auto& ir : evaluation.summary().indicators()) {
      if (std::find(ir.nodes().begin(), ir.nodes().end(), out.sheet.node()) == ir.nodes().end()) {
        continue;
      }
      SOKEI_ASSIGN_OR_RETURN(auto irec, tx.Get(Kind::kIndicator, ir.indicator()));
      if (!irec) continue;  // deleted since the snapshot
      pb::Indicator ind;
      if (!ind.ParseFromString(irec->data)) return status::Internal("STORAGE_CORRUPT");
      // The public compare with the baseline only: an earlier year's actual may be one no
      // published evaluation carries.
      std::vector<pb::Observation> obs;
      if (!p.PublicOnly()) {
        SOKEI_ASSIGN_OR_RETURN(auto orecs, tx.ListParent(Kind::kObservation, ir.indicator()));
        obs.resize(orecs.size());
        for (size_t i = 0; i < orecs.size(); ++i) {
          if (!obs[i].ParseFromString(orecs[i].data)) return status::Internal("STORAGE_CORRUPT");
        }
      }
      *out.sheet.add_trends() = TrendOf(ind, ir, obs);
    }
    return absl::OkStatus();
  }));
  out.stage = evaluation.stage();
  AddSnapshot(evaluation, &out.sheet);
  if (out.sheet.has_cost()) {
    for (auto& u : UnitCosts(out.sheet.cost(), out.sheet.indicators())) {
      *out.sheet.add_unit_costs() = std::move(u);
    }
  }
  for (const auto& c : children) *out.sheet.add_children() = ChildOf(out.sheet_template, c);
  if (p.PublicOnly()) HideStaff(&out.sheet);
  return out;
}

absl::StatusOr<pb::EvaluationSheet> KpiDomain::GetEvaluationSheet(
    const Principal& p, const pb::GetEvaluationSheetRequest& r) {
  SOKEI_ASSIGN_OR_RETURN(auto read, ReadSheet(*repo_, *plans_, p, r.name(), "name"));
  return std::move(read.sheet);
}

absl::StatusOr<pb::ListEvaluationSheetsResponse> KpiDomain::ListEvaluationSheets(
    const Principal& p, const pb::ListEvaluationSheetsRequest& r) {
  SOKEI_ASSIGN_OR_RETURN(auto en, api::ParseName(r.parent(), kEvaluationPattern, "parent"));
  SOKEI_RETURN_IF_ERROR(auth::CheckRead(p, en.municipality()));
  api::Violations v;
  if (!r.department().empty()) {
    auto d = api::ParseName(r.department(), kDepartmentPattern, "department");
    if (!d.ok() || d->municipality() != en.municipality()) {
      v.Add("department", "must be a department of this municipality");
    }
  }
  if (!pb::SheetKind_IsValid(r.kind())) v.Add("kind", "is not a sheet kind");
  SOKEI_RETURN_IF_ERROR(v.ToStatus("SHEET_INVALID"));
  int year = 0;
  if (!absl::SimpleAtoi(en.Id("evaluations"), &year)) {
    return status::NotFound("EVALUATION_NOT_FOUND", r.parent());
  }
  const std::string plan = en.Prefix("plans");
  SOKEI_ASSIGN_OR_RETURN(auto tree, SheetTree(*plans_, p, plan));
  pb::SheetTemplate tmpl;
  std::vector<pb::EvaluationSheet> sheets;
  SOKEI_RETURN_IF_ERROR(repo_->Read([&](KpiTx& tx) -> absl::Status {
    SOKEI_ASSIGN_OR_RETURN(auto e, LoadOrNotFound<pb::Evaluation>(tx, Kind::kEvaluation, r.parent(),
                                                                  "EVALUATION_NOT_FOUND"));
    if (p.PublicOnly() && e.stage() != pb::EVALUATION_STAGE_PUBLISHED) {
      return status::NotFound("EVALUATION_NOT_FOUND", r.parent());
    }
    SOKEI_ASSIGN_OR_RETURN(tmpl, LoadSheetTemplate(tx, plan));
    const SheetLevels levels = ResolveSheetLevels(tmpl, tree.levels_size());
    const TreeIndex index(tree);
    SOKEI_ASSIGN_OR_RETURN(sheets, SheetsInTreeOrder(tx, r.parent(), year, tree, levels,
                                                     SheetOwners(index, e, levels)));
    return absl::OkStatus();
  }));
  pb::ListEvaluationSheetsResponse out;
  for (auto& s : sheets) {
    if (r.kind() != pb::SHEET_KIND_UNSPECIFIED && s.kind() != r.kind()) continue;
    if (!r.department().empty() && std::find(s.departments().begin(), s.departments().end(),
                                             r.department()) == s.departments().end()) {
      continue;
    }
    IndexView(tmpl, &s);
    if (p.PublicOnly()) HideStaff(&s);
    *out.add_sheets() = std::move(s);
  }
  return out;
}

absl::StatusOr<pb::EvaluationSheet> KpiDomain::UpdateEvaluationSheet(
    const Principal& p, const pb::UpdateEvaluationSheetRequest& r) {
  SOKEI_ASSIGN_OR_RETURN(auto a, ParseSheet(r.sheet().name(), "sheet.name"));
  SOKEI_RETURN_IF_ERROR(auth::CheckRead(p, a.municipality));
  SOKEI_RETURN_IF_ERROR(CheckSheetWriter(p));
  api::Violations v;
  v.Text("amendment_reason", r.amendment_reason(), 2000, false);
  if (r.sheet().values_size() > 100) v.Add("sheet.values", "at most 100 fields in one write");
  SOKEI_RETURN_IF_ERROR(v.ToStatus("SHEET_INVALID"));
  SOKEI_ASSIGN_OR_RETURN(auto tree, plans_->GetPlanTree(p, a.plan));
  const TreeIndex index(tree);
  SOKEI_RETURN_IF_ERROR(
      Mutate<pb::EvaluationSheet>(
          p, a.municipality, "UpdateEvaluationSheet", r.request_id(), r,
          [&](WriteContext& w, pb::EvaluationSheet* out) -> absl::Status {
            SOKEI_ASSIGN_OR_RETURN(auto f, LoadForWrite(w.tx, a, index, r.sheet().etag()));
            // Whose sheet first: another department's editor learns nothing of its state.
            const SheetWriter who = WriterOf(p, f.before.departments());
            if (!who.planner && !who.owner) {
              return status::PermissionDenied("DEPARTMENT_NOT_OWNER",
                                              "the sheet belongs to another department");
            }
            const bool published = f.evaluation.stage() == pb::EVALUATION_STAGE_PUBLISHED;
            if (published && r.amendment_reason().empty()) {
              return status::FailedPrecondition(
                  "EVALUATION_PUBLISHED",
                  {"STAGE", a.name,
                   "a published evaluation is frozen; a planner corrects a sheet with "
                   "amendment_reason"});
            }
            if (!published && !r.amendment_reason().empty()) {
              return status::InvalidField("SHEET_INVALID", "amendment_reason",
                                          "only for a sheet of a published evaluation");
            }
            if (published && !who.planner) {
              return status::PermissionDenied("SHEET_PLANNERS_ONLY",
                                              "a published sheet is amended by planners");
            }
            // Keys in a fixed order: the same request gives the same violations and amendments.
            std::vector<std::pair<std::string, std::string>> values(r.sheet().values().begin(),
                                                                    r.sheet().values().end());
            std::sort(values.begin(), values.end());
            api::Violations bad;
            std::vector<const pb::SheetField*> fields;
            for (auto& [key, text] : values) {
              const std::string path = absl::StrCat("sheet.values[", key, "]");
              const pb::SheetField* field = FindSheetField(f.sheet_template, f.before.kind(), key);
              fields.push_back(field);
              if (field == nullptr) {
                bad.Add(path, absl::StrCat("is not a field of this plan's ",
                                           SheetTitle(f.before.kind())));
                continue;
              }
              CheckSheetValue(*field, path, &text, bad);
            }
            SOKEI_RETURN_IF_ERROR(bad.ToStatus("SHEET_INVALID"));
            *out = f.before;
            bool changed = false;
            for (size_t i = 0; i < values.size(); ++i) {
              const auto& [key, text] = values[i];
              auto it = out->values().find(key);
              const std::string old = it == out->values().end() ? "" : it->second;
              if (old == text) continue;
              if (!published) {
                SOKEI_RETURN_IF_ERROR(CheckSheetSectionWrite(
                    who, fields[i]->section(), f.before.state(), f.evaluation.stage(), a.name));
              } else {
                auto* am = out->add_amendments();
                am->set_field(key);
                am->set_before(old);
                am->set_after(text);
                am->set_reason(r.amendment_reason());
                am->set_author(p.subject);
                *am->mutable_time() = api::ToTimestamp(w.now);
              }
              if (text.empty()) {
                out->mutable_values()->erase(key);
              } else {
                (*out->mutable_values())[key] = text;
              }
              changed = true;
            }
            if (!changed) return absl::OkStatus();  // nothing to write: the sheet as it is
            return StoreSheet(w, a, f, out);
          })
          .status());
  SOKEI_ASSIGN_OR_RETURN(auto read, ReadSheet(*repo_, *plans_, p, a.name, "sheet.name"));
  return std::move(read.sheet);
}

absl::StatusOr<pb::EvaluationSheet> KpiDomain::TransitionSheet(
    const Principal& p, const pb::ReviewEvaluationSheetRequest& r, const char* method,
    pb::SheetState to) {
  SOKEI_ASSIGN_OR_RETURN(auto a, ParseSheet(r.name(), "name"));
  SOKEI_RETURN_IF_ERROR(auth::CheckRead(p, a.municipality));
  SOKEI_RETURN_IF_ERROR(CheckSheetWriter(p));
  api::Violations v;
  v.Text("comment", r.comment(), 2000, to == pb::SHEET_STATE_RETURNED);
  SOKEI_RETURN_IF_ERROR(v.ToStatus("SHEET_INVALID"));
  SOKEI_ASSIGN_OR_RETURN(auto tree, plans_->GetPlanTree(p, a.plan));
  const TreeIndex index(tree);
  SOKEI_RETURN_IF_ERROR(
      Mutate<pb::EvaluationSheet>(
          p, a.municipality, method, r.request_id(), r,
          [&](WriteContext& w, pb::EvaluationSheet* out) -> absl::Status {
            SOKEI_ASSIGN_OR_RETURN(auto f, LoadForWrite(w.tx, a, index, r.etag()));
            const SheetWriter who = WriterOf(p, f.before.departments());
            // The writer is checked before the sheet's state (Check* do), the state before the
            // rest.
            const absl::Status allowed =
                to == pb::SHEET_STATE_SUBMITTED
                    ? CheckSheetSubmit(who, f.before.state(), f.evaluation.stage(), a.name)
                    : CheckSheetReview(who, f.before.state(), to, f.evaluation.stage(), a.name);
            if (allowed.code() == absl::StatusCode::kPermissionDenied) return allowed;
            SOKEI_RETURN_IF_ERROR(CheckNotPublished(f.evaluation, a.name));
            SOKEI_RETURN_IF_ERROR(allowed);
            if (to == pb::SHEET_STATE_SUBMITTED) {
              auto missing =
                  MissingSheetFields(f.sheet_template, f.before.kind(), f.before.values());
              if (!missing.empty()) {
                return status::FailedPrecondition(
                    "SHEET_INCOMPLETE",
                    {"SHEET_STATE", a.name,
                     absl::StrCat("to fill in before submitting: ", absl::StrJoin(missing, "、"))});
              }
            }
            *out = f.before;
            out->set_state(to);
            auto* e = out->add_review_history();
            e->set_state(to == pb::SHEET_STATE_SUBMITTED  ? pb::REVIEW_STATE_SUBMITTED
                         : to == pb::SHEET_STATE_RETURNED ? pb::REVIEW_STATE_RETURNED
                                                          : pb::REVIEW_STATE_APPROVED);
            e->set_actor(p.subject);
            e->set_comment(NormalizeSheetText(r.comment()));
            *e->mutable_time() = api::ToTimestamp(w.now);
            return StoreSheet(w, a, f, out);
          })
          .status());
  SOKEI_ASSIGN_OR_RETURN(auto read, ReadSheet(*repo_, *plans_, p, a.name, "name"));
  return std::move(read.sheet);
}

absl::StatusOr<pb::EvaluationSheet> KpiDomain::SubmitEvaluationSheet(
    const Principal& p, const pb::ReviewEvaluationSheetRequest& r) {
  return TransitionSheet(p, r, "SubmitEvaluationSheet", pb::SHEET_STATE_SUBMITTED);
}

absl::StatusOr<pb::EvaluationSheet> KpiDomain::ReturnEvaluationSheet(
    const Principal& p, const pb::ReviewEvaluationSheetRequest& r) {
  return TransitionSheet(p, r, "ReturnEvaluationSheet", pb::SHEET_STATE_RETURNED);
}

absl::StatusOr<pb::EvaluationSheet> KpiDomain::AcceptEvaluationSheet(
    const Principal& p, const pb::ReviewEvaluationSheetRequest& r) {
  return TransitionSheet(p, r, "AcceptEvaluationSheet", pb::SHEET_STATE_ACCEPTED);
}

}  // namespace sokei::kpi
