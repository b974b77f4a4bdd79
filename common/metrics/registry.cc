#include "common/metrics/registry.h"

#include <iterator>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace sokei::metrics {
namespace {

constexpr double kBounds[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                              0.1,    0.25,  0.5,    1,     2.5,  10,    60};

std::string Escape(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out.push_back('\\');
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out.push_back(c);
  }
  return out;
}

std::string LabelText(const std::string& service, const Labels& labels, const std::string& extra) {
  std::string out = absl::StrCat("service=\"", Escape(service), "\"");
  for (const auto& [k, v] : labels) absl::StrAppend(&out, ",", k, "=\"", Escape(v), "\"");
  if (!extra.empty()) absl::StrAppend(&out, ",", extra);
  return out;
}

}  // namespace

Registry& Registry::Global() {
  static Registry* r = new Registry();
  return *r;
}

Registry::Family& Registry::Get(const std::string& name, const std::string& help, Type type) {
  auto [it, inserted] = families_.try_emplace(name);
  if (inserted) {
    it->second.type = type;
    it->second.help = help;
  }
  return it->second;
}

void Registry::Add(const std::string& name, const std::string& help, const Labels& labels,
                   double n) {
  std::lock_guard<std::mutex> lock(mu_);
  Get(name, help, Type::kCounter).values[labels] += n;
}

void Registry::Set(const std::string& name, const std::string& help, const Labels& labels,
                   double value) {
  std::lock_guard<std::mutex> lock(mu_);
  Get(name, help, Type::kGauge).values[labels] = value;
}

void Registry::Observe(const std::string& name, const std::string& help, const Labels& labels,
                       double seconds) {
  std::lock_guard<std::mutex> lock(mu_);
  Histogram& h = Get(name, help, Type::kHistogram).histograms[labels];
  h.buckets.resize(std::size(kBounds) + 1, 0);
  size_t b = 0;
  while (b < std::size(kBounds) && seconds > kBounds[b]) ++b;
  ++h.buckets[b];
  h.sum += seconds;
  ++h.count;
}

std::string Registry::Text(const std::string& service) const {
  std::lock_guard<std::mutex> lock(mu_);
  std::string out;
  for (const auto& [name, f] : families_) {
    const char* type = f.type == Type::kCounter ? "counter"
                       : f.type == Type::kGauge ? "gauge"
                                                : "histogram";
    absl::StrAppend(&out, "# HELP ", name, " ", f.help, "\n# TYPE ", name, " ", type, "\n");
    for (const auto& [labels, v] : f.values) {
      absl::StrAppend(&out, name, "{", LabelText(service, labels, ""), "} ",
                      absl::StrFormat("%.17g", v), "\n");
    }
    for (const auto& [labels, h] : f.histograms) {
      long cumulative = 0;
      for (size_t b = 0; b < h.buckets.size(); ++b) {
        cumulative += h.buckets[b];
        const std::string le = b < std::size(kBounds) ? absl::StrFormat("%g", kBounds[b]) : "+Inf";
        absl::StrAppend(&out, name, "_bucket{", LabelText(service, labels, "le=\"" + le + "\""),
                        "} ", cumulative, "\n");
      }
      absl::StrAppend(&out, name, "_sum{", LabelText(service, labels, ""), "} ",
                      absl::StrFormat("%.6f", h.sum), "\n", name, "_count{",
                      LabelText(service, labels, ""), "} ", h.count, "\n");
    }
  }
  return out;
}

}  // namespace sokei::metrics
