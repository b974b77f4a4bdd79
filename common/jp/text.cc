#include "common/jp/text.h"

#include <algorithm>

#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/ucnv.h>
#include <unicode/unistr.h>
#include <unicode/utf8.h>

#include <memory>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/status/status.h"

namespace sokei::jp {
namespace {

const icu::Normalizer2* Instance(bool casefold) {
  UErrorCode err = U_ZERO_ERROR;
  const icu::Normalizer2* n = casefold ? icu::Normalizer2::getNFKCCasefoldInstance(err)
                                       : icu::Normalizer2::getNFKCInstance(err);
  if (U_FAILURE(err) || n == nullptr) std::abort();  // ICU data missing: cannot happen
  return n;
}

std::string Normalize(absl::string_view utf8, bool casefold) {
  icu::UnicodeString in = icu::UnicodeString::fromUTF8(
      icu::StringPiece(utf8.data(), static_cast<int32_t>(utf8.size())));
  UErrorCode err = U_ZERO_ERROR;
  icu::UnicodeString out = Instance(casefold)->normalize(in, err);
  std::string result;
  if (U_FAILURE(err)) return std::string(utf8);
  out.toUTF8String(result);
  return result;
}

struct ConverterCloser {
  void operator()(UConverter* c) const { ucnv_close(c); }
};

}  // namespace

std::string Nfkc(absl::string_view utf8) {
  // ASCII is its own NFKC form (jp_test checks every character against ICU): most cells are
  // codes and numbers, and they skip the two UTF-16 conversions.
  if (std::all_of(utf8.begin(), utf8.end(),
                  [](char c) { return static_cast<unsigned char>(c) < 0x80; })) {
    return std::string(utf8);
  }
  return Normalize(utf8, false);
}

std::string SearchFold(absl::string_view utf8) {
  // ASCII alone (most cells: codes, numbers): NFKC_Casefold only lowers A–Z there, so the fold
  // is that and the blanks dropped, without ICU (jp_test checks every ASCII character against it).
  if (std::all_of(utf8.begin(), utf8.end(),
                  [](char c) { return static_cast<unsigned char>(c) < 0x80; })) {
    std::string out;
    out.reserve(utf8.size());
    for (char c : utf8) {
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r') continue;
      out.push_back(absl::ascii_tolower(static_cast<unsigned char>(c)));
    }
    return out;
  }
  // Characters that Excel's CP932 swaps for look-alikes (〜 U+301C ↔ ～ U+FF5E, — U+2014 ↔ ―
  // U+2015, − U+2212 ↔ － U+FF0D, ‖ U+2016 ↔ ∥ U+2225) and the other dashes people type fold to
  // one form, after NFKC (which already makes ～ and － ASCII). The long-vowel mark ー is kept.
  icu::UnicodeString u = icu::UnicodeString::fromUTF8(
      icu::StringPiece(utf8.data(), static_cast<int32_t>(utf8.size())));
  UErrorCode err = U_ZERO_ERROR;
  icu::UnicodeString n = Instance(true)->normalize(u, err);
  if (U_FAILURE(err)) n = u;
  std::string out;
  out.reserve(utf8.size());
  for (int32_t i = 0; i < n.length();) {
    UChar32 c = n.char32At(i);
    i += U16_LENGTH(c);
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') continue;
    if (c == 0x301C) c = '~';
    if ((c >= 0x2010 && c <= 0x2015) || c == 0x2212 || c == 0x2500) c = '-';
    if (c == 0x2225) c = 0x2016;
    icu::UnicodeString one(c);
    one.toUTF8String(out);
  }
  return out;
}

bool IsValidUtf8(absl::string_view bytes) {
  int32_t i = 0;
  const int32_t n = static_cast<int32_t>(bytes.size());
  const auto* s = reinterpret_cast<const uint8_t*>(bytes.data());
  while (i < n) {
    UChar32 c;
    U8_NEXT(s, i, n, c);
    if (c < 0) return false;
  }
  return true;
}

absl::StatusOr<std::string> Cp932ToUtf8(absl::string_view bytes) {
  UErrorCode err = U_ZERO_ERROR;
  std::unique_ptr<UConverter, ConverterCloser> conv(ucnv_open("windows-31j", &err));
  if (U_FAILURE(err)) return status::Internal("ENCODING_UNAVAILABLE");
  ucnv_setToUCallBack(conv.get(), UCNV_TO_U_CALLBACK_STOP, nullptr, nullptr, nullptr, &err);
  icu::UnicodeString out;
  const char* src = bytes.data();
  const char* src_end = bytes.data() + bytes.size();
  UChar buffer[1024];
  while (true) {
    UChar* target = buffer;
    err = U_ZERO_ERROR;
    ucnv_toUnicode(conv.get(), &target, buffer + 1024, &src, src_end, nullptr, true, &err);
    out.append(buffer, static_cast<int32_t>(target - buffer));
    if (err == U_BUFFER_OVERFLOW_ERROR) continue;
    if (U_FAILURE(err)) {
      return status::InvalidField(
          "ENCODING_INVALID", "content",
          absl::StrCat("not valid CP932 (Shift_JIS) near byte ", src - bytes.data()));
    }
    break;
  }
  std::string result;
  out.toUTF8String(result);
  return result;
}

absl::StatusOr<std::string> Utf8ToCp932(absl::string_view utf8) {
  UErrorCode err = U_ZERO_ERROR;
  std::unique_ptr<UConverter, ConverterCloser> conv(ucnv_open("windows-31j", &err));
  if (U_FAILURE(err)) return status::Internal("ENCODING_UNAVAILABLE");
  ucnv_setFromUCallBack(conv.get(), UCNV_FROM_U_CALLBACK_STOP, nullptr, nullptr, nullptr, &err);
  icu::UnicodeString in = icu::UnicodeString::fromUTF8(
      icu::StringPiece(utf8.data(), static_cast<int32_t>(utf8.size())));
  // Unicode forms that Windows writes differently (the usual JIS round-trip differences):
  // — EM DASH → ― (0x815C), − MINUS → － (0x817C), 〜 WAVE DASH → ～ (0x8160), ‖ → ∥, ¢ £ ¬.
  static const std::pair<UChar, UChar> kWindowsForms[] = {
      {0x2014, 0x2015}, {0x2212, 0xFF0D}, {0x301C, 0xFF5E}, {0x2016, 0x2225},
      {0x00A2, 0xFFE0}, {0x00A3, 0xFFE1}, {0x00AC, 0xFFE2}};
  for (const auto& [from, to] : kWindowsForms)
    in.findAndReplace(icu::UnicodeString(from), icu::UnicodeString(to));
  std::string out;
  out.resize(static_cast<size_t>(in.length()) * 2 + 16);
  err = U_ZERO_ERROR;
  const int32_t n = ucnv_fromUChars(conv.get(), out.data(), static_cast<int32_t>(out.size()),
                                    in.getBuffer(), in.length(), &err);
  if (U_FAILURE(err)) {
    return status::InvalidField("ENCODING_UNREPRESENTABLE", "format",
                                "the text has characters CP932 (Shift_JIS) cannot hold; "
                                "use UTF-8 with BOM");
  }
  out.resize(static_cast<size_t>(n));
  return out;
}

absl::StatusOr<std::string> DecodeText(absl::string_view bytes, TextEncoding encoding) {
  if (bytes.substr(0, 3) == "\xEF\xBB\xBF") bytes.remove_prefix(3);
  switch (encoding) {
    case TextEncoding::kUtf8:
      if (!IsValidUtf8(bytes)) {
        return status::InvalidField("ENCODING_INVALID", "content", "not valid UTF-8");
      }
      return std::string(bytes);
    case TextEncoding::kCp932:
      return Cp932ToUtf8(bytes);
    case TextEncoding::kAuto:
      if (IsValidUtf8(bytes)) return std::string(bytes);
      return Cp932ToUtf8(bytes);
  }
  return status::Internal("ENCODING_UNAVAILABLE");
}

bool HasControlCharacters(absl::string_view utf8) {
  for (unsigned char c : utf8) {
    if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f) return true;
  }
  return false;
}

size_t CodePointCount(absl::string_view utf8) {
  size_t n = 0;
  for (unsigned char c : utf8) {
    if ((c & 0xC0) != 0x80) ++n;
  }
  return n;
}

size_t DisplayWidth(absl::string_view utf8) {
  size_t width = 0;
  const auto* s = reinterpret_cast<const uint8_t*>(utf8.data());
  const int32_t n = static_cast<int32_t>(utf8.size());
  for (int32_t i = 0; i < n;) {
    UChar32 c;
    U8_NEXT(s, i, n, c);
    if (c < 0) {
      ++width;  // an invalid byte shows as one replacement character
      continue;
    }
    const int mark = u_getIntPropertyValue(c, UCHAR_GENERAL_CATEGORY_MASK);
    if ((mark & (U_GC_MN_MASK | U_GC_ME_MASK)) != 0 || c == 0x200B) continue;
    const int ea = u_getIntPropertyValue(c, UCHAR_EAST_ASIAN_WIDTH);
    width += (ea == U_EA_WIDE || ea == U_EA_FULLWIDTH) ? 2 : 1;
  }
  return width;
}

std::string PadToWidth(absl::string_view utf8, size_t width) {
  std::string out(utf8);
  const size_t w = DisplayWidth(utf8);
  if (w < width) out.append(width - w, ' ');
  return out;
}

}  // namespace sokei::jp
