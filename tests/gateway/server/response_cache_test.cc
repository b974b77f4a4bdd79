// The response cache's rules on its own: nothing kept or served unless the feeds are followed, a
// reply read before a change is not stored, a municipality's change drops only its replies,
// losing a feed drops all, identities are part of the key, bytes and age are bounded.
#include "gateway/server/response_cache.h"

#include <gtest/gtest.h>

#include <thread>

namespace sokei::gateway {
namespace {

std::shared_ptr<const Representations> Reply(const std::string& body) {
  return Represent(body, "application/json", "", true);
}

auth::Principal Person(const std::string& subject, auth::Role role, const std::string& m,
                       std::set<std::string> departments = {}) {
  auth::Principal p;
  p.subject = subject;
  p.roles = {role};
  p.municipality = m;
  p.departments = std::move(departments);
  return p;
}

TEST(ResponseCache, NothingIsKeptWhileTheFeedsAreNotFollowed) {
  ResponseCache cache(1 << 20, absl::Minutes(5));
  EXPECT_FALSE(cache.Generation("142140"));
  cache.Put("142140", "k", 1ull << 32, Reply("{}"));
  EXPECT_EQ(cache.stats().entries, 0u);
  cache.SetFollowing(true);
  auto g = cache.Generation("142140");
  ASSERT_TRUE(g);
  cache.Put("142140", "k", *g, Reply(R"({"a":1})"));
  ASSERT_NE(cache.Get("142140", "k", *g), nullptr);
  EXPECT_EQ(cache.Get("142140", "k", *g)->body, R"({"a":1})");
  // A feed lost: everything goes, and nothing is served until it is back.
  cache.SetFollowing(false);
  EXPECT_FALSE(cache.Generation("142140"));
  EXPECT_EQ(cache.stats().entries, 0u);
  cache.SetFollowing(true);
  EXPECT_NE(*cache.Generation("142140"), *g) << "generations of before never come back";
  EXPECT_EQ(cache.Get("142140", "k", *g), nullptr);
}

TEST(ResponseCache, AReplyReadBeforeAChangeIsNotStored) {
  ResponseCache cache(1 << 20, absl::Minutes(5));
  cache.SetFollowing(true);
  const uint64_t before = *cache.Generation("142140");
  cache.Invalidate("142140");  // the change lands while the read is upstream
  cache.Put("142140", "k", before, Reply("{}"));
  EXPECT_EQ(cache.stats().entries, 0u);
  EXPECT_EQ(cache.Get("142140", "k", *cache.Generation("142140")), nullptr);
}

TEST(ResponseCache, AChangeDropsOnlyItsMunicipalitysReplies) {
  ResponseCache cache(1 << 20, absl::Minutes(5));
  cache.SetFollowing(true);
  const uint64_t a = *cache.Generation("142140"), b = *cache.Generation("131001");
  cache.Put("142140", "a", a, Reply(R"({"m":"isehara"})"));
  cache.Put("131001", "b", b, Reply(R"({"m":"chiyoda"})"));
  cache.Invalidate("142140");
  EXPECT_EQ(cache.Get("142140", "a", a), nullptr);
  EXPECT_EQ(cache.Get("142140", "a", *cache.Generation("142140")), nullptr);
  ASSERT_NE(cache.Get("131001", "b", b), nullptr);
  EXPECT_EQ(*cache.Generation("131001"), b);
  cache.InvalidateAll();
  EXPECT_EQ(cache.stats().entries, 0u);
}

TEST(ResponseCache, EveryPartOfTheIdentityIsInTheKey) {
  const std::string t = "/v1/municipalities/142140/plans/p";
  const std::string base = ResponseCache::Key(Person("ito", auth::Role::kViewer, "142140"), t);
  EXPECT_NE(base, ResponseCache::Key(Person("ito2", auth::Role::kViewer, "142140"), t));
  EXPECT_NE(base, ResponseCache::Key(Person("ito", auth::Role::kPublic, "142140"), t));
  EXPECT_NE(base, ResponseCache::Key(Person("ito", auth::Role::kViewer, "131001"), t));
  EXPECT_NE(base,
            ResponseCache::Key(Person("ito", auth::Role::kViewer, "142140", {"d-kikaku"}), t));
  EXPECT_NE(base,
            ResponseCache::Key(Person("ito", auth::Role::kViewer, "142140"), t + "?view=BASIC"));
  EXPECT_EQ(base, ResponseCache::Key(Person("ito", auth::Role::kViewer, "142140"), t));
}

TEST(ResponseCache, BytesAreBoundedLeastRecentlyUsedFirst) {
  ResponseCache cache(64 << 10, absl::Minutes(5));
  cache.SetFollowing(true);
  const uint64_t g = *cache.Generation("142140");
  const std::string body(5000, 'x');
  for (int i = 0; i < 100; ++i) cache.Put("142140", std::to_string(i), g, Reply(body));
  const auto s = cache.stats();
  EXPECT_LE(s.bytes, 64u << 10);
  EXPECT_GT(s.evicted, 0u);
  EXPECT_NE(cache.Get("142140", "99", g), nullptr) << "the newest stays";
  EXPECT_EQ(cache.Get("142140", "0", g), nullptr) << "the oldest went";
  // One reply never takes more than an eighth of the cache.
  cache.Put("142140", "huge", g, Represent(std::string(20 << 10, 'y'), "text/csv", "", false));
  EXPECT_EQ(cache.Get("142140", "huge", g), nullptr);
}

TEST(ResponseCache, AReplyIsServedNoLongerThanItsMaximumAge) {
  ResponseCache cache(1 << 20, absl::Milliseconds(30));
  cache.SetFollowing(true);
  const uint64_t g = *cache.Generation("142140");
  cache.Put("142140", "k", g, Reply("{}"));
  EXPECT_NE(cache.Get("142140", "k", g), nullptr);
  std::this_thread::sleep_for(std::chrono::milliseconds(60));
  EXPECT_EQ(cache.Get("142140", "k", g), nullptr);
}

TEST(Representations, ServeChoosesTheFormTheClientTakes) {
  std::string json = "[";
  for (int i = 0; i < 400; ++i) json += "{\"name\":\"施策\"},";
  json += "{}]";
  auto reps = Represent(json, "application/json", "", true);
  ASSERT_FALSE(reps->br.empty());
  ASSERT_FALSE(reps->gzip.empty());
  EXPECT_EQ(Serve(*reps, "", "gzip, deflate, br").body, reps->br);
  EXPECT_EQ(Serve(*reps, "", "gzip").body, reps->gzip);
  EXPECT_EQ(Serve(*reps, "", "br;q=0, gzip").body, reps->gzip);
  EXPECT_EQ(Serve(*reps, "", "").body, json);
  HttpResponse r = Serve(*reps, "", "identity");
  EXPECT_EQ(r.body, json);
  // Any form's ETag revalidates; the 304 names the form the client takes.
  const std::string br_tag = "\"" + reps->hash + "-br\"";
  HttpResponse not_modified = Serve(*reps, br_tag, "gzip");
  EXPECT_EQ(not_modified.status, 304);
  EXPECT_TRUE(not_modified.body.empty());
  // A small reply is sent as it is.
  auto small = Represent("{}", "application/json", "gzip, br", true);
  EXPECT_TRUE(small->br.empty());
  EXPECT_TRUE(small->gzip.empty());
}

}  // namespace
}  // namespace sokei::gateway
