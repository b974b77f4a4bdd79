// The .xlsx reader on workbooks written by a real writer (libxlsxwriter, as the exporter writes
// them) and on hand-made archives (minizip) for what Excel writes and a writer library does not:
// phonetic guides, inline strings, the 1904 date system, and hostile or damaged files.
#include "services/kpi/import/xlsx_reader.h"

#include <gtest/gtest.h>
#include <unistd.h>
#include <xlsxwriter.h>
#include <zip.h>

#include <cstdio>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>

#include "common/status/status.h"
#include "tests/support/status_details.h"

namespace sokei::kpi {
namespace {

using sokei::testing::Reason;
std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string TempPath() {
  char path[] = "/tmp/sokei-xlsx-test-XXXXXX";
  const int fd = mkstemp(path);
  close(fd);
  return path;
}

// A workbook from libxlsxwriter: `fill` writes into the first sheet (named `name`).
std::string Workbook(const std::function<void(lxw_workbook*, lxw_worksheet*)>& fill,
                     const char* name = "進捗管理表", bool constant_memory = false) {
  const std::string path = TempPath();
  lxw_workbook_options o = {};
  o.constant_memory = constant_memory ? LXW_TRUE : LXW_FALSE;
  lxw_workbook* wb = workbook_new_opt(path.c_str(), &o);
  lxw_worksheet* ws = workbook_add_worksheet(wb, name);
  fill(wb, ws);
  workbook_close(wb);
  std::string bytes = Slurp(path);
  std::remove(path.c_str());
  return bytes;
}

// A zip of the given parts (deflated), as a hand-made .xlsx.
std::string Archive(const std::map<std::string, std::string>& parts) {
  const std::string path = TempPath();
  zipFile z = zipOpen(path.c_str(), APPEND_STATUS_CREATE);
  for (const auto& [name, data] : parts) {
    zipOpenNewFileInZip(z, name.c_str(), nullptr, nullptr, 0, nullptr, 0, nullptr, Z_DEFLATED,
                        Z_DEFAULT_COMPRESSION);
    zipWriteInFileInZip(z, data.data(), static_cast<unsigned>(data.size()));
    zipCloseFileInZip(z);
  }
  zipClose(z, nullptr);
  std::string bytes = Slurp(path);
  std::remove(path.c_str());
  return bytes;
}

constexpr char kWorkbookXml[] =
    R"(<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:rel="http://schemas.openxmlformats.org/officeDocument/2006/relationships">
<workbookPr date1904="1"/><sheets><sheet name="表紙" sheetId="1" rel:id="rId7"/><sheet name="指標" sheetId="2" rel:id="rId8"/></sheets></workbook>)";
constexpr char kRels[] =
    R"(<?xml version="1.0" encoding="UTF-8"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId7" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/cover.xml"/>
<Relationship Id="rId8" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="/xl/worksheets/kpi.xml"/>
</Relationships>)";
constexpr char kShared[] =
    R"(<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="2" uniqueCount="2">
<si><t>相談件数</t><rPh sb="0" eb="2"><t>ソウダン</t></rPh><phoneticPr fontId="1"/></si>
<si><r><rPr><b/></rPr><t>令和5年度</t></r><r><t xml:space="preserve"> 実績</t></r></si></sst>)";
constexpr char kStyles[] =
    R"(<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">
<numFmts count="1"><numFmt numFmtId="180" formatCode="[$-411]ggge&quot;年&quot;m&quot;月&quot;d&quot;日&quot;"/></numFmts>
<cellStyleXfs count="1"><xf numFmtId="14"/></cellStyleXfs>
<cellXfs count="3"><xf numFmtId="0"/><xf numFmtId="180"/><xf numFmtId="4"/></cellXfs></styleSheet>)";
constexpr char kKpiSheet[] =
    R"(<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>
<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>
<row r="2"><c r="A2" t="inlineStr"><is><t>指標</t><rPh><t>シヒョウ</t></rPh></is></c><c r="B2" s="1"><v>0</v></c><c r="D2" s="2"><v>1234.5</v></c></row>
</sheetData></worksheet>)";

TEST(XlsxReaderTest, ReadsWhatAWriterWrites) {
  std::string bytes = Workbook([](lxw_workbook* wb, lxw_worksheet* ws) {
    lxw_format* date = workbook_add_format(wb);
    format_set_num_format(date, "yyyy/mm/dd");
    worksheet_write_string(ws, 0, 0, "事業番号", nullptr);
    worksheet_write_string(ws, 0, 1, "令和4年度実績", nullptr);
    worksheet_write_string(ws, 1, 0, "06-101", nullptr);
    worksheet_write_number(ws, 1, 1, 0.1, nullptr);
    worksheet_write_number(ws, 2, 1, 120, nullptr);
    worksheet_write_boolean(ws, 3, 1, 1, nullptr);
    lxw_datetime d = {2024, 3, 31, 0, 0, 0};
    worksheet_write_datetime(ws, 4, 1, &d, date);
    worksheet_write_formula_num(ws, 5, 1, "=B3*2", nullptr, 240);
    // A section column filled once for three rows (merged), and a heading across columns.
    worksheet_merge_range(ws, 6, 0, 8, 0, "施策1 子育て", nullptr);
    worksheet_write_string(ws, 7, 1, "12件", nullptr);
    worksheet_merge_range(ws, 9, 0, 9, 3, "【施策2】 教育", nullptr);
  });
  auto sheet = ReadXlsxSheet(bytes);
  ASSERT_TRUE(sheet.ok()) << sheet.status();
  EXPECT_EQ(sheet->name, "進捗管理表");
  const auto& r = sheet->rows;
  ASSERT_EQ(r.size(), 10u);
  EXPECT_EQ(r[0], (std::vector<std::string>{"事業番号", "令和4年度実績"}));
  EXPECT_EQ(r[1][1], "0.1");
  EXPECT_EQ(r[2][1], "120");
  EXPECT_EQ(r[3][1], "TRUE");
  EXPECT_EQ(r[4][1], "2024-03-31");
  EXPECT_EQ(r[5][1], "240");
  EXPECT_EQ(r[6][0], "施策1 子育て");
  EXPECT_EQ(r[7], (std::vector<std::string>{"施策1 子育て", "12件"}));
  EXPECT_EQ(r[8][0], "施策1 子育て");
  EXPECT_EQ(r[9], (std::vector<std::string>{"【施策2】 教育"}));  // not copied to the right
}

TEST(XlsxReaderTest, ReadsInlineStringsAsConstantMemoryWritesThem) {
  std::string bytes = Workbook(
      [](lxw_workbook*, lxw_worksheet* ws) {
        worksheet_write_string(ws, 0, 0, "〜（波ダッシュ）と～", nullptr);
        worksheet_write_string(ws, 2, 3, "最後", nullptr);
      },
      "Sheet1", true);
  auto sheet = ReadXlsxSheet(bytes);
  ASSERT_TRUE(sheet.ok()) << sheet.status();
  ASSERT_EQ(sheet->rows.size(), 3u);
  EXPECT_EQ(sheet->rows[0][0], "〜（波ダッシュ）と～");
  EXPECT_TRUE(sheet->rows[1].empty());
  EXPECT_EQ(sheet->rows[2], (std::vector<std::string>{"", "", "", "最後"}));
}

TEST(XlsxReaderTest, LeavesOutPhoneticGuidesAndFindsSheetsByName) {
  std::string bytes = Archive({{"xl/workbook.xml", kWorkbookXml},
                               {"xl/_rels/workbook.xml.rels", kRels},
                               {"xl/sharedStrings.xml", kShared},
                               {"xl/styles.xml", kStyles},
                               {"xl/worksheets/cover.xml", "<worksheet/>"},
                               {"xl/worksheets/kpi.xml", kKpiSheet}});
  auto first = ReadXlsxSheet(bytes);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->name, "表紙");
  EXPECT_TRUE(first->rows.empty());
  auto kpi = ReadXlsxSheet(bytes, "指標");
  ASSERT_TRUE(kpi.ok()) << kpi.status();
  ASSERT_EQ(kpi->rows.size(), 2u);
  EXPECT_EQ(kpi->rows[0], (std::vector<std::string>{"相談件数", "令和5年度 実績"}));
  // Serial 0 in the 1904 system with an era date format (custom 180) is 1 January 1904.
  EXPECT_EQ(kpi->rows[1], (std::vector<std::string>{"指標", "1904-01-01", "", "1234.5"}));
  auto missing = ReadXlsxSheet(bytes, "存在しない");
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Reason(missing.status()), "XLSX_SHEET_NOT_FOUND") << missing.status();
}

TEST(XlsxReaderTest, RefusesWhatIsNotAWorkbookWithAReason) {
  const std::string good = Workbook([](lxw_workbook*, lxw_worksheet* ws) {
    for (int i = 0; i < 200; ++i) worksheet_write_string(ws, i, 0, "総合計画の進行管理", nullptr);
  });
  const std::map<std::string, std::string> base = {{"xl/workbook.xml", kWorkbookXml},
                                                   {"xl/_rels/workbook.xml.rels", kRels},
                                                   {"xl/worksheets/cover.xml", "<worksheet/>"}};
  auto with = [&](const std::string& part, const std::string& data) {
    auto parts = base;
    parts[part] = data;
    return Archive(parts);
  };
  const std::string cases[] = {
      "事業番号\t実績\n",                      // a text table
      good.substr(0, good.size() / 2),         // cut short
      Archive({{"docProps/app.xml", "<x/>"}}),  // a zip, not a workbook
      with("xl/worksheets/cover.xml", "<worksheet><sheetData><row>"),  // malformed XML
      with("xl/worksheets/cover.xml",  // entity expansion
           R"(<!DOCTYPE x [<!ENTITY a "aaaaaaaa">]><worksheet><sheetData/></worksheet>)"),
      with("xl/worksheets/cover.xml",
           R"(<worksheet><sheetData><row r="1"><c r="ZZZZZ1"><v>1</v></c></row></sheetData></worksheet>)"),
      with("xl/worksheets/cover.xml", std::string(65 << 20, ' ')),  // 65 MiB of nothing
  };
  for (const std::string& bytes : cases) {
    auto s = ReadXlsxSheet(bytes);
    ASSERT_FALSE(s.ok()) << bytes.size();
    EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(Reason(s.status()), "XLSX_INVALID") << s.status();
  }
  EXPECT_TRUE(LooksLikeXlsx(good));
  EXPECT_FALSE(LooksLikeXlsx("事業番号\t実績\n"));
}

}  // namespace
}  // namespace sokei::kpi
