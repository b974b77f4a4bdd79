// Japanese text handling: NFKC normalisation, search folding, CP932 (Excel's Shift_JIS) → UTF-8.
// Parse on normalised text but always keep the raw text beside the parsed value.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace sokei::jp {

// NFKC: full-width ASCII to half-width, half-width katakana to full-width, ① → 1, ～ → ~.
// Invalid UTF-8 is replaced by U+FFFD.
std::string Nfkc(absl::string_view utf8);

// NFKC with case folding and whitespace removed, and the look-alikes CP932 swaps (〜/～, —/―,
// −/－, ‖/∥) and other dashes made one: the key for matching labels, headers and cell texts
// everywhere (a label typed in Excel and saved as CP932 matches the one stored).
std::string SearchFold(absl::string_view utf8);

bool IsValidUtf8(absl::string_view bytes);

// Decodes CP932 (windows-31j, including NEC/IBM extensions such as ① and ～) to UTF-8. Invalid
// byte sequences are an INVALID_ARGUMENT naming the byte offset.
absl::StatusOr<std::string> Cp932ToUtf8(absl::string_view bytes);

// Encodes UTF-8 as CP932 for older Excel; INVALID_ARGUMENT when a character has no CP932 form.
absl::StatusOr<std::string> Utf8ToCp932(absl::string_view utf8);

enum class TextEncoding { kAuto, kUtf8, kCp932 };

// Decodes a file's bytes: strips a UTF-8 BOM; kAuto takes valid UTF-8 as UTF-8, otherwise CP932.
absl::StatusOr<std::string> DecodeText(absl::string_view bytes, TextEncoding encoding);

// True when the text has ASCII control characters other than tab, LF and CR.
bool HasControlCharacters(absl::string_view utf8);

// Number of Unicode code points (for length limits that people count in characters).
size_t CodePointCount(absl::string_view utf8);

// Columns the text takes on a terminal: 2 for wide and full-width characters (漢字, かな, ＡＢ),
// 0 for combining marks, 1 otherwise (East Asian Width, UAX #11; ambiguous counts as 1).
size_t DisplayWidth(absl::string_view utf8);

// The text padded with spaces to `width` columns (unchanged when already as wide): what %-Ns
// does for ASCII, for Japanese text.
std::string PadToWidth(absl::string_view utf8, size_t width);

}  // namespace sokei::jp
