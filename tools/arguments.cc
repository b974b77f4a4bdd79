#include "tools/arguments.h"

#include <CLI/CLI.hpp>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace sokei::cli {
namespace {

// Flags that take a value, and flags that are true when present.
constexpr const char* kValueFlags[] = {
    "addr", "profile",     "base",  "by",    "dept",         "encoding", "format",
    "id",   "index",       "label", "level", "municipality", "out",      "plan",
    "rate", "respondents", "sdg",   "shift", "stage",        "tag",      "year"};
constexpr const char* kBoolFlags[] = {"allow-partial", "deviation", "dry-run", "kpi-link",
                                      "published",     "recompute", "replace", "tsv",
                                      "verbose",       "weighted"};

}  // namespace

absl::StatusOr<Arguments> ParseArguments(int argc, const char* const* argv) {
  Arguments out;
  CLI::App app("sokei");
  app.set_help_flag();  // the usage text is the CLI's own
  app.allow_extras(true);
  app.add_flag("-h,--help", out.help);
  app.add_flag("--json", out.json);
  std::map<std::string, std::string> values;
  for (const char* name : kValueFlags) app.add_option(absl::StrCat("--", name), values[name]);
  std::map<std::string, bool> bools;
  for (const char* name : kBoolFlags) app.add_flag(absl::StrCat("--", name), bools[name]);
  std::vector<std::string> maps;
  app.add_option("--map", maps)->expected(1)->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  app.add_option("words", out.words);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return absl::InvalidArgumentError(absl::StrCat(e.what(), " (see sokei --help)"));
  }
  for (const std::string& extra : app.remaining()) {
    if (absl::StartsWith(extra, "-")) {
      const std::string name = extra.substr(0, extra.find('='));
      return absl::InvalidArgumentError(absl::StrCat("unknown flag ", name, " (see sokei --help)"));
    }
    out.words.push_back(extra);
  }
  for (const auto& [name, value] : values) {
    if (app.count(absl::StrCat("--", name)) > 0) out.flags[name] = value;
  }
  for (const auto& [name, on] : bools) {
    if (on) out.flags[name] = "true";
  }
  if (!maps.empty()) out.flags["map"] = absl::StrJoin(maps, "\n");
  return out;
}

}  // namespace sokei::cli
