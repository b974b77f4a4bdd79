// The gtest fixture of the suites that exercise the KPI domain: a DomainStack over two fresh
// SQLite files.
#pragma once

#include <gtest/gtest.h>

#include <memory>

#include "tests/support/domain_stack.h"
#include "tests/support/test_databases.h"

namespace sokei::testing {

// A test fixture on a DomainStack over two fresh SQLite files.
class DomainStackTest : public ::testing::Test {
 protected:
  void SetUp() override {
    plan_db_ = TestDatabase::Make("sqlite");
    kpi_db_ = TestDatabase::Make("sqlite");
    ASSERT_TRUE(plan_db_ && kpi_db_);
    auto stack = DomainStack::Make(plan_db_->db(), kpi_db_->db());
    ASSERT_TRUE(stack.ok()) << stack.status();
    stack_ = std::move(*stack);
    plans_ = stack_->plans.get();
    domain_ = stack_->kpi.get();
  }

  std::unique_ptr<TestDatabase> plan_db_, kpi_db_;
  std::unique_ptr<DomainStack> stack_;
  plan::PlanDomain* plans_ = nullptr;
  kpi::KpiDomain* domain_ = nullptr;
};

}  // namespace sokei::testing
