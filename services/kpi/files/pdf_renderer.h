// The port through which a printable HTML document the KPI domain has built becomes a PDF (the
// 評価結果報告書 a city publishes). The adapter (chromium_pdf.h) prints it with a headless browser;
// the domain neither starts processes nor touches the file system.
#pragma once

#include <string>

#include "absl/status/statusor.h"

namespace sokei::kpi {

class PdfRenderer {
 public:
  virtual ~PdfRenderer() = default;
  // `html` (a whole document, A4 page rules in its CSS) as PDF bytes. FAILED_PRECONDITION
  // (PDF_UNAVAILABLE) when this server cannot print; INTERNAL (EXPORT_FAILED) when printing failed.
  virtual absl::StatusOr<std::string> Render(const std::string& html) const = 0;
};

}  // namespace sokei::kpi
