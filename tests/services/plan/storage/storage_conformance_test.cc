// The storage conformance suite: every PlanRepository backend must pass it (SQLite, the in-memory
// test double, and PostgreSQL once its driver lands).
#include <gtest/gtest.h>

#include <filesystem>
#include <memory>

#include "absl/strings/str_cat.h"
#include "services/plan/storage/sql_plan_repository.h"
#include "tests/services/plan/storage/memory_plan_repository.h"
#include "tests/support/test_databases.h"

namespace sokei::plan {
namespace {

struct Backend {
  std::unique_ptr<sokei::testing::TestDatabase> database;
  std::unique_ptr<PlanRepository> repo;
};

std::unique_ptr<Backend> MakeBackend(const std::string& kind) {
  auto b = std::make_unique<Backend>();
  if (kind == "memory") {
    b->repo = std::make_unique<testing::MemoryPlanRepository>();
    return b;
  }
  b->database = sokei::testing::TestDatabase::Make(kind, 2);
  if (!b->database) return nullptr;
  auto repo = std::make_unique<SqlPlanRepository>(b->database->db());
  EXPECT_TRUE(repo->Migrate().ok());
  EXPECT_TRUE(repo->Migrate().ok()) << "migrations must be idempotent";
  b->repo = std::move(repo);
  return b;
}

Record Rec(const std::string& name, const std::string& collection, const std::string& code,
           int64_t sort_key, const std::string& data = "payload") {
  Record r;
  r.name = name;
  r.municipality = "142140";
  r.plan = "municipalities/142140/plans/p";
  r.collection = collection;
  r.code = code;
  r.sort_key = sort_key;
  r.revision = 1;
  r.data = data;
  return r;
}

class StorageConformance : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    b_ = MakeBackend(GetParam());
    if (!b_) GTEST_SKIP() << "no PostgreSQL test cluster (scripts/test.sh starts one)";
  }
  PlanRepository& repo() { return *b_->repo; }
  std::unique_ptr<Backend> b_;
};

TEST_P(StorageConformance, InsertGetRoundTripsBinaryData) {
  const std::string binary("\x00\x01\xff\xfe bytes 伊勢原", 17);
  ASSERT_TRUE(
      repo()
          .Write([&](PlanTx& tx) { return tx.Insert(Kind::kNode, Rec("n/a", "c", "", 0, binary)); })
          .ok());
  ASSERT_TRUE(repo()
                  .Read([&](PlanTx& tx) -> absl::Status {
                    auto got = tx.Get(Kind::kNode, "n/a");
                    EXPECT_TRUE(got.ok());
                    EXPECT_TRUE(got->has_value());
                    EXPECT_EQ((*got)->data, binary);
                    EXPECT_EQ((*got)->plan, "municipalities/142140/plans/p");
                    auto missing = tx.Get(Kind::kPlan, "n/a");  // same name, other kind
                    EXPECT_FALSE(missing->has_value());
                    return absl::OkStatus();
                  })
                  .ok());
}

TEST_P(StorageConformance, ListOrdersBySortKeyThenName) {
  ASSERT_TRUE(repo()
                  .Write([&](PlanTx& tx) -> absl::Status {
                    SOKEI_RETURN_IF_ERROR(tx.Insert(Kind::kNode, Rec("n/c", "col", "", 1, "c")));
                    SOKEI_RETURN_IF_ERROR(tx.Insert(Kind::kNode, Rec("n/b", "col", "", 2)));
                    SOKEI_RETURN_IF_ERROR(tx.Insert(Kind::kNode, Rec("n/a", "col", "", 2)));
                    return tx.Insert(Kind::kNode, Rec("n/z", "other", "", 0));
                  })
                  .ok());
  ASSERT_TRUE(repo()
                  .Read([&](PlanTx& tx) -> absl::Status {
                    auto list = tx.ListCollection(Kind::kNode, "col");
                    EXPECT_EQ(list->size(), 3u);
                    EXPECT_EQ((*list)[0].name, "n/c");
                    EXPECT_EQ((*list)[1].name, "n/a");
                    EXPECT_EQ((*list)[2].name, "n/b");
                    EXPECT_EQ(tx.ListPlan(Kind::kNode, "municipalities/142140/plans/p")->size(),
                              4u);
                    auto data = tx.ListPlanData(Kind::kNode, "municipalities/142140/plans/p");
                    auto full = tx.ListPlan(Kind::kNode, "municipalities/142140/plans/p");
                    EXPECT_EQ(data->size(), full->size());
                    for (size_t i = 0; i < std::min(data->size(), full->size()); ++i)
                      EXPECT_EQ((*data)[i], (*full)[i].data);
                    EXPECT_EQ(tx.ListMunicipality(Kind::kNode, "142140")->size(), 4u);
                    EXPECT_EQ(tx.ListMunicipality(Kind::kNode, "142034")->size(), 0u);
                    return absl::OkStatus();
                  })
                  .ok());
}

TEST_P(StorageConformance, DuplicateNameOrCodeIsAlreadyExists) {
  ASSERT_TRUE(
      repo()
          .Write([&](PlanTx& tx) { return tx.Insert(Kind::kNode, Rec("n/a", "col", "1-1", 0)); })
          .ok());
  auto dup_name =
      repo().Write([&](PlanTx& tx) { return tx.Insert(Kind::kNode, Rec("n/a", "col", "", 0)); });
  EXPECT_EQ(dup_name.code(), absl::StatusCode::kAlreadyExists);
  auto dup_code =
      repo().Write([&](PlanTx& tx) { return tx.Insert(Kind::kNode, Rec("n/b", "col", "1-1", 0)); });
  EXPECT_EQ(dup_code.code(), absl::StatusCode::kAlreadyExists);
  // The same code in another collection, or empty codes, are fine.
  EXPECT_TRUE(
      repo()
          .Write([&](PlanTx& tx) { return tx.Insert(Kind::kNode, Rec("n/c", "col2", "1-1", 0)); })
          .ok());
  EXPECT_TRUE(
      repo()
          .Write([&](PlanTx& tx) { return tx.Insert(Kind::kNode, Rec("n/d", "col", "", 0)); })
          .ok());
  EXPECT_TRUE(
      repo()
          .Write([&](PlanTx& tx) { return tx.Insert(Kind::kNode, Rec("n/e", "col", "", 0)); })
          .ok());
  // Updating a record onto a taken code is refused too.
  auto upd =
      repo().Write([&](PlanTx& tx) { return tx.Update(Kind::kNode, Rec("n/d", "col", "1-1", 0)); });
  EXPECT_EQ(upd.code(), absl::StatusCode::kAlreadyExists);
}

TEST_P(StorageConformance, FailedWriteLeavesNothing) {
  auto s = repo().Write([&](PlanTx& tx) -> absl::Status {
    SOKEI_RETURN_IF_ERROR(tx.Insert(Kind::kPlan, Rec("p/1", "m", "", 0)));
    SOKEI_RETURN_IF_ERROR(
        tx.AppendAudit({"142140", 0, 1, "u", "CreatePlan", "p/1", "", "", "{}"}).status());
    return absl::AbortedError("simulated failure after the writes");
  });
  EXPECT_EQ(s.code(), absl::StatusCode::kAborted);
  ASSERT_TRUE(repo()
                  .Read([&](PlanTx& tx) -> absl::Status {
                    EXPECT_FALSE(tx.Get(Kind::kPlan, "p/1")->has_value());
                    EXPECT_TRUE(tx.ListAudit("142140", "", "", 0, 10)->empty());
                    return absl::OkStatus();
                  })
                  .ok());
}

TEST_P(StorageConformance, UpdateAndDelete) {
  ASSERT_TRUE(repo()
                  .Write([&](PlanTx& tx) {
                    return tx.Insert(Kind::kNode, Rec("n/a", "col", "x", 0, "v1"));
                  })
                  .ok());
  Record r = Rec("n/a", "col", "y", 5, "v2");
  r.revision = 2;
  ASSERT_TRUE(repo().Write([&](PlanTx& tx) { return tx.Update(Kind::kNode, r); }).ok());
  ASSERT_TRUE(repo()
                  .Read([&](PlanTx& tx) -> absl::Status {
                    auto got = tx.Get(Kind::kNode, "n/a");
                    EXPECT_EQ((*got)->data, "v2");
                    EXPECT_EQ((*got)->code, "y");
                    EXPECT_EQ((*got)->revision, 2);
                    EXPECT_EQ((*got)->sort_key, 5);
                    return absl::OkStatus();
                  })
                  .ok());
  ASSERT_TRUE(repo().Write([&](PlanTx& tx) { return tx.Delete(Kind::kNode, "n/a"); }).ok());
  ASSERT_TRUE(repo()
                  .Read([&](PlanTx& tx) -> absl::Status {
                    EXPECT_FALSE(tx.Get(Kind::kNode, "n/a")->has_value());
                    return absl::OkStatus();
                  })
                  .ok());
}

// The change feed's outbox: one sequence for the service, in commit order; a rolled-back write
// leaves no row; read per municipality after a cursor; pruning keeps the newest row, so numbering
// never restarts.
TEST_P(StorageConformance, ChangeOutboxSequenceRollbackReadAndPrune) {
  auto change = [](const std::string& m, int64_t t, const std::string& resource) {
    storage::ChangeRow c;
    c.municipality = m;
    c.time_micros = t;
    c.resource = resource;
    c.resource_type = "sokei.plan.v1.Node";
    c.change_type = 1;
    c.etag = "e";
    c.plans = "municipalities/142140/plans/p\n";
    c.public_visible = t == 30;
    c.value = std::string("\x00\x01 伊勢原", 11);
    return c;
  };
  ASSERT_TRUE(repo()
                  .Write([&](PlanTx& tx) -> absl::Status {
                    EXPECT_EQ(*tx.AppendChange(change("142140", 10, "a")), 1);
                    EXPECT_EQ(*tx.AppendChange(change("142034", 20, "b")), 2);
                    EXPECT_EQ(*tx.AppendChange(change("142140", 30, "c")), 3);
                    return absl::OkStatus();
                  })
                  .ok());
  // A failed write transaction leaves no outbox row and takes no number.
  EXPECT_FALSE(repo()
                   .Write([&](PlanTx& tx) -> absl::Status {
                     EXPECT_TRUE(tx.AppendChange(change("142140", 40, "lost")).ok());
                     return absl::InternalError("the use case failed");
                   })
                   .ok());
  ASSERT_TRUE(repo()
                  .Read([&](PlanTx& tx) -> absl::Status {
                    auto rows = tx.ChangesAfter("142140", 0, 10);
                    EXPECT_EQ(rows->size(), 2u);
                    EXPECT_EQ(rows->at(0).seq, 1);
                    EXPECT_EQ(rows->at(1).seq, 3);
                    EXPECT_EQ(rows->at(1).value, std::string("\x00\x01 伊勢原", 11));
                    EXPECT_TRUE(rows->at(1).public_visible);
                    EXPECT_FALSE(rows->at(0).public_visible);
                    EXPECT_EQ(rows->at(1).plans, "municipalities/142140/plans/p\n");
                    EXPECT_EQ(tx.ChangesAfter("142140", 1, 10)->size(), 1u);
                    EXPECT_EQ(tx.ChangesAfter("142140", 0, 1)->size(), 1u);
                    // Every municipality's changes in one sequence (municipalities/-).
                    auto all = tx.ChangesAfter(storage::kEveryMunicipality, 1, 10);
                    EXPECT_EQ(all->size(), 2u);
                    if (all->size() == 2) {
                      EXPECT_EQ(all->at(0).municipality, "142034");
                      EXPECT_EQ(all->at(1).seq, 3);
                    }
                    EXPECT_EQ(tx.ChangesAfter(storage::kEveryMunicipality, 0, 2)->size(), 2u);
                    auto bounds = tx.ChangeLogBounds();
                    EXPECT_EQ(bounds->oldest, 1);
                    EXPECT_EQ(bounds->newest, 3);
                    return absl::OkStatus();
                  })
                  .ok());
  ASSERT_TRUE(repo()
                  .Write([&](PlanTx& tx) -> absl::Status {
                    SOKEI_RETURN_IF_ERROR(tx.PruneChanges(1000));  // all are older
                    EXPECT_EQ(*tx.AppendChange(change("142140", 2000, "d")), 4);
                    return absl::OkStatus();
                  })
                  .ok());
  ASSERT_TRUE(repo()
                  .Read([&](PlanTx& tx) -> absl::Status {
                    auto bounds = tx.ChangeLogBounds();
                    EXPECT_EQ(bounds->oldest, 3);  // the newest row before the prune was kept
                    EXPECT_EQ(bounds->newest, 4);
                    return absl::OkStatus();
                  })
                  .ok());
}

TEST_P(StorageConformance, AuditSequencePerMunicipalityNewestFirstWithFilters) {
  ASSERT_TRUE(repo()
                  .Write([&](PlanTx& tx) -> absl::Status {
                    for (int i = 0; i < 5; ++i) {
                      auto seq = tx.AppendAudit({"142140", 0, i, i % 2 ? "alice" : "bob", "M",
                                                 i < 3 ? "municipalities/142140/plans/a/nodes/x"
                                                       : "municipalities/142140/plans/b",
                                                 "", "", ""});
                      EXPECT_EQ(*seq, i + 1);
                    }
                    auto other = tx.AppendAudit({"142034", 0, 0, "carol", "M", "r", "", "", ""});
                    EXPECT_EQ(*other, 1);
                    return absl::OkStatus();
                  })
                  .ok());
  ASSERT_TRUE(repo()
                  .Read([&](PlanTx& tx) -> absl::Status {
                    auto all = tx.ListAudit("142140", "", "", 0, 100);
                    EXPECT_EQ(all->size(), 5u);
                    EXPECT_EQ(all->front().seq, 5);
                    auto page = tx.ListAudit("142140", "", "", 1, 2);
                    EXPECT_EQ(page->size(), 2u);
                    EXPECT_EQ(page->front().seq, 4);
                    EXPECT_EQ(
                        tx.ListAudit("142140", "municipalities/142140/plans/a", "", 0, 100)->size(),
                        3u);
                    EXPECT_EQ(tx.ListAudit("142140", "", "alice", 0, 100)->size(), 2u);
                    // A LIKE wildcard in the prefix must not match everything.
                    EXPECT_EQ(tx.ListAudit("142140", "municipalities/%", "", 0, 100)->size(), 0u);
                    return absl::OkStatus();
                  })
                  .ok());
}

// Audit and change rows are written many to a statement (common/storage/multi_row_insert.h):
// a transaction with more rows than a statement holds, not a multiple of it, sees its own rows
// before it commits and commits every one, in order; a failed one leaves none of them.
TEST_P(StorageConformance, ManyBookkeepingRowsInOneTransaction) {
  constexpr int kAudit = 203, kChanges = 150;
  auto change = [](int i) {
    storage::ChangeRow c;
    c.municipality = i % 3 ? "142140" : "142034";
    c.time_micros = 1000 + i;
    c.resource = absl::StrCat("municipalities/142140/plans/p/nodes/n", i);
    c.resource_type = "sokei.plan.v1.Node";
    c.change_type = 1 + i % 3;
    c.etag = absl::StrCat("e", i);
    c.public_visible = i % 2 == 0;
    c.value = std::string("\x00\xff 伊勢原 ", 13) + std::to_string(i);
    return c;
  };
  auto audit = [](int i) {
    return storage::AuditRow{"142140",
                             0,
                             2000 + i,
                             i % 2 ? "alice" : "bob",
                             "CreateNode",
                             absl::StrCat("r", i),
                             "",
                             "",
                             absl::StrCat("{\"i\":", i, "}")};
  };
  EXPECT_EQ(repo()
                .Write([&](PlanTx& tx) -> absl::Status {
                  for (int i = 0; i < kAudit; ++i)
                    SOKEI_RETURN_IF_ERROR(tx.AppendAudit(audit(i)).status());
                  for (int i = 0; i < kChanges; ++i)
                    SOKEI_RETURN_IF_ERROR(tx.AppendChange(change(i)).status());
                  return absl::AbortedError("simulated failure after the appends");
                })
                .code(),
            absl::StatusCode::kAborted);
  ASSERT_TRUE(repo()
                  .Write([&](PlanTx& tx) -> absl::Status {
                    for (int i = 0; i < kAudit; ++i) {
                      auto seq = tx.AppendAudit(audit(i));
                      EXPECT_EQ(*seq, i + 1);
                    }
                    for (int i = 0; i < kChanges; ++i) {
                      auto seq = tx.AppendChange(change(i));
                      EXPECT_EQ(*seq, i + 1);
                    }
                    // Read back in the same transaction, before anything committed.
                    EXPECT_EQ(tx.ListAudit("142140", "", "", 0, 1000)->size(), size_t{kAudit});
                    EXPECT_EQ(tx.ChangeLogBounds()->newest, kChanges);
                    // Appended after those reads: committed too.
                    EXPECT_EQ(*tx.AppendAudit(audit(kAudit)), kAudit + 1);
                    EXPECT_EQ(*tx.AppendChange(change(kChanges)), kChanges + 1);
                    return absl::OkStatus();
                  })
                  .ok());
  ASSERT_TRUE(repo()
                  .Read([&](PlanTx& tx) -> absl::Status {
                    auto all = tx.ListAudit("142140", "", "", 0, 1000);
                    EXPECT_EQ(all->size(), size_t{kAudit + 1});
                    for (size_t k = 0; k < all->size(); ++k) {
                      const int i = kAudit - static_cast<int>(k);  // newest first
                      const auto& row = all->at(k);
                      EXPECT_EQ(row.seq, i + 1);
                      EXPECT_EQ(row.time_micros, 2000 + i);
                      EXPECT_EQ(row.resource, absl::StrCat("r", i));
                      EXPECT_EQ(row.after_json, absl::StrCat("{\"i\":", i, "}"));
                    }
                    auto rows = tx.ChangesAfter(storage::kEveryMunicipality, 0, 1000);
                    EXPECT_EQ(rows->size(), size_t{kChanges + 1});
                    for (size_t i = 0; i < rows->size(); ++i) {
                      const auto want = change(static_cast<int>(i));
                      const auto& got = rows->at(i);
                      EXPECT_EQ(got.seq, static_cast<int64_t>(i) + 1);
                      EXPECT_EQ(got.municipality, want.municipality);
                      EXPECT_EQ(got.resource, want.resource);
                      EXPECT_EQ(got.change_type, want.change_type);
                      EXPECT_EQ(got.etag, want.etag);
                      EXPECT_EQ(got.public_visible, want.public_visible);
                      EXPECT_EQ(got.value, want.value);
                    }
                    return absl::OkStatus();
                  })
                  .ok());
}

TEST_P(StorageConformance, IdempotencyRowsAreUniquePerMunicipalityAndId) {
  ASSERT_TRUE(repo()
                  .Write([&](PlanTx& tx) {
                    return tx.PutIdempotency(
                        {"142140", "req-1", "CreatePlan", "f", std::string("\x00r", 2), 1});
                  })
                  .ok());
  auto dup = repo().Write([&](PlanTx& tx) {
    return tx.PutIdempotency({"142140", "req-1", "CreatePlan", "f", "x", 2});
  });
  EXPECT_EQ(dup.code(), absl::StatusCode::kAlreadyExists);
  ASSERT_TRUE(repo()
                  .Read([&](PlanTx& tx) -> absl::Status {
                    auto got = tx.GetIdempotency("142140", "req-1");
                    EXPECT_TRUE(got->has_value());
                    EXPECT_EQ((*got)->response, std::string("\x00r", 2));
                    EXPECT_FALSE(tx.GetIdempotency("142034", "req-1")->has_value());
                    return absl::OkStatus();
                  })
                  .ok());
}

TEST_P(StorageConformance, GenerationsCountCommittedWritesPerMunicipality) {
  ASSERT_TRUE(repo()
                  .Read([&](PlanTx& tx) -> absl::Status {
                    EXPECT_EQ(*tx.Generation("142140"), 0);
                    return absl::OkStatus();
                  })
                  .ok());
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(repo().Write([&](PlanTx& tx) { return tx.BumpGeneration("142140"); }).ok());
  }
  // A bump in a transaction that fails is not counted.
  EXPECT_FALSE(repo()
                   .Write([&](PlanTx& tx) -> absl::Status {
                     SOKEI_RETURN_IF_ERROR(tx.BumpGeneration("142140"));
                     return absl::AbortedError("rolled back");
                   })
                   .ok());
  ASSERT_TRUE(repo()
                  .Read([&](PlanTx& tx) -> absl::Status {
                    EXPECT_EQ(*tx.Generation("142140"), 3);
                    EXPECT_EQ(*tx.Generation("142034"), 0);
                    return absl::OkStatus();
                  })
                  .ok());
}

INSTANTIATE_TEST_SUITE_P(Backends, StorageConformance,
                         ::testing::Values("sqlite", "postgres", "memory"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace sokei::plan
