// What the CLI shows while a long command runs, on stderr: a progress bar for work with a known
// size (bytes sent: done / total, the rate, the time left), redrawn in place on a terminal and as
// a plain line every tenth of the way otherwise; and the elapsed time while waiting for an answer
// whose progress cannot be seen (the service importing what it received).
#pragma once

#include <chrono>
#include <functional>
#include <string>

#include "absl/status/status.h"

namespace sokei::cli {

class ProgressBar {
 public:
  // `what`: a few words ("sending responses.csv"); `total` in bytes (0 = unknown).
  ProgressBar(std::string what, size_t total);
  void Update(size_t done);
  // The last line ("… 100%") and a line break on a terminal.
  void Finish();

  // The line for `done` of `total` after `seconds` (what Update prints), for tests.
  static std::string Line(const std::string& what, size_t done, size_t total, double seconds,
                          bool bar);

 private:
  std::string what_;
  size_t total_;
  bool tty_;
  int last_tenth_ = -1;
  std::chrono::steady_clock::time_point start_, last_draw_;
};

// Runs `fn` on a thread while printing the elapsed time every second.
absl::Status WithElapsedTime(const std::string& what, const std::function<absl::Status()>& fn);

}  // namespace sokei::cli
