#include "common/status/status.h"

#include <gtest/gtest.h>

#include "common/status/grpc_status.h"

namespace sokei::status {
namespace {

TEST(Status, InvalidArgumentCarriesReasonAndEveryViolation) {
  absl::Status s = InvalidArgument(
      "NODE_INVALID",
      {{"node.level", "must be 1 to 3"}, {"node.sdg_goals[0]", "an SDG goal is 1 to 17"}});
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  auto info = GetErrorInfo(s);
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->reason, "NODE_INVALID");
  EXPECT_EQ(info->domain, "sokei.jp");
  auto v = GetFieldViolations(s);
  ASSERT_EQ(v.size(), 2u);
  EXPECT_EQ(v[1].field, "node.sdg_goals[0]");
  EXPECT_NE(s.message().find("node.level"), absl::string_view::npos);
}

TEST(Status, SurvivesTheGrpcWire) {
  absl::Status s = EtagMismatch("NODE_ETAG_MISMATCH", "municipalities/142140/plans/p/nodes/n");
  grpc::Status g = ToGrpc(s);
  EXPECT_EQ(g.error_code(), grpc::StatusCode::ABORTED);
  EXPECT_FALSE(g.error_details().empty());
  absl::Status back = FromGrpc(g);
  EXPECT_EQ(back.code(), absl::StatusCode::kAborted);
  EXPECT_EQ(GetErrorInfo(back)->reason, "NODE_ETAG_MISMATCH");
  auto pf = GetPreconditionViolations(back);
  ASSERT_EQ(pf.size(), 1u);
  EXPECT_EQ(pf[0].type, "ETAG");
  EXPECT_EQ(pf[0].subject, "municipalities/142140/plans/p/nodes/n");
}

TEST(Status, NotFoundNamesTheResourceInMetadata) {
  absl::Status s = NotFound("PLAN_NOT_FOUND", "municipalities/142140/plans/x");
  auto info = GetErrorInfo(s);
  ASSERT_TRUE(info.has_value());
  ASSERT_EQ(info->metadata.size(), 1u);
  EXPECT_EQ(info->metadata[0].first, "resource");
  EXPECT_EQ(info->metadata[0].second, "municipalities/142140/plans/x");
}

TEST(Status, OkMapsToOk) {
  EXPECT_TRUE(ToGrpc(absl::OkStatus()).ok());
  EXPECT_TRUE(FromGrpc(grpc::Status::OK).ok());
}

TEST(Status, QuoteKeepsErrorsPrintable) {
  EXPECT_EQ(Quote("tag"), "'tag'");
  EXPECT_EQ(Quote("施策"), "'施策'");
  EXPECT_EQ(Quote(std::string("a\xff\x01"
                              "b",
                              4)),
            "'a?"
            "?b'");
  EXPECT_EQ(Quote(std::string(50, 'x')), "'" + std::string(40, 'x') + "…'");
  EXPECT_EQ(Quote("\xe6\x96"),
            "'?"
            "?'");  // truncated multi-byte sequence
}

absl::StatusOr<int> Half(int x) {
  if (x % 2) return absl::InvalidArgumentError("odd");
  return x / 2;
}
absl::StatusOr<int> Quarter(int x) {
  SOKEI_ASSIGN_OR_RETURN(int h, Half(x));
  SOKEI_ASSIGN_OR_RETURN(int q, Half(h));
  return q;
}
absl::Status Check(int x) {
  SOKEI_RETURN_IF_ERROR(Half(x).status());
  return absl::OkStatus();
}

TEST(Status, Macros) {
  EXPECT_EQ(*Quarter(8), 2);
  EXPECT_FALSE(Quarter(6).ok());
  EXPECT_TRUE(Check(2).ok());
  EXPECT_EQ(Check(3).code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace sokei::status
