#include "services/kpi/import/findings.h"

#include <algorithm>

namespace sokei::kpi {

v1::ImportFinding MakeFinding(int row, const std::string& column, const std::string& raw,
                              const std::string& understood, v1::FindingSeverity severity,
                              const char* code) {
  v1::ImportFinding f;
  f.set_row(row);
  f.set_column(column);
  f.set_raw(raw.size() > 200 ? raw.substr(0, 200) + "…" : raw);
  f.set_understood(understood);
  f.set_severity(severity);
  f.set_code(code);
  return f;
}

void ListFindings(std::vector<v1::ImportFinding> findings, int cap,
                  google::protobuf::RepeatedPtrField<v1::ImportFinding>* listed,
                  google::protobuf::Map<std::string, int32_t>* counts, int32_t* omitted) {
  std::stable_sort(findings.begin(), findings.end(), [](const auto& a, const auto& b) {
    return (a.severity() == v1::FINDING_SEVERITY_ERROR) > (b.severity() == v1::FINDING_SEVERITY_ERROR);
  });
  for (auto& f : findings) {
    (*counts)[f.code()] += 1;
    if (listed->size() < cap) {
      *listed->Add() = std::move(f);
    } else {
      ++*omitted;
    }
  }
}

bool HasError(const std::vector<v1::ImportFinding>& findings) {
  return std::any_of(findings.begin(), findings.end(), [](const auto& f) {
    return f.severity() == v1::FINDING_SEVERITY_ERROR;
  });
}

}  // namespace sokei::kpi
