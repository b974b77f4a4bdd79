// Who may write which part of an evaluation sheet, and when: the sheet's own state and the
// evaluation's stage decide (docs/api.md, "Evaluation sheets"). Pure functions; the use cases in
// evaluation_sheets.cc apply them inside their transactions.
#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "common/api/resources.h"
#include "sokei/kpi/v1/resources.pb.h"

namespace sokei::kpi {

// The caller as the rules see them.
struct SheetWriter {
  bool planner = false;  // 企画課 (planner or admin of the municipality)
  bool owner = false;    // an editor of one of the node's departments (所管課・担当課)
};

// OK when `who` may write a field of `section` on a sheet in `state` of an evaluation at `stage`
// (not published: amendments follow their own rule). PERMISSION_DENIED for the wrong writer,
// FAILED_PRECONDITION for the wrong moment.
absl::Status CheckSheetSectionWrite(const SheetWriter& who, v1::SheetSection section,
                                    v1::SheetState state, v1::EvaluationStage stage,
                                    const std::string& sheet);

// The department submits (DRAFT or RETURNED → SUBMITTED) before the committee stage.
absl::Status CheckSheetSubmit(const SheetWriter& who, v1::SheetState state,
                              v1::EvaluationStage stage, const std::string& sheet);
// The 企画課 returns (SUBMITTED or ACCEPTED → RETURNED) or accepts (SUBMITTED → ACCEPTED),
// before publication.
absl::Status CheckSheetReview(const SheetWriter& who, v1::SheetState state, v1::SheetState to,
                              v1::EvaluationStage stage, const std::string& sheet);

// A field's text as stored: CR LF and CR become LF, surrounding blank space is dropped (line
// breaks inside are kept).
std::string NormalizeSheetText(const std::string& text);

// Normalizes `*text` (NormalizeSheetText; a choice typed in full-width or half-width becomes the
// choice as the template writes it) and adds a violation at `path` when it does not fit `field`:
// not one of its choices, too long, control characters other than line breaks and tabs.
void CheckSheetValue(const v1::SheetField& field, const std::string& path, std::string* text,
                     api::Violations& v);

// The labels of the required fields of `kind` that `values` leaves empty, in template order.
std::vector<std::string> MissingSheetFields(
    const v1::SheetTemplate& t, v1::SheetKind kind,
    const google::protobuf::Map<std::string, std::string>& values);

}  // namespace sokei::kpi
