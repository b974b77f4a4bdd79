// Files as files over REST, through the real gateway and services: a progress table uploaded as
// the raw request body (TSV, and CSV in CP932) with its options in the query, and the table and
// the evaluation report downloaded with `alt=media` as the files themselves — their own
// Content-Type and a Content-Disposition that carries the Japanese file name. JSON with base64
// stays as it was; alt=media on a method that answers no file is refused.
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include <set>

#include "absl/strings/escaping.h"
#include "common/jp/text.h"
#include "gateway/transcode/files.h"
#include "tests/gateway/rest_world.h"
#include "tests/support/plan_fixtures.h"

namespace sokei::gateway::testing {
namespace {

// Another city's layout: sections 分野 → 施策 as heading lines, one indicator.
constexpr char kTable[] =
    "番号\t指標名\t基準値\t目標値(2027)\t令和5年度実績\t担当課\n"
    "分野1 健康・福祉\n"
    "【施策1-1】 地域福祉\n"
    "1-1-1\t地域の支え合い活動の参加者数\t1200人\t1300人\t1350人\t福祉総務課\n";

class GatewayFilesTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    world_ = RestWorld::Start().release();
    ASSERT_NE(world_, nullptr);
    Reply r = world_->Rest("admin", "POST", "/v1/municipalities?municipalityId=142140",
                           R"({"displayName":"伊勢原市"})");
    ASSERT_EQ(r.status, 200) << r.body;
    auto plan = sokei::testing::PlanRequest("municipalities/142140", "next", 2);
    std::string json;
    ASSERT_TRUE(google::protobuf::util::MessageToJsonString(plan.plan(), &json).ok());
    r = world_->Rest("admin", "POST", "/v1/municipalities/142140/plans?planId=next", json);
    ASSERT_EQ(r.status, 200) << r.body;
  }
  static void TearDownTestSuite() { delete world_; }
  static inline RestWorld* world_ = nullptr;
};

TEST_F(GatewayFilesTest, AProgressTableUploadsAsTheFileItself) {
  const std::string path = "/v1/municipalities/142140/plans/next:importProgressTable";
  // A dry run: the options in the query, the file as the body; nothing written.
  Reply dry = world_->Rest("planner", "POST", path + "?dryRun=true", kTable,
                           "text/tab-separated-values; charset=utf-8");
  ASSERT_EQ(dry.status, 200) << dry.body;
  EXPECT_NE(dry.body.find(R"("indicatorsCreated":1)"), std::string::npos) << dry.body;
  EXPECT_EQ(dry.body.find(R"("committed":true)"), std::string::npos) << dry.body;
  // The same table as Excel writes CSV (CP932), committed.
  std::string csv(kTable);
  for (size_t at; (at = csv.find('\t')) != std::string::npos;) csv[at] = ',';
  auto sjis = jp::Utf8ToCp932(csv);
  ASSERT_TRUE(sjis.ok()) << sjis.status();
  Reply done = world_->Rest("planner", "POST", path + "?encoding=TABLE_ENCODING_CP932", *sjis,
                            "text/csv");
  ASSERT_EQ(done.status, 200) << done.body;
  EXPECT_NE(done.body.find(R"("committed":true)"), std::string::npos) << done.body;
  EXPECT_NE(done.body.find(R"("indicatorsCreated":1)"), std::string::npos) << done.body;
  // Refused with the field named: a query parameter the method lacks, `content` in the query.
  Reply bad = world_->Rest("planner", "POST", path + "?dryRun=true&colour=red", kTable, "text/csv");
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.body.find("colour"), std::string::npos) << bad.body;
  bad = world_->Rest("planner", "POST", path + "?content=eA", kTable, "text/csv");
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.body.find("the file is the request body"), std::string::npos) << bad.body;
  // A viewer may not import, raw body or not.
  EXPECT_EQ(world_->Rest("viewer", "POST", path + "?dryRun=true", kTable, "text/csv").status, 403);
  // JSON with base64 content still works.
  Reply json = world_->Rest(
      "planner", "POST", path,
      absl::StrCat(R"({"content":")", absl::Base64Escape(kTable), R"(","dryRun":true})"));
  EXPECT_EQ(json.status, 200) << json.body;
  EXPECT_NE(json.body.find(R"("indicatorsUnchanged":1)"), std::string::npos) << json.body;
}

TEST_F(GatewayFilesTest, DownloadsAreTheFilesThemselves) {
  const std::string table = "/v1/municipalities/142140/plans/next:exportProgressTable";
  Reply csv = world_->Rest("viewer", "GET",
                           table + "?fiscalYear=2023&format=TABLE_FORMAT_CSV_CP932&alt=media", "");
  ASSERT_EQ(csv.status, 200) << csv.body;
  EXPECT_EQ(csv.headers["Content-Type"], "text/csv; charset=Shift_JIS");
  const std::string disposition = csv.headers["Content-Disposition"];
  EXPECT_EQ(disposition.rfind("attachment; filename=\"", 0), 0u) << disposition;
  EXPECT_NE(disposition.find("filename*=UTF-8''"), std::string::npos) << disposition;
  EXPECT_NE(disposition.find("-sjis.csv"), std::string::npos) << disposition;
  // The indicator's name in CP932, raw in the body (no JSON, no base64).
  EXPECT_NE(csv.body.find(*jp::Utf8ToCp932("地域の支え合い活動の参加者数")), std::string::npos);
  Reply xlsx = world_->Rest("viewer", "GET",
                            table + "?fiscalYear=2023&format=TABLE_FORMAT_XLSX&alt=media", "");
  ASSERT_EQ(xlsx.status, 200);
  EXPECT_EQ(xlsx.headers["Content-Type"],
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
  EXPECT_EQ(xlsx.body.substr(0, 2), "PK");
  // Without alt=media: the JSON reply as before.
  Reply json = world_->Rest("viewer", "GET", table + "?fiscalYear=2023", "");
  ASSERT_EQ(json.status, 200);
  EXPECT_NE(json.body.find(R"("filename":)"), std::string::npos);
  EXPECT_EQ(json.headers["Content-Type"], "application/json");
  // The evaluation report as an HTML page.
  ASSERT_EQ(world_->Rest("planner", "POST", "/v1/municipalities/142140/plans/next/evaluations",
                         R"({"fiscalYear":2023})")
                .status,
            200);
  Reply html = world_->Rest(
      "planner", "GET",
      "/v1/municipalities/142140/plans/next/evaluations/2023:report?format=REPORT_FORMAT_HTML&alt=media",
      "");
  ASSERT_EQ(html.status, 200) << html.body;
  EXPECT_EQ(html.headers["Content-Type"].rfind("text/html", 0), 0u);
  EXPECT_NE(html.body.find("<table>"), std::string::npos);
  // alt=media where the answer is no file; errors stay JSON.
  Reply bad = world_->Rest("viewer", "GET", "/v1/municipalities/142140/plans/next?alt=media", "");
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.body.find("alt=media is for methods that answer with a file"), std::string::npos);
  Reply missing = world_->Rest(
      "viewer", "GET", "/v1/municipalities/142140/plans/none:exportProgressTable?fiscalYear=2023&alt=media", "");
  EXPECT_EQ(missing.status, 404) << missing.body;
  EXPECT_EQ(missing.headers["Content-Type"], "application/json");
}

TEST(ContentDisposition, KeepsTheJapaneseNameAndAnAsciiFallback) {
  EXPECT_EQ(ContentDisposition("進捗表.csv"),
            "attachment; filename=\"_________.csv\"; "
            "filename*=UTF-8''%E9%80%B2%E6%8D%97%E8%A1%A8.csv");
  EXPECT_EQ(ContentDisposition("a\"b.txt"),
            "attachment; filename=\"a_b.txt\"; filename*=UTF-8''a%22b.txt");
}

// The contract says all of it, so that generated clients (the console's) can use it: alt=media on
// file replies, the raw file body types, and the upload's other fields as query parameters.
TEST_F(GatewayFilesTest, TheOpenApiDocumentDeclaresFilesAsFiles) {
  Reply o = world_->Rest("admin", "GET", "/openapi.json", "");
  ASSERT_EQ(o.status, 200);
  google::protobuf::Struct doc;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(o.body, &doc).ok());
  const auto& paths = doc.fields().at("paths").struct_value().fields();
  auto params = [&](const std::string& path, const std::string& verb) {
    std::set<std::string> names;
    const auto& op = paths.at(path).struct_value().fields().at(verb).struct_value().fields();
    for (const auto& p : op.at("parameters").list_value().values()) {
      names.insert(p.struct_value().fields().at("name").string_value());
    }
    return names;
  };
  // A required query parameter is declared required (google.api.field_behavior in the contract).
  bool fiscal_year_required = false;
  for (const auto& p : paths.at("/v1/municipalities/{municipality}/plans/{plan}:kpiSummary")
                           .struct_value()
                           .fields()
                           .at("get")
                           .struct_value()
                           .fields()
                           .at("parameters")
                           .list_value()
                           .values()) {
    const auto& f = p.struct_value().fields();
    if (f.at("name").string_value() == "fiscalYear") {
      fiscal_year_required = f.at("in").string_value() == "query" && f.at("required").bool_value();
    }
  }
  EXPECT_TRUE(fiscal_year_required);
  const std::string exp = "/v1/municipalities/{municipality}/plans/{plan}:exportProgressTable";
  EXPECT_EQ(params(exp, "get"), (std::set<std::string>{"municipality", "plan", "fiscalYear",
                                                        "format", "department", "alt"}));
  const std::string imp = "/v1/municipalities/{municipality}/plans/{plan}:importProgressTable";
  std::set<std::string> upload = params(imp, "post");
  for (const char* q : {"encoding", "fiscalYear", "dryRun", "allowPartial", "requestId", "sheet"}) {
    EXPECT_TRUE(upload.count(q)) << q;
  }
  EXPECT_FALSE(upload.count("content"));
  EXPECT_FALSE(upload.count("mapping"));  // a map travels in JSON only
  const auto& body = paths.at(imp)
                         .struct_value()
                         .fields()
                         .at("post")
                         .struct_value()
                         .fields()
                         .at("requestBody")
                         .struct_value()
                         .fields()
                         .at("content")
                         .struct_value()
                         .fields();
  for (const char* type : {"application/json", "text/csv", "text/tab-separated-values",
                           "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}) {
    EXPECT_TRUE(body.count(type)) << type;
  }
  // A JSON method has no such parameters.
  EXPECT_EQ(params("/v1/municipalities/{municipality}/observations:batchRecord", "post"),
            std::set<std::string>{"municipality"});
}

}  // namespace
}  // namespace sokei::gateway::testing
