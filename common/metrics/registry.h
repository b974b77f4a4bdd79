// The process's own measurements besides the served calls (call_metrics.h): counters, gauges and
// latency histograms by name and labels, in the Prometheus text exposition format. Recorded where
// the work happens — storage transactions, the cache, imports, the change feed — and served with
// the calls on the operations port.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace sokei::metrics {

using Labels = std::vector<std::pair<std::string, std::string>>;

class Registry {
 public:
  static Registry& Global();

  void Add(const std::string& name, const std::string& help, const Labels& labels, double n = 1);
  void Set(const std::string& name, const std::string& help, const Labels& labels, double value);
  void Observe(const std::string& name, const std::string& help, const Labels& labels,
               double seconds);
  // Every family, each sample with service="<service>" first.
  std::string Text(const std::string& service) const;

 private:
  enum class Type { kCounter, kGauge, kHistogram };
  struct Histogram {
    std::vector<long> buckets;  // one per bound, and +Inf
    double sum = 0;
    long count = 0;
  };
  struct Family {
    Type type;
    std::string help;
    std::map<Labels, double> values;          // counters and gauges
    std::map<Labels, Histogram> histograms;  // histograms
  };
  Family& Get(const std::string& name, const std::string& help, Type type);

  mutable std::mutex mu_;
  std::map<std::string, Family> families_;
};

}  // namespace sokei::metrics
