// Import findings: one per cell or row not fully understood, and the capped list a reply carries.
#pragma once

#include <string>
#include <vector>

#include "sokei/kpi/v1/resources.pb.h"

namespace sokei::kpi {

// A finding; `raw` is cut at 200 bytes (a whole pasted paragraph is not repeated back).
v1::ImportFinding MakeFinding(int row, const std::string& column, const std::string& raw,
                              const std::string& understood, v1::FindingSeverity severity,
                              const char* code);

// Findings for a reply: errors first, at most `cap` listed, every one counted by code.
void ListFindings(std::vector<v1::ImportFinding> findings, int cap,
                  google::protobuf::RepeatedPtrField<v1::ImportFinding>* listed,
                  google::protobuf::Map<std::string, int32_t>* counts, int32_t* omitted);

bool HasError(const std::vector<v1::ImportFinding>& findings);

}  // namespace sokei::kpi
