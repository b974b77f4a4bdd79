// PdfRenderer with Debian's headless Chromium: the document is written to a private temporary
// directory and printed with --print-to-pdf (A4 from the document's @page rule, no header and
// footer), within a time limit. The browser is $SOKEI_CHROMIUM, else /usr/bin/chromium.
#pragma once

#include <string>

#include "absl/time/time.h"
#include "services/kpi/files/pdf_renderer.h"

namespace sokei::kpi {

class ChromiumPdf final : public PdfRenderer {
 public:
  explicit ChromiumPdf(std::string browser = "", absl::Duration limit = absl::Seconds(60));
  absl::StatusOr<std::string> Render(const std::string& html) const override;

 private:
  std::string browser_;
  absl::Duration limit_;
};

}  // namespace sokei::kpi
