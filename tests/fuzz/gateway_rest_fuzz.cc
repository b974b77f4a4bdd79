// Fuzz target: everything a REST client controls reaches the gateway's transcoder — the path
// template parser (rules are trusted, but the parser must hold on anything), the route lookup and
// path binding, the query string and the JSON body bound into the real request types, and the
// bound request rendered back by the direct JSON renderer (same bytes as protobuf's printer).
// Input layout: template \n method \n target \n body.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "gateway/transcode/transcoder.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/message_differencer.h"
#include "sokei/kpi/v1/kpi_service.pb.h"
#include "sokei/plan/v1/plan_service.pb.h"
#include "sokei/survey/v1/survey_service.pb.h"

namespace {

const sokei::gateway::RouteTable& Table() {
  static const auto* table = [] {
    auto t = sokei::gateway::RouteTable::Build(
        {sokei::plan::v1::GetPlanRequest::descriptor()->file()->FindServiceByName("PlanService"),
         sokei::kpi::v1::GetIndicatorRequest::descriptor()->file()->FindServiceByName("KpiService"),
         sokei::survey::v1::GetSurveyRequest::descriptor()->file()->FindServiceByName(
             "SurveyService")});
    if (!t.ok()) std::abort();
    return new sokei::gateway::RouteTable(std::move(*t));
  }();
  return *table;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> parts = absl::StrSplit(input, absl::MaxSplits('\n', 3));
  parts.resize(4);
  // A template that parses matches and binds without crashing, and its shape parses again.
  auto t = sokei::gateway::PathTemplate::Parse(parts[0]);
  if (t.ok()) {
    std::vector<std::pair<std::string, std::string>> b;
    (void)t->Match(parts[2], &b);
    if (!sokei::gateway::PathTemplate::Parse(t->Shape()).ok()) std::abort();
  }
  const std::string& target = parts[2];
  const size_t q = target.find('?');
  sokei::gateway::RouteTable::Match m;
  std::vector<std::string> allowed;
  if (Table().Find(parts[1], target.substr(0, q), &m, &allowed) !=
      sokei::gateway::RouteTable::Outcome::kFound) {
    return 0;
  }
  std::unique_ptr<google::protobuf::Message> req(
      google::protobuf::MessageFactory::generated_factory()
          ->GetPrototype(m.route->method->input_type())
          ->New());
  auto s = sokei::gateway::BindRequest(*m.route, m.bindings,
                                       q == std::string::npos ? "" : target.substr(q + 1), parts[3],
                                       req.get());
  if (s.ok()) {
    // Whatever bound serializes, and renders as JSON — the gateway's direct renderer giving the
    // very bytes protobuf's printer gives.
    std::string bytes;
    if (!req->SerializeToString(&bytes)) std::abort();
    std::string reference;
    (void)google::protobuf::util::MessageToJsonString(*req, &reference);
    const std::string direct = sokei::gateway::RenderJson(*req);
    if (direct != reference) {
      // Maps are the one place the two may order differently (sorted keys against wire order):
      // then the JSON must still mean the same message.
      std::unique_ptr<google::protobuf::Message> a(req->New()), b(req->New());
      if (!google::protobuf::util::JsonStringToMessage(direct, a.get()).ok() ||
          !google::protobuf::util::JsonStringToMessage(reference, b.get()).ok() ||
          !google::protobuf::util::MessageDifferencer::Equals(*a, *b)) {
        std::abort();
      }
    }
  } else if (s.code() != absl::StatusCode::kInvalidArgument) {
    std::abort();  // bad input is always INVALID_ARGUMENT
  }
  return 0;
}
