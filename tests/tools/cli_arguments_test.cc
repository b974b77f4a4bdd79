// The CLI's command line (CLI11) and its progress line.
#include <gtest/gtest.h>

#include <vector>

#include "tools/arguments.h"
#include "tools/progress.h"

namespace sokei::cli {
namespace {

absl::StatusOr<Arguments> Parse(std::vector<const char*> args) {
  args.insert(args.begin(), "sokei");
  return ParseArguments(static_cast<int>(args.size()), args.data());
}

TEST(CliArguments, WordsFlagsBooleansAndRepeatedMaps) {
  auto a = Parse({"import", "progress-table", "表.tsv", "--plan", "municipalities/142140/plans/p",
                  "--dry-run", "--map", "事業指標=display_name", "--map=単位=unit", "--year=2020",
                  "--json"});
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->words, (std::vector<std::string>{"import", "progress-table", "表.tsv"}));
  EXPECT_EQ(a->flags.at("plan"), "municipalities/142140/plans/p");
  EXPECT_EQ(a->flags.at("dry-run"), "true");
  EXPECT_EQ(a->flags.at("year"), "2020");
  EXPECT_EQ(a->flags.at("map"), "事業指標=display_name\n単位=unit");
  EXPECT_TRUE(a->json);
  EXPECT_FALSE(a->flags.count("allow-partial"));
  // A boolean flag takes no value: the next word stays a word.
  auto b = Parse(
      {"evaluation", "advance", "--recompute", "municipalities/142140/plans/p/evaluations/2020"});
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(b->flags.at("recompute"), "true");
  EXPECT_EQ(b->words.back(), "municipalities/142140/plans/p/evaluations/2020");
}

TEST(CliArguments, TyposAndMissingValuesAreErrors) {
  auto typo = Parse({"import", "progress-table", "x.tsv", "--dryrun"});
  ASSERT_FALSE(typo.ok());
  EXPECT_EQ(typo.status().message(), "unknown flag --dryrun (see sokei --help)");
  auto typo_with_value = Parse({"summary", "--plna=municipalities/142140/plans/p"});
  ASSERT_FALSE(typo_with_value.ok());
  EXPECT_EQ(typo_with_value.status().message(), "unknown flag --plna (see sokei --help)");
  auto missing = Parse({"summary", "--year"});
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("--year"), absl::string_view::npos);
}

TEST(CliProgress, TheLineShowsShareBytesRateAndTimeLeft) {
  const std::string half = ProgressBar::Line("sending 表.tsv", 5'000'000, 10'000'000, 2.0, false);
  EXPECT_NE(half.find("sending 表.tsv"), std::string::npos) << half;
  EXPECT_NE(half.find(" 50% 5.0 MB / 10.0 MB"), std::string::npos) << half;
  EXPECT_NE(half.find("2 s left"), std::string::npos) << half;
  const std::string done = ProgressBar::Line("sending", 10'000'000, 10'000'000, 4.0, false);
  EXPECT_NE(done.find("100%"), std::string::npos) << done;
  EXPECT_EQ(done.find("left"), std::string::npos) << done;
}

}  // namespace
}  // namespace sokei::cli
