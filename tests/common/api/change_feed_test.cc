// The change feed's reading rules on an outbox held in memory (a fake of the bookkeeping
// transaction: the SQL one is covered by the storage conformance suites and change_feed_test):
// filters, the public view, the scan cap per page, cursors ahead of the feed or pruned.
#include "common/api/change_feed.h"

#include <gtest/gtest.h>

#include <vector>

#include "common/status/status.h"

namespace sokei::api {
namespace {

class MemoryOutbox final : public storage::BookkeepingTx {
 public:
  std::vector<storage::ChangeRow> rows;

  absl::StatusOr<int64_t> AppendChange(const storage::ChangeRow& row) override {
    rows.push_back(row);
    rows.back().seq = rows.size() == 1 ? 1 : rows[rows.size() - 2].seq + 1;
    return rows.back().seq;
  }
  absl::StatusOr<std::vector<storage::ChangeRow>> ChangesAfter(const std::string& m, int64_t after,
                                                               int64_t limit) override {
    std::vector<storage::ChangeRow> out;
    for (const auto& r : rows) {
      if ((m == storage::kEveryMunicipality || r.municipality == m) && r.seq > after &&
          static_cast<int64_t>(out.size()) < limit) {
        out.push_back(r);
      }
    }
    return out;
  }
  absl::StatusOr<storage::ChangeBounds> ChangeLogBounds() override {
    if (rows.empty()) return storage::ChangeBounds{};
    return storage::ChangeBounds{rows.front().seq, rows.back().seq};
  }
  absl::Status PruneChanges(int64_t before) override {
    while (rows.size() > 1 && rows.front().time_micros < before) rows.erase(rows.begin());
    return absl::OkStatus();
  }
  // Not used by the feed.
  absl::StatusOr<int64_t> AppendAudit(const storage::AuditRow&) override { return 0; }
  absl::StatusOr<std::vector<storage::AuditRow>> ListAudit(const std::string&, const std::string&,
                                                           const std::string&, int64_t,
                                                           int64_t) override {
    return std::vector<storage::AuditRow>();
  }
  absl::StatusOr<int64_t> Generation(const std::string&) override { return 0; }
  absl::Status BumpGeneration(const std::string&) override { return absl::OkStatus(); }
  absl::StatusOr<std::optional<storage::IdempotencyRow>> GetIdempotency(
      const std::string&, const std::string&) override {
    return std::nullopt;
  }
  absl::Status PutIdempotency(const storage::IdempotencyRow&) override { return absl::OkStatus(); }
};

storage::ChangeRow Row(const std::string& type, const std::string& plans, bool pub) {
  storage::ChangeRow r;
  r.municipality = "142140";
  r.time_micros = 1000;
  r.resource = "municipalities/142140/x";
  r.resource_type = type;
  r.change_type = type::v1::CHANGE_TYPE_UPDATED;
  r.plans = plans;
  r.public_visible = pub;
  r.request_id = "rid";
  r.value = "v";
  return r;
}

auth::Principal Staff() {
  auth::Principal p;
  p.subject = "viewer";
  p.roles = {auth::Role::kViewer};
  p.municipality = "142140";
  return p;
}

class ChangeFeedTest : public ::testing::Test {
 protected:
  ChangeFeed feed_{[this](const ChangeFeed::ReadFn::argument_type& fn) { return fn(outbox_); }};
  MemoryOutbox outbox_;
  type::v1::ListChangesResponse List(const auth::Principal& p, const std::string& cursor,
                                     const std::string& plan = "", const std::string& type = "") {
    type::v1::ListChangesRequest r;
    r.set_parent("municipalities/142140");
    r.set_cursor(cursor);
    r.set_page_size(1000);
    if (!plan.empty()) r.mutable_filter()->set_plan(plan);
    if (!type.empty()) r.mutable_filter()->add_resource_types(type);
    auto page = feed_.List(p, r);
    EXPECT_TRUE(page.ok()) << page.status();
    return page.ok() ? *page : type::v1::ListChangesResponse();
  }
};

TEST_F(ChangeFeedTest, FiltersAndThePublicView) {
  outbox_.AppendChange(Row("sokei.plan.v1.Node", "municipalities/142140/plans/a\n", false))
      .IgnoreError();
  outbox_.AppendChange(Row("sokei.plan.v1.Plan", "municipalities/142140/plans/b\n", true))
      .IgnoreError();
  outbox_.AppendChange(Row("sokei.plan.v1.Node", "municipalities/142140/plans/b\n", false))
      .IgnoreError();
  EXPECT_EQ(List(Staff(), "0").changes_size(), 3);
  auto b = List(Staff(), "0", "municipalities/142140/plans/b");
  ASSERT_EQ(b.changes_size(), 2);
  EXPECT_EQ(b.changes(0).cursor(), "2");
  auto nodes_of_b = List(Staff(), "0", "municipalities/142140/plans/b", "sokei.plan.v1.Node");
  ASSERT_EQ(nodes_of_b.changes_size(), 1);
  EXPECT_EQ(nodes_of_b.changes(0).cursor(), "3");
  EXPECT_EQ(nodes_of_b.changes(0).value().value(), "v");
  auth::Principal citizen;
  citizen.subject = "c";
  citizen.roles = {auth::Role::kPublic};
  citizen.municipality = "142140";
  auto pub = List(citizen, "0");
  ASSERT_EQ(pub.changes_size(), 1);
  EXPECT_EQ(pub.changes(0).cursor(), "2");
  EXPECT_FALSE(pub.changes(0).has_value());
  EXPECT_TRUE(pub.changes(0).request_id().empty());
  EXPECT_EQ(pub.next_cursor(), "3");  // past what it may not see
}

TEST_F(ChangeFeedTest, APageThatMatchesLittleStopsAfterTenThousandRowsAndGoesOn) {
  for (int i = 0; i < 12000; ++i) {
    outbox_.AppendChange(Row("sokei.plan.v1.Node", "", false)).IgnoreError();
  }
  outbox_.AppendChange(Row("sokei.plan.v1.Plan", "", false)).IgnoreError();
  type::v1::ListChangesRequest r;
  r.set_parent("municipalities/142140");
  r.set_cursor("0");
  r.set_wait_seconds(25);  // answered at once all the same: rows follow
  r.mutable_filter()->add_resource_types("sokei.plan.v1.Plan");
  auto first = feed_.List(Staff(), r);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->changes_size(), 0);
  EXPECT_EQ(first->next_cursor(), "10000");
  r.set_cursor(first->next_cursor());
  auto second = feed_.List(Staff(), r);
  ASSERT_TRUE(second.ok());
  ASSERT_EQ(second->changes_size(), 1);
  EXPECT_EQ(second->changes(0).cursor(), "12001");
}

TEST_F(ChangeFeedTest, CursorsAheadPrunedOrMalformedAreRefused) {
  for (int t : {10, 20, 30}) {
    auto row = Row("sokei.plan.v1.Node", "", false);
    row.time_micros = t;
    outbox_.AppendChange(row).IgnoreError();
  }
  type::v1::ListChangesRequest r;
  r.set_parent("municipalities/142140");
  r.set_cursor("9");
  EXPECT_EQ(status::GetErrorInfo(feed_.List(Staff(), r).status())->reason, "CHANGE_CURSOR_INVALID");
  r.set_cursor("abc");
  EXPECT_EQ(status::GetErrorInfo(feed_.List(Staff(), r).status())->reason, "CHANGE_CURSOR_INVALID");
  ASSERT_TRUE(outbox_.PruneChanges(25).ok());  // 1 and 2 go
  r.set_cursor("0");
  auto expired = feed_.List(Staff(), r);
  EXPECT_EQ(expired.status().code(), absl::StatusCode::kOutOfRange);
  EXPECT_EQ(status::GetErrorInfo(expired.status())->reason, "CHANGE_CURSOR_EXPIRED");
  r.set_cursor("2");  // the change just before the oldest kept: nothing was lost after it
  auto resumed = feed_.List(Staff(), r);
  ASSERT_TRUE(resumed.ok());
  EXPECT_EQ(resumed->changes_size(), 1);
  // Another municipality's staff may not read this one's feed.
  auth::Principal other = Staff();
  other.municipality = "131016";
  EXPECT_EQ(feed_.List(other, r).status().code(), absl::StatusCode::kPermissionDenied);
}

}  // namespace
}  // namespace sokei::api
