// Which way an indicator should move when its table does not say: from the words of its name
// (削減, 事故件数 → down; 受入額, 参加者数 → up) and from its target against its baseline. When the
// two disagree — 寄附金受入額 with a target below its baseline is still something to raise — the
// name wins, and the inference is DOUBTFUL: its grades stay provisional until a planner confirms.
#pragma once

#include <optional>
#include <string>

#include "sokei/kpi/v1/resources.pb.h"

namespace sokei::kpi {

struct DirectionGuess {
  v1::Direction direction = v1::DIRECTION_INCREASE;
  v1::DirectionSource source = v1::DIRECTION_SOURCE_UNSPECIFIED;
  std::string evidence;  // in the words a 企画課 reads
};

// `name` as written; baseline and target values when both are numbers.
DirectionGuess InferDirection(const std::string& name, std::optional<double> baseline,
                              std::optional<double> target);

}  // namespace sokei::kpi
