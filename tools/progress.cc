#include "tools/progress.h"

#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace sokei::cli {
namespace {

std::string Bytes(double b) {
  if (b >= 1e6) return absl::StrFormat("%.1f MB", b / 1e6);
  if (b >= 1e3) return absl::StrFormat("%.0f kB", b / 1e3);
  return absl::StrFormat("%.0f B", b);
}

}  // namespace

ProgressBar::ProgressBar(std::string what, size_t total)
    : what_(std::move(what)), total_(total), tty_(isatty(2) != 0),
      start_(std::chrono::steady_clock::now()), last_draw_(start_) {}

std::string ProgressBar::Line(const std::string& what, size_t done, size_t total, double seconds,
                              bool bar) {
  const double rate = seconds > 0 ? done / seconds : 0;
  std::string out = what;
  if (total > 0) {
    const double share = static_cast<double>(done) / static_cast<double>(total);
    if (bar) {
      const int filled = static_cast<int>(share * 24 + 0.5);
      absl::StrAppend(&out, " [", std::string(filled, '#'), std::string(24 - filled, '.'), "]");
    }
    absl::StrAppend(&out, absl::StrFormat(" %3.0f%% %s / %s", share * 100, Bytes(done),
                                          Bytes(static_cast<double>(total))));
  } else {
    absl::StrAppend(&out, " ", Bytes(done));
  }
  if (rate > 0) {
    absl::StrAppend(&out, ", ", Bytes(rate), "/s");
    if (total > done) absl::StrAppend(&out, absl::StrFormat(", %.0f s left", (total - done) / rate));
  }
  return out;
}

void ProgressBar::Update(size_t done) {
  const auto now = std::chrono::steady_clock::now();
  const double seconds = std::chrono::duration<double>(now - start_).count();
  if (tty_) {
    // At most ten redraws a second.
    if (done < total_ && now - last_draw_ < std::chrono::milliseconds(100)) return;
    last_draw_ = now;
    std::fprintf(stderr, "\r%s\033[K", Line(what_, done, total_, seconds, true).c_str());
    return;
  }
  const int tenth = total_ > 0 ? static_cast<int>(done * 10 / total_) : 0;
  if (tenth == last_tenth_) return;
  last_tenth_ = tenth;
  std::fprintf(stderr, "%s\n", Line(what_, done, total_, seconds, false).c_str());
}

void ProgressBar::Finish() {
  Update(total_);
  if (tty_) std::fprintf(stderr, "\n");
}

absl::Status WithElapsedTime(const std::string& what, const std::function<absl::Status()>& fn) {
  std::atomic<bool> done{false};
  absl::Status result;
  std::thread worker([&] {
    result = fn();
    done = true;
  });
  const auto start = std::chrono::steady_clock::now();
  const bool tty = isatty(2) != 0;
  int ticks = 0;
  while (!done) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (++ticks % 10 == 0) {
      const double s =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      std::fprintf(stderr, tty ? "\r%s… %.0f s\033[K" : "%s… %.0f s\n", what.c_str(), s);
    }
  }
  worker.join();
  if (tty && ticks >= 10) std::fprintf(stderr, "\n");
  return result;
}

}  // namespace sokei::cli
