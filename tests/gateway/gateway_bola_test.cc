// The object-level authorization matrix (docs/reliability.md, Security) over the whole stack: every
// method's case of rest_cases.txt × every role (admin, planner, an editor of department kikaku,
// viewer, public, a system key) × whose objects it names (own department, another department,
// another municipality), over REST and — on a fresh stack — over the gRPC passthrough. The
// expected outcome comes from the method's (sokei.type.v1.access) option alone:
//   - another municipality: only the admin (whose token spans municipalities) passes;
//   - a role below the method's level, or a read-only role on a write: refused;
//   - a DEPARTMENT method (observations) on another department's indicator: refused to editors;
//   - public callers on PUBLIC reads: the service decides (published data only);
//   - everything else passes authorization (it may still fail on state: 400, 404, 409).
// A refusal is exactly 403 / PERMISSION_DENIED and leaves every table of every service as it
// was. Nothing ever answers 5xx. 0 methods uncovered.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "tests/gateway/rest_world.h"

namespace sokei::gateway::testing {
namespace {

enum class Want { kPass, kRefuse, kServiceDecides };

Want Expect(const std::string& role, const Scope& scope, const type::v1::MethodAccess& a) {
  using type::v1::AccessLevel;
  if (scope.m != Own().m && role != "admin") return Want::kRefuse;
  bool edge = false;
  if (role == "admin") {
    edge = true;
  } else if (role == "planner") {
    edge = a.level() != AccessLevel::ADMIN;
  } else if (role == "editor") {
    edge = a.level() == AccessLevel::DEPARTMENT ||
           (a.read_only() && (a.level() == AccessLevel::PUBLIC || a.level() == AccessLevel::STAFF));
  } else if (role == "viewer" || role == "system") {
    edge = a.read_only() && (a.level() == AccessLevel::PUBLIC || a.level() == AccessLevel::STAFF);
  } else if (role == "public") {
    edge = a.read_only() && a.level() == AccessLevel::PUBLIC;
  }
  if (!edge) return Want::kRefuse;
  if (a.level() == AccessLevel::DEPARTMENT && role == "editor" && scope.d != Own().d) {
    return Want::kRefuse;
  }
  if (role == "public") return Want::kServiceDecides;
  return Want::kPass;
}

struct Tally {
  int cells = 0, refused = 0, passed = 0, service_decides = 0;
  std::set<std::string> methods;
};

// Runs the script once, each main case as the matrix, everything else as the admin to build the
// same world in both municipalities. `call(role, method, target, body)` returns an HTTP status.
template <typename Call>
Tally RunMatrix(RestWorld& world, Call call) {
  Tally t;
  const Scope scopes[] = {Own(), OtherDepartment(), OtherMunicipality()};
  for (const Case& c : LoadCases()) {
    if (absl::StartsWith(c.label, "error")) continue;
    if (c.MainMethod().empty()) {  // a variant: the world's set-up, in both municipalities
      for (const Scope& s : {Own(), OtherMunicipality()}) {
        const int status = call("admin", c.method, Substitute(c.target, s), Substitute(c.body, s));
        EXPECT_EQ(status, 200) << c.label << " in " << s.m;
      }
      continue;
    }
    const std::string own_target = Substitute(c.target, Own());
    RouteTable::Match match;
    std::vector<std::string> allowed;
    if (world.routes().Find(c.method, own_target.substr(0, own_target.find('?')), &match,
                            &allowed) != RouteTable::Outcome::kFound) {
      ADD_FAILURE() << c.label << ": no route";
      continue;
    }
    const type::v1::MethodAccess access = match.route->access;
    t.methods.insert(match.route->method->full_name());
    // Refusals first (while the objects exist), then the callers that pass, admin first.
    std::vector<std::pair<std::string, Scope>> refusals, passes;
    for (const Scope& s : scopes) {
      const std::string target = Substitute(c.target, s), body = Substitute(c.body, s);
      if (s.name != Own().name && target == own_target && body == Substitute(c.body, Own())) {
        continue;  // the case names nothing of that scope
      }
      for (const char* role : kRoles) {
        (Expect(role, s, access) == Want::kRefuse ? refusals : passes).emplace_back(role, s);
      }
    }
    for (const auto& cells : {refusals, passes}) {
      for (const auto& [role, s] : cells) {
        const std::string what =
            absl::StrCat(c.label, " as ", role, " on ", s.name, " (line ", c.line, ")");
        const uint64_t before = world.Fingerprint();
        const int status = call(role, c.method, Substitute(c.target, s), Substitute(c.body, s));
        ++t.cells;
        EXPECT_GT(status, 0) << what;
        EXPECT_LT(status, 500) << what;
        switch (Expect(role, s, access)) {
          case Want::kRefuse:
            ++t.refused;
            EXPECT_EQ(status, 403) << what;
            EXPECT_EQ(world.Fingerprint(), before) << what << ": a refused request wrote";
            break;
          case Want::kPass:
            ++t.passed;
            EXPECT_NE(status, 401) << what;
            EXPECT_NE(status, 403) << what;
            break;
          case Want::kServiceDecides:
            ++t.service_decides;
            EXPECT_TRUE(status == 200 || status == 403 || status == 404) << what << ": " << status;
            EXPECT_EQ(world.Fingerprint(), before) << what << ": a public read wrote";
            break;
        }
      }
    }
  }
  // 0 methods uncovered: every method with a REST form has its main case in the matrix.
  for (const Route& r : world.routes().routes()) {
    EXPECT_TRUE(t.methods.count(r.method->full_name())) << r.method->full_name() << " uncovered";
  }
  return t;
}

int HttpStatusOf(grpc::StatusCode code) { return HttpStatusFor(code); }

TEST(Bola, EveryMethodRoleAndObjectOverRest) {
  auto world = RestWorld::Start();
  ASSERT_NE(world, nullptr);
  const Tally t = RunMatrix(*world, [&](const std::string& role, const std::string& method,
                                        const std::string& target, const std::string& body) {
    return world->Rest(role, method, target, body).status;
  });
  std::printf("REST matrix: %d cells over %zu methods: %d refused, %d passed, %d public reads\n",
              t.cells, t.methods.size(), t.refused, t.passed, t.service_decides);
  EXPECT_GT(t.refused, 500);
  EXPECT_GT(t.passed, 200);
}

TEST(Bola, EveryMethodRoleAndObjectOverGrpc) {
  auto world = RestWorld::Start();
  ASSERT_NE(world, nullptr);
  const Tally t = RunMatrix(*world, [&](const std::string& role, const std::string& method,
                                        const std::string& target, const std::string& body) {
    return HttpStatusOf(world->Grpc(role, method, target, body));
  });
  std::printf("gRPC matrix: %d cells over %zu methods: %d refused, %d passed, %d public reads\n",
              t.cells, t.methods.size(), t.refused, t.passed, t.service_decides);
  EXPECT_GT(t.refused, 500);
  EXPECT_GT(t.passed, 200);
}

}  // namespace
}  // namespace sokei::gateway::testing
