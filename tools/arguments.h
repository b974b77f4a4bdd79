// The command line of `sokei`, parsed with CLI11 (Debian's libcli11-dev): the words of the command
// and its flags, every flag declared — an unknown one or a missing value is an error, not ignored.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace sokei::cli {

struct Arguments {
  bool json = false;
  bool help = false;
  std::vector<std::string> words;            // the command and its arguments, in order
  std::map<std::string, std::string> flags;  // by name without "--"; booleans are "true"; --map
                                             // values joined by '\n'
};

// INVALID_ARGUMENT with a message to print for an unknown flag ("unknown flag --dryrun (see
// sokei --help)") or a flag without its value.
absl::StatusOr<Arguments> ParseArguments(int argc, const char* const* argv);

}  // namespace sokei::cli
