#include "gateway/transcode/json_render.h"

#include <google/protobuf/reflection.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <set>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace sokei::gateway {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

bool IsWellKnown(const Descriptor* d) { return d->file()->package() == "google.protobuf"; }

bool SupportedWellKnown(const Descriptor* d) {
  const std::string& n = d->full_name();
  return n == "google.protobuf.Timestamp" || n == "google.protobuf.FieldMask" ||
         n == "google.protobuf.Empty";
}

bool Supports(const Descriptor* d, std::set<const Descriptor*>* seen) {
  if (!seen->insert(d).second) return true;
  if (IsWellKnown(d)) return SupportedWellKnown(d);
  for (int i = 0; i < d->field_count(); ++i) {
    const FieldDescriptor* f = d->field(i);
    if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE && !Supports(f->message_type(), seen))
      return false;
    if (f->cpp_type() == FieldDescriptor::CPPTYPE_ENUM &&
        f->enum_type()->full_name() == "google.protobuf.NullValue")
      return false;
  }
  return true;
}

// Code points protobuf writes as \uXXXX beyond the JSON-mandated ones (HTML-significant and
// invisible formatting characters).
bool NeedsEscape(uint32_t cp) {
  return cp <= 0x1f || cp == 0x22 || cp == 0x3c || cp == 0x3e || cp == 0x5c || cp == 0x7f ||
         (cp >= 0x80 && cp <= 0x9f) || cp == 0xad || (cp >= 0x600 && cp <= 0x603) || cp == 0x6dd ||
         cp == 0x70f || cp == 0x17b4 || cp == 0x17b5 || (cp >= 0x200b && cp <= 0x200f) ||
         (cp >= 0x2028 && cp <= 0x202e) || (cp >= 0x2060 && cp <= 0x2064) ||
         (cp >= 0x206a && cp <= 0x206f) || cp == 0xfeff || (cp >= 0xfff9 && cp <= 0xfffb) ||
         (cp >= 0x1d173 && cp <= 0x1d17a) || cp == 0xe0001 || (cp >= 0xe0020 && cp <= 0xe007f);
}

void AppendU16(uint32_t unit, std::string* out) {
  static const char kHex[] = "0123456789abcdef";
  const char buf[6] = {
      '\\',           'u', kHex[(unit >> 12) & 15], kHex[(unit >> 8) & 15], kHex[(unit >> 4) & 15],
      kHex[unit & 15]};
  out->append(buf, 6);
}

void AppendEscaped(uint32_t cp, std::string* out) {
  switch (cp) {
    case '\b':
      out->append("\\b");
      return;
    case '\t':
      out->append("\\t");
      return;
    case '\n':
      out->append("\\n");
      return;
    case '\f':
      out->append("\\f");
      return;
    case '\r':
      out->append("\\r");
      return;
    case '"':
      out->append("\\\"");
      return;
    case '\\':
      out->append("\\\\");
      return;
    default:
      break;
  }
  if (cp > 0xffff) {
    cp -= 0x10000;
    AppendU16(0xd800 + (cp >> 10), out);
    AppendU16(0xdc00 + (cp & 0x3ff), out);
    return;
  }
  AppendU16(cp, out);
}

// Length of the valid UTF-8 sequence at s[i] and its code point; 0 when invalid.
size_t DecodeUtf8(const std::string& s, size_t i, uint32_t* cp) {
  const auto b = [&](size_t k) { return static_cast<unsigned char>(s[i + k]); };
  const unsigned char c = b(0);
  size_t n;
  uint32_t v, min;
  if (c < 0x80) {
    *cp = c;
    return 1;
  } else if ((c & 0xe0) == 0xc0) {
    n = 2, v = c & 0x1f, min = 0x80;
  } else if ((c & 0xf0) == 0xe0) {
    n = 3, v = c & 0x0f, min = 0x800;
  } else if ((c & 0xf8) == 0xf0) {
    n = 4, v = c & 0x07, min = 0x10000;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    if ((b(k) & 0xc0) != 0x80) return 0;
    v = (v << 6) | (b(k) & 0x3f);
  }
  if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff)) return 0;
  *cp = v;
  return n;
}

void AppendDouble(double v, std::string* out) {
  if (std::isnan(v)) {
    out->append("\"NaN\"");
    return;
  }
  if (std::isinf(v)) {
    out->append(v > 0 ? "\"Infinity\"" : "\"-Infinity\"");
    return;
  }
  char buf[32];
  snprintf(buf, sizeof buf, "%.15g", v);
  if (std::strtod(buf, nullptr) != v) snprintf(buf, sizeof buf, "%.17g", v);
  out->append(buf);
}

void AppendFloat(float v, std::string* out) {
  if (std::isnan(v)) {
    out->append("\"NaN\"");
    return;
  }
  if (std::isinf(v)) {
    out->append(v > 0 ? "\"Infinity\"" : "\"-Infinity\"");
    return;
  }
  char buf[32];
  snprintf(buf, sizeof buf, "%.6g", static_cast<double>(v));
  if (std::strtof(buf, nullptr) != v) snprintf(buf, sizeof buf, "%.9g", static_cast<double>(v));
  out->append(buf);
}

// snake_case → lowerCamelCase, as protobuf writes FieldMask paths.
std::string CamelPath(const std::string& path) {
  std::string out;
  bool upper = false;
  for (char c : path) {
    if (c == '_') {
      upper = true;
      continue;
    }
    out.push_back(upper && c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c);
    upper = false;
  }
  return out;
}

// Days since 1970-01-01 → civil date (proleptic Gregorian; H. Hinnant's algorithm).
void CivilFromDays(int64_t z, int64_t* y, unsigned* m, unsigned* d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = static_cast<int64_t>(yoe) + era * 400 + (*m <= 2);
}

// `seconds` and `nanos`: the Timestamp's fields 1 and 2.
void AppendTimestamp(const Message& m, const Reflection* r, const FieldDescriptor* seconds_field,
                     const FieldDescriptor* nanos_field, std::string* out) {
  const int64_t seconds = r->GetInt64(m, seconds_field);
  const int32_t nanos = r->GetInt32(m, nanos_field);
  int64_t days = seconds / 86400, rem = seconds % 86400;
  if (rem < 0) {
    rem += 86400;
    --days;
  }
  int64_t year;
  unsigned month, day;
  CivilFromDays(days, &year, &month, &day);
  // "YYYY-MM-DDTHH:MM:SS[.fff[fff[fff]]]Z", digits written by hand (snprintf was a tenth of the
  // rendering time of a plan tree).
  char buf[40];
  auto put = [&buf](int at, int64_t v, int width) {
    for (int k = width - 1; k >= 0; --k, v /= 10) buf[at + k] = static_cast<char>('0' + v % 10);
  };
  buf[0] = '"';
  put(1, year, 4);
  buf[5] = '-';
  put(6, month, 2);
  buf[8] = '-';
  put(9, day, 2);
  buf[11] = 'T';
  put(12, rem / 3600, 2);
  buf[14] = ':';
  put(15, rem / 60 % 60, 2);
  buf[17] = ':';
  put(18, rem % 60, 2);
  int n = 20;
  if (nanos > 0 && nanos < 1000000000) {
    buf[n++] = '.';
    if (nanos % 1000000 == 0) {
      put(n, nanos / 1000000, 3), n += 3;
    } else if (nanos % 1000 == 0) {
      put(n, nanos / 1000, 6), n += 6;
    } else {
      put(n, nanos, 9), n += 9;
    }
  }
  out->append(buf, n);
  out->append("Z\"");
}

// What rendering a message type needs, worked out once per type (per thread): its fields in
// number order — the order protobuf's printer meets them on the wire — with their kinds and their
// "jsonName": keys. Descriptor accessors take a call_once each; a plan takes none.
enum class Kind { kPlain, kTimestamp, kFieldMask };
struct FieldPlan {
  const FieldDescriptor* f;
  FieldDescriptor::CppType cpp;
  bool repeated, map, bytes;
  std::string key;  // "jsonName":
};
struct Plan {
  Kind kind = Kind::kPlain;
  std::vector<FieldPlan> fields;
};

const Plan& PlanOf(const Descriptor* d) {
  thread_local std::map<const Descriptor*, Plan> plans;
  auto [it, fresh] = plans.try_emplace(d);
  if (!fresh) return it->second;
  Plan& p = it->second;
  if (d->full_name() == "google.protobuf.Timestamp") p.kind = Kind::kTimestamp;
  if (d->full_name() == "google.protobuf.FieldMask") p.kind = Kind::kFieldMask;
  for (int i = 0; i < d->field_count(); ++i) {
    const FieldDescriptor* f = d->field(i);
    FieldPlan fp{
        f, f->cpp_type(), f->is_repeated(), f->is_map(), f->type() == FieldDescriptor::TYPE_BYTES,
        ""};
    AppendJsonString(f->json_name(), &fp.key);
    fp.key.push_back(':');
    p.fields.push_back(std::move(fp));
  }
  std::sort(p.fields.begin(), p.fields.end(),
            [](const FieldPlan& a, const FieldPlan& b) { return a.f->number() < b.f->number(); });
  return p;
}

void AppendMessage(const Message& m, const Reflection* r, const Plan& plan, std::string* out);

// One value of a field (index `i` when repeated).
void AppendValue(const Message& m, const Reflection* r, const FieldPlan& fp, int i,
                 std::string* out) {
  const FieldDescriptor* f = fp.f;
  const bool rep = fp.repeated;
  switch (fp.cpp) {
    case FieldDescriptor::CPPTYPE_INT32:
      absl::StrAppend(out, rep ? r->GetRepeatedInt32(m, f, i) : r->GetInt32(m, f));
      break;
    case FieldDescriptor::CPPTYPE_UINT32:
      absl::StrAppend(out, rep ? r->GetRepeatedUInt32(m, f, i) : r->GetUInt32(m, f));
      break;
    case FieldDescriptor::CPPTYPE_INT64:
      absl::StrAppend(out, "\"", rep ? r->GetRepeatedInt64(m, f, i) : r->GetInt64(m, f), "\"");
      break;
    case FieldDescriptor::CPPTYPE_UINT64:
      absl::StrAppend(out, "\"", rep ? r->GetRepeatedUInt64(m, f, i) : r->GetUInt64(m, f), "\"");
      break;
    case FieldDescriptor::CPPTYPE_DOUBLE:
      AppendDouble(rep ? r->GetRepeatedDouble(m, f, i) : r->GetDouble(m, f), out);
      break;
    case FieldDescriptor::CPPTYPE_FLOAT:
      AppendFloat(rep ? r->GetRepeatedFloat(m, f, i) : r->GetFloat(m, f), out);
      break;
    case FieldDescriptor::CPPTYPE_BOOL:
      out->append((rep ? r->GetRepeatedBool(m, f, i) : r->GetBool(m, f)) ? "true" : "false");
      break;
    case FieldDescriptor::CPPTYPE_ENUM: {
      const int v = rep ? r->GetRepeatedEnumValue(m, f, i) : r->GetEnumValue(m, f);
      const auto* ev = f->enum_type()->FindValueByNumber(v);
      if (ev != nullptr) {
        AppendJsonString(ev->name(), out);
      } else {
        absl::StrAppend(out, v);
      }
      break;
    }
    case FieldDescriptor::CPPTYPE_STRING: {
      std::string scratch;
      const std::string& s = rep ? r->GetRepeatedStringReference(m, f, i, &scratch)
                                 : r->GetStringReference(m, f, &scratch);
      if (fp.bytes) {
        absl::StrAppend(out, "\"", absl::Base64Escape(s), "\"");
      } else {
        AppendJsonString(s, out);
      }
      break;
    }
    case FieldDescriptor::CPPTYPE_MESSAGE: {
      const Message& sub = rep ? r->GetRepeatedMessage(m, f, i) : r->GetMessage(m, f);
      AppendMessage(sub, sub.GetReflection(), PlanOf(f->message_type()), out);
      break;
    }
  }
}

// A map key as a JSON object key (always a string).
std::string MapKey(const Message& entry) {
  const Reflection* r = entry.GetReflection();
  const FieldDescriptor* k = entry.GetDescriptor()->map_key();
  switch (k->cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING:
      return r->GetString(entry, k);
    case FieldDescriptor::CPPTYPE_BOOL:
      return r->GetBool(entry, k) ? "true" : "false";
    case FieldDescriptor::CPPTYPE_INT32:
      return absl::StrCat(r->GetInt32(entry, k));
    case FieldDescriptor::CPPTYPE_UINT32:
      return absl::StrCat(r->GetUInt32(entry, k));
    case FieldDescriptor::CPPTYPE_INT64:
      return absl::StrCat(r->GetInt64(entry, k));
    case FieldDescriptor::CPPTYPE_UINT64:
      return absl::StrCat(r->GetUInt64(entry, k));
    default:
      return "";
  }
}

void AppendMessage(const Message& m, const Reflection* r, const Plan& plan, std::string* out) {
  if (plan.kind == Kind::kTimestamp) {
    AppendTimestamp(m, r, plan.fields[0].f, plan.fields[1].f, out);
    return;
  }
  if (plan.kind == Kind::kFieldMask) {
    const FieldDescriptor* paths = plan.fields[0].f;
    out->push_back('"');
    for (int i = 0; i < r->FieldSize(m, paths); ++i) {
      if (i > 0) out->push_back(',');
      std::string quoted;
      AppendJsonString(CamelPath(r->GetRepeatedString(m, paths, i)), &quoted);
      out->append(quoted, 1, quoted.size() - 2);
    }
    out->push_back('"');
    return;
  }
  out->push_back('{');
  bool first = true;
  for (const FieldPlan& fp : plan.fields) {
    if (fp.repeated) {
      const int n = r->FieldSize(m, fp.f);
      if (n == 0) continue;
      if (!first) out->push_back(',');
      first = false;
      out->append(fp.key);
      if (fp.map) {
        std::vector<std::pair<std::string, int>> keys;
        keys.reserve(n);
        for (int i = 0; i < n; ++i) keys.emplace_back(MapKey(r->GetRepeatedMessage(m, fp.f, i)), i);
        std::sort(keys.begin(), keys.end());
        const Plan& entry = PlanOf(fp.f->message_type());
        const FieldPlan& value = entry.fields[1];  // key = 1, value = 2
        out->push_back('{');
        for (size_t k = 0; k < keys.size(); ++k) {
          if (k > 0) out->push_back(',');
          AppendJsonString(keys[k].first, out);
          out->push_back(':');
          const Message& e = r->GetRepeatedMessage(m, fp.f, keys[k].second);
          AppendValue(e, e.GetReflection(), value, 0, out);
        }
        out->push_back('}');
        continue;
      }
      out->push_back('[');
      for (int i = 0; i < n; ++i) {
        if (i > 0) out->push_back(',');
        AppendValue(m, r, fp, i, out);
      }
      out->push_back(']');
      continue;
    }
    if (!r->HasField(m, fp.f)) continue;
    if (!first) out->push_back(',');
    first = false;
    out->append(fp.key);
    AppendValue(m, r, fp, 0, out);
  }
  out->push_back('}');
}

}  // namespace

void AppendJsonString(const std::string& s, std::string* out) {
  out->push_back('"');
  size_t i = 0, run = 0;  // s[run, i) is copied as it is
  while (i < s.size()) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      if (c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != 0x7f) {
        ++i;
        continue;
      }
      out->append(s, run, i - run);
      AppendEscaped(c, out);
      run = ++i;
      continue;
    }
    // Kana, kanji and most other text: 3-byte sequences whose lead byte rules out every code
    // point that needs escaping; only the continuation bytes need checking.
    if (c >= 0xe3 && c <= 0xec && i + 2 < s.size() &&
        (static_cast<unsigned char>(s[i + 1]) & 0xc0) == 0x80 &&
        (static_cast<unsigned char>(s[i + 2]) & 0xc0) == 0x80) {
      i += 3;
      continue;
    }
    uint32_t cp = 0;
    const size_t n = DecodeUtf8(s, i, &cp);
    if (n != 0 && !NeedsEscape(cp)) {
      i += n;
      continue;
    }
    out->append(s, run, i - run);
    if (n == 0) {  // not UTF-8: dropped
      run = ++i;
      continue;
    }
    AppendEscaped(cp, out);
    run = i += n;
  }
  out->append(s, run, i - run);
  out->push_back('"');
}

bool JsonDirectSupports(const Descriptor* type) {
  thread_local std::map<const Descriptor*, bool> cache;  // asked on every reply: no lock
  auto it = cache.find(type);
  if (it != cache.end()) return it->second;
  std::set<const Descriptor*> seen;
  const bool ok = Supports(type, &seen);
  cache[type] = ok;
  return ok;
}

void RenderJsonDirect(const Message& message, std::string* out) {
  out->reserve(out->size() + message.ByteSizeLong() * 2 + 16);
  AppendMessage(message, message.GetReflection(), PlanOf(message.GetDescriptor()), out);
}

}  // namespace sokei::gateway
