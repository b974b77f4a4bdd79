// The gateway's reply rendering in isolation: a PlanTree (read from a proto3 JSON file, e.g. the
// Isehara demo tree that gateway_bench.sh fetches) rendered to JSON by protobuf's printer
// (util::MessageToJsonString, the reference) and by the gateway's direct renderer, same message,
// same process. Prints medians of 7 rounds and the ratio; checks both give the same bytes.
// usage: json_render_bench TREE.json [ITERATIONS]
#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <vector>

#include "gateway/transcode/json_render.h"
#include "sokei/plan/v1/plan_service.pb.h"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: json_render_bench TREE.json [ITERATIONS]\n");
    return 2;
  }
  std::ifstream in(argv[1], std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  sokei::plan::v1::PlanTree tree;
  if (!google::protobuf::util::JsonStringToMessage(ss.str(), &tree).ok()) {
    std::fprintf(stderr, "json_render_bench: %s is not a PlanTree\n", argv[1]);
    return 2;
  }
  const int iterations = argc > 2 ? std::atoi(argv[2]) : 300;
  std::string reference, direct;
  google::protobuf::util::MessageToJsonString(tree, &reference);
  sokei::gateway::RenderJsonDirect(tree, &direct);
  if (reference != direct) {
    std::fprintf(stderr, "json_render_bench: the two renderings differ\n");
    return 1;
  }
  auto median_us = [&](auto&& render) {
    std::vector<double> rounds;
    for (int r = 0; r < 7; ++r) {
      const auto start = std::chrono::steady_clock::now();
      for (int i = 0; i < iterations; ++i) render();
      rounds.push_back(
          std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start)
              .count() /
          iterations);
    }
    std::sort(rounds.begin(), rounds.end());
    return rounds[3];
  };
  if (argc > 3) {  // profiling: the direct renderer only
    for (int i = 0; i < iterations * 7; ++i) {
      std::string out;
      sokei::gateway::RenderJsonDirect(tree, &out);
    }
    return 0;
  }
  const double ref_us = median_us([&] {
    std::string out;
    google::protobuf::util::MessageToJsonString(tree, &out);
  });
  const double direct_us = median_us([&] {
    std::string out;
    sokei::gateway::RenderJsonDirect(tree, &out);
  });
  std::printf("json_render_bench: PlanTree, %zu bytes of JSON, median of 7 × %d renders\n",
              direct.size(), iterations);
  std::printf("  %-44s %9.1f µs %8.1f MB/s %7s\n", "protobuf util::MessageToJsonString (ref)",
              ref_us, direct.size() / ref_us, "1.0×");
  std::printf("  %-44s %9.1f µs %8.1f MB/s %6.1f×\n", "gateway direct renderer", direct_us,
              direct.size() / direct_us, ref_us / direct_us);
  return 0;
}
