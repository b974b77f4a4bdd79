#include "services/kpi/import/xlsx_reader.h"

#include <expat.h>
#include <unzip.h>

#include <cstring>
#include <functional>
#include <map>
#include <memory>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/civil_time.h"
#include "common/status/status.h"

namespace sokei::kpi {
namespace {

constexpr uint64_t kMaxPartBytes = 64ull << 20;
constexpr int kMaxRows = 200000;
constexpr int kMaxColumns = 1000;

absl::Status Invalid(const std::string& why) {
  return status::InvalidField("XLSX_INVALID", "content", why);
}

// ---- The zip container, read from memory through minizip's I/O hooks. ----

struct Memory {
  const std::string* bytes;
  uint64_t pos = 0;
};

voidpf MemOpen(voidpf opaque, const void*, int) { return opaque; }
uLong MemRead(voidpf, voidpf stream, void* buf, uLong size) {
  auto* m = static_cast<Memory*>(stream);
  const uint64_t left = m->bytes->size() - m->pos;
  const uLong n = static_cast<uLong>(std::min<uint64_t>(size, left));
  std::memcpy(buf, m->bytes->data() + m->pos, n);
  m->pos += n;
  return n;
}
uLong MemWrite(voidpf, voidpf, const void*, uLong) { return 0; }
ZPOS64_T MemTell(voidpf, voidpf stream) { return static_cast<Memory*>(stream)->pos; }
long MemSeek(voidpf, voidpf stream, ZPOS64_T offset, int origin) {  // NOLINT(runtime/int)
  auto* m = static_cast<Memory*>(stream);
  uint64_t base = origin == ZLIB_FILEFUNC_SEEK_SET   ? 0
                  : origin == ZLIB_FILEFUNC_SEEK_CUR ? m->pos
                                                     : m->bytes->size();
  if (base + offset > m->bytes->size()) return -1;
  m->pos = base + offset;
  return 0;
}
int MemClose(voidpf, voidpf) { return 0; }
int MemError(voidpf, voidpf) { return 0; }

class Zip {
 public:
  explicit Zip(const std::string& bytes) : mem_{&bytes} {
    zlib_filefunc64_def f = {};
    f.zopen64_file = MemOpen;
    f.zread_file = MemRead;
    f.zwrite_file = MemWrite;
    f.ztell64_file = MemTell;
    f.zseek64_file = MemSeek;
    f.zclose_file = MemClose;
    f.zerror_file = MemError;
    f.opaque = &mem_;
    zf_ = unzOpen2_64("memory", &f);
  }
  ~Zip() {
    if (zf_ != nullptr) unzClose(zf_);
  }
  bool ok() const { return zf_ != nullptr; }

  // The part's bytes; NOT_FOUND when the archive has no such part.
  absl::StatusOr<std::string> Read(const std::string& part) {
    if (unzLocateFile(zf_, part.c_str(), 1) != UNZ_OK) {
      return absl::NotFoundError(part);
    }
    unz_file_info64 info;
    if (unzGetCurrentFileInfo64(zf_, &info, nullptr, 0, nullptr, 0, nullptr, 0) != UNZ_OK) {
      return Invalid("the workbook's zip directory is damaged");
    }
    if (info.uncompressed_size > kMaxPartBytes) {
      return Invalid("a part of the workbook is larger than 64 MiB uncompressed");
    }
    if (unzOpenCurrentFile(zf_) != UNZ_OK) return Invalid("a part of the workbook cannot be read");
    std::string out;
    char buf[65536];
    int n = 0;
    while ((n = unzReadCurrentFile(zf_, buf, sizeof buf)) > 0) {
      out.append(buf, n);
      if (out.size() > kMaxPartBytes) {  // the directory lied about the size
        unzCloseCurrentFile(zf_);
        return Invalid("a part of the workbook is larger than 64 MiB uncompressed");
      }
    }
    const int closed = unzCloseCurrentFile(zf_);  // checks the CRC
    if (n < 0 || closed != UNZ_OK) return Invalid("a part of the workbook is damaged (truncated?)");
    return out;
  }

 private:
  Memory mem_;
  unzFile zf_ = nullptr;
};

// ---- XML: expat with namespaces, handlers as lambdas over local names. ----

struct Xml {
  std::function<void(const std::string& local, const char** attrs)> start;
  std::function<void(const std::string& local)> end;
  std::function<void(const char* s, int len)> text;
};

std::string Local(const char* name) {
  const char* sep = std::strrchr(name, ' ');
  return sep ? sep + 1 : name;
}

// The attribute whose local name is `local` (any namespace, or namespace ending in `ns_suffix`).
const char* Attr(const char** attrs, const char* local, const char* ns_suffix = nullptr) {
  for (int i = 0; attrs[i] != nullptr; i += 2) {
    const char* name = attrs[i];
    const char* sep = std::strrchr(name, ' ');
    const char* l = sep ? sep + 1 : name;
    if (std::strcmp(l, local) != 0) continue;
    if (ns_suffix == nullptr) {
      if (sep == nullptr) return attrs[i + 1];
      continue;
    }
    if (sep != nullptr && absl::EndsWith(absl::string_view(name, sep - name), ns_suffix)) {
      return attrs[i + 1];
    }
  }
  return nullptr;
}

absl::Status ParseXml(const std::string& doc, const std::string& part, Xml& h) {
  std::unique_ptr<XML_ParserStruct, void (*)(XML_Parser)> p(XML_ParserCreateNS("UTF-8", ' '),
                                                            XML_ParserFree);
  XML_SetUserData(p.get(), &h);
  XML_SetElementHandler(
      p.get(),
      [](void* u, const char* name, const char** attrs) {
        auto* x = static_cast<Xml*>(u);
        if (x->start) x->start(Local(name), attrs);
      },
      [](void* u, const char* name) {
        auto* x = static_cast<Xml*>(u);
        if (x->end) x->end(Local(name));
      });
  XML_SetCharacterDataHandler(p.get(), [](void* u, const char* s, int len) {
    auto* x = static_cast<Xml*>(u);
    if (x->text) x->text(s, len);
  });
  // No DTDs in a workbook: a document type declaration (entity expansion) is refused.
  if (doc.find("<!DOCTYPE") != std::string::npos) {
    return Invalid(absl::StrCat(part, " has a document type declaration"));
  }
  if (XML_Parse(p.get(), doc.data(), static_cast<int>(doc.size()), 1) != XML_STATUS_OK) {
    return Invalid(absl::StrCat(part, " is not well-formed XML"));
  }
  return absl::OkStatus();
}

// ---- Cell references and values. ----

// "AB12" → column 27 (0-based 27), row 11 (0-based); false when malformed.
bool ParseRef(const std::string& ref, int* row, int* col) {
  size_t i = 0;
  int c = 0;
  while (i < ref.size() && absl::ascii_isalpha(ref[i])) {
    c = c * 26 + (absl::ascii_toupper(ref[i]) - 'A' + 1);
    if (c > 20000) return false;
    ++i;
  }
  int r = 0;
  if (i == 0 || i == ref.size() || !absl::SimpleAtoi(ref.substr(i), &r) || r < 1) return false;
  *row = r - 1;
  *col = c - 1;
  return true;
}

bool IsDateFormat(int id, const std::map<int, std::string>& custom) {
  if ((id >= 14 && id <= 22) || (id >= 27 && id <= 36) || (id >= 45 && id <= 47) ||
      (id >= 50 && id <= 58)) {
    return true;  // built-in date/time formats (27–36, 50–58: the Japanese era ones)
  }
  auto it = custom.find(id);
  if (it == custom.end()) return false;
  // A custom code is a date when it has y, m with d, or e/g (era) outside quotes and brackets.
  bool quoted = false, bracket = false, y = false, d = false, era = false;
  for (char ch : it->second) {
    if (ch == '"') quoted = !quoted;
    if (quoted) continue;
    if (ch == '[') bracket = true;
    if (ch == ']') bracket = false;
    if (bracket) continue;
    const char l = absl::ascii_tolower(ch);
    y |= l == 'y';
    d |= l == 'd';
    era |= l == 'e' || l == 'g';
  }
  return y || d || era;
}

std::string SerialToDate(const std::string& v, bool date1904) {
  double serial = 0;
  if (!absl::SimpleAtod(v, &serial) || serial < 0 || serial > 2958465) return v;
  const int64_t days = static_cast<int64_t>(serial);
  absl::CivilDay day = date1904     ? absl::CivilDay(1904, 1, 1) + days
                       : days >= 61 ? absl::CivilDay(1899, 12, 30) + days
                                    : absl::CivilDay(1899, 12, 31) + days;  // Excel's 1900-02-29
  std::string out = absl::StrFormat("%04d-%02d-%02d", day.year(), day.month(), day.day());
  const int minutes = static_cast<int>((serial - days) * 24 * 60 + 0.5);
  if (minutes > 0 && minutes < 24 * 60) {
    absl::StrAppend(&out, absl::StrFormat(" %02d:%02d", minutes / 60, minutes % 60));
  }
  return out;
}

// A part of the workbook; "" for a missing optional part.
using PartReader =
    std::function<absl::StatusOr<std::string>(const std::string& name, bool required)>;

// Where the sheet named `sheet_name` (the first when "") is, its name, and the 1904 date system
// flag, from the workbook and its relationships.
absl::StatusOr<std::string> FindSheet(const PartReader& part, const std::string& sheet_name,
                                      std::string* found_name, bool* date1904) {
  // Sheets in workbook order, and the 1904 date system flag.
  SOKEI_ASSIGN_OR_RETURN(std::string workbook, part("xl/workbook.xml", true));
  struct SheetRef {
    std::string name, rid;
  };
  std::vector<SheetRef> sheets;
  Xml wb;
  wb.start = [&](const std::string& l, const char** a) {
    if (l == "sheet") {
      const char* n = Attr(a, "name");
      const char* id = Attr(a, "id", "relationships");
      if (n && id) sheets.push_back({n, id});
    } else if (l == "workbookPr") {
      const char* v = Attr(a, "date1904");
      *date1904 = v && (std::strcmp(v, "1") == 0 || std::strcmp(v, "true") == 0);
    }
  };
  SOKEI_RETURN_IF_ERROR(ParseXml(workbook, "xl/workbook.xml", wb));
  const SheetRef* chosen = nullptr;
  for (const auto& s : sheets) {
    if (sheet_name.empty() || s.name == sheet_name) {
      chosen = &s;
      break;
    }
  }
  if (chosen == nullptr) {
    if (sheets.empty()) return Invalid("the workbook has no sheets");
    return status::InvalidField("XLSX_SHEET_NOT_FOUND", "sheet",
                                absl::StrCat("the workbook has no sheet named ", sheet_name));
  }

  SOKEI_ASSIGN_OR_RETURN(std::string rels, part("xl/_rels/workbook.xml.rels", true));
  std::string target;
  Xml rx;
  rx.start = [&](const std::string& l, const char** a) {
    const char* id = Attr(a, "Id");
    const char* t = Attr(a, "Target");
    if (l == "Relationship" && id && t && chosen->rid == id) target = t;
  };
  SOKEI_RETURN_IF_ERROR(ParseXml(rels, "xl/_rels/workbook.xml.rels", rx));
  if (target.empty() || absl::StrContains(target, "..")) {
    return Invalid("the workbook does not say where its sheet is");
  }
  *found_name = chosen->name;
  return absl::StartsWith(target, "/") ? target.substr(1) : absl::StrCat("xl/", target);
}

// Shared strings: rich-text runs joined, phonetic guides (rPh) left out.
absl::StatusOr<std::vector<std::string>> ReadSharedStrings(const std::string& sst) {
  std::vector<std::string> shared;
  if (!sst.empty()) {
    bool in_si = false, in_t = false;
    int in_rph = 0;
    Xml sx;
    sx.start = [&](const std::string& l, const char**) {
      if (l == "si") {
        in_si = true;
        shared.emplace_back();
      } else if (l == "rPh") {
        ++in_rph;
      } else if (l == "t") {
        in_t = true;
      }
    };
    sx.end = [&](const std::string& l) {
      if (l == "si") in_si = false;
      if (l == "rPh") --in_rph;
      if (l == "t") in_t = false;
    };
    sx.text = [&](const char* s, int n) {
      if (in_si && in_t && in_rph == 0) shared.back().append(s, n);
    };
    SOKEI_RETURN_IF_ERROR(ParseXml(sst, "xl/sharedStrings.xml", sx));
  }

  return shared;
}

// Styles: which cell formats (by index) show dates.
absl::StatusOr<std::vector<bool>> ReadDateStyles(const std::string& styles) {
  std::vector<bool> date_style;
  if (!styles.empty()) {
    std::map<int, std::string> custom;
    std::vector<int> xf_fmt;
    bool in_xfs = false;
    Xml st;
    st.start = [&](const std::string& l, const char** a) {
      int id = 0;
      const char* idv = Attr(a, "numFmtId");
      if (l == "numFmt" && idv && absl::SimpleAtoi(idv, &id)) {
        const char* code = Attr(a, "formatCode");
        custom[id] = code ? code : "";
      } else if (l == "cellXfs") {
        in_xfs = true;
      } else if (l == "xf" && in_xfs) {
        xf_fmt.push_back(idv && absl::SimpleAtoi(idv, &id) ? id : 0);
      }
    };
    st.end = [&](const std::string& l) {
      if (l == "cellXfs") in_xfs = false;
    };
    SOKEI_RETURN_IF_ERROR(ParseXml(styles, "xl/styles.xml", st));
    for (int f : xf_fmt) date_style.push_back(IsDateFormat(f, custom));
  }

  return date_style;
}

struct Merge {
  int r1, c1, r2, c2;
};

// A merged range shows its value in its first cell only: the rows below get it too (a 施策 name
// merged down over its indicators is every indicator's).
void FillMerges(const std::vector<Merge>& merges, XlsxSheet* out) {
  for (const Merge& m : merges) {
    if (static_cast<size_t>(m.r1) >= out->rows.size() ||
        static_cast<size_t>(m.c1) >= out->rows[m.r1].size()) {
      continue;
    }
    const std::string v = out->rows[m.r1][m.c1];
    for (int r = m.r1 + 1; r <= m.r2 && r < kMaxRows; ++r) {
      if (out->rows.size() <= static_cast<size_t>(r)) out->rows.resize(r + 1);
      auto& cells = out->rows[r];
      if (cells.size() <= static_cast<size_t>(m.c1)) cells.resize(m.c1 + 1);
      if (cells[m.c1].empty()) cells[m.c1] = v;
    }
  }
}

// The cells of the sheet part `doc`: text as shown (shared strings, inline strings, booleans,
// dates from their serial numbers), merged cells filled down.
absl::StatusOr<XlsxSheet> ReadSheetCells(const std::string& doc, const std::string& sheet_part,
                                         const std::vector<std::string>& shared,
                                         const std::vector<bool>& date_style, bool date1904) {
  XlsxSheet out;
  std::vector<Merge> merges;
  int row = -1, col = -1, next_col = 0, style = 0;
  std::string type, value, inline_text;
  bool in_v = false, in_is_t = false, in_is = false, too_big = false, bad_ref = false;
  int in_rph = 0;
  Xml sh;
  sh.start = [&](const std::string& l, const char** a) {
    if (l == "row") {
      const char* r = Attr(a, "r");
      int n = 0;
      row = r && absl::SimpleAtoi(r, &n) && n >= 1 ? n - 1 : row + 1;
      next_col = 0;
    } else if (l == "c") {
      const char* r = Attr(a, "r");
      int rr = row, cc = next_col;
      if (r && !ParseRef(r, &rr, &cc)) bad_ref = true;
      col = cc;
      next_col = cc + 1;
      const char* t = Attr(a, "t");
      type = t ? t : "n";
      const char* s = Attr(a, "s");
      style = 0;
      if (s && !absl::SimpleAtoi(s, &style)) style = 0;
      value.clear();
      inline_text.clear();
    } else if (l == "v") {
      in_v = true;
    } else if (l == "is") {
      in_is = true;
    } else if (l == "rPh") {
      ++in_rph;
    } else if (l == "t" && in_is) {
      in_is_t = true;
    } else if (l == "mergeCell") {
      const char* ref = Attr(a, "ref");
      Merge m{};
      const std::string rs = ref ? ref : "";
      const size_t colon = rs.find(':');
      if (colon != std::string::npos && ParseRef(rs.substr(0, colon), &m.r1, &m.c1) &&
          ParseRef(rs.substr(colon + 1), &m.r2, &m.c2) && m.r2 >= m.r1 && m.c2 >= m.c1) {
        merges.push_back(m);
      }
    }
  };
  sh.end = [&](const std::string& l) {
    if (l == "v") in_v = false;
    if (l == "is") in_is = false;
    if (l == "rPh") --in_rph;
    if (l == "t") in_is_t = false;
    if (l != "c" || row < 0 || col < 0) return;
    if (row >= kMaxRows || col >= kMaxColumns) {
      too_big = true;
      return;
    }
    std::string text;
    if (type == "s") {
      size_t i = 0;
      if (absl::SimpleAtoi(value, &i) && i < shared.size()) text = shared[i];
    } else if (type == "inlineStr") {
      text = inline_text;
    } else if (type == "b") {
      text = value == "1" ? "TRUE" : value == "0" ? "FALSE" : value;
    } else if (type == "n" && !value.empty() && style >= 0 &&
               static_cast<size_t>(style) < date_style.size() && date_style[style]) {
      text = SerialToDate(value, date1904);
    } else {
      text = value;  // numbers as stored, str (a formula's text), e (#N/A), d (ISO date)
    }
    if (text.empty()) return;
    if (out.rows.size() <= static_cast<size_t>(row)) out.rows.resize(row + 1);
    auto& cells = out.rows[row];
    if (cells.size() <= static_cast<size_t>(col)) cells.resize(col + 1);
    cells[col] = std::move(text);
  };
  sh.text = [&](const char* s, int n) {
    if (in_v) value.append(s, n);
    if (in_is_t && in_rph == 0) inline_text.append(s, n);
  };
  SOKEI_RETURN_IF_ERROR(ParseXml(doc, sheet_part, sh));
  if (too_big) return Invalid("the sheet has more than 200,000 rows or 1,000 columns");
  if (bad_ref) return Invalid("the sheet has a malformed cell reference");
  FillMerges(merges, &out);
  return out;
}

}  // namespace

bool LooksLikeXlsx(const std::string& bytes) {
  return bytes.size() >= 4 && bytes.compare(0, 4, "PK\x03\x04") == 0;
}

absl::StatusOr<XlsxSheet> ReadXlsxSheet(const std::string& bytes, const std::string& sheet_name) {
  Zip zip(bytes);
  if (!LooksLikeXlsx(bytes) || !zip.ok()) return Invalid("not an .xlsx workbook");
  PartReader part = [&](const std::string& name, bool required) -> absl::StatusOr<std::string> {
    auto s = zip.Read(name);
    if (s.ok() || !absl::IsNotFound(s.status())) return s;
    if (required) return Invalid(absl::StrCat("the workbook has no ", name));
    return std::string();
  };
  std::string name;
  bool date1904 = false;
  SOKEI_ASSIGN_OR_RETURN(const std::string sheet_part,
                         FindSheet(part, sheet_name, &name, &date1904));
  SOKEI_ASSIGN_OR_RETURN(std::string sst, part("xl/sharedStrings.xml", false));
  SOKEI_ASSIGN_OR_RETURN(auto shared, ReadSharedStrings(sst));
  SOKEI_ASSIGN_OR_RETURN(std::string styles, part("xl/styles.xml", false));
  SOKEI_ASSIGN_OR_RETURN(auto date_style, ReadDateStyles(styles));
  SOKEI_ASSIGN_OR_RETURN(std::string doc, part(sheet_part, true));
  SOKEI_ASSIGN_OR_RETURN(XlsxSheet out,
                         ReadSheetCells(doc, sheet_part, shared, date_style, date1904));
  out.name = name;
  return out;
}

}  // namespace sokei::kpi
