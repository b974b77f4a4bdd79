// JSON-lines logging: every line whole and in the log when Write returns, from many threads at
// once, short lines and lines longer than a pipe writes in one piece.
#include "common/log/log.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <limits.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace sokei::log {
namespace {

// Points file descriptor 1 at a pipe for the life of the object; Drain() gives back what was
// written and restores the old descriptor 1.
class StdoutPipe {
 public:
  StdoutPipe() {
    int fds[2];
    EXPECT_EQ(pipe(fds), 0);
    read_fd_ = fds[0];
    saved_ = dup(STDOUT_FILENO);
    EXPECT_EQ(dup2(fds[1], STDOUT_FILENO), STDOUT_FILENO);
    close(fds[1]);
    // The pipe is read while the writers write: a full pipe must not stall them.
    reader_ = std::thread([this] {
      char buf[65536];
      for (;;) {
        const ssize_t n = read(read_fd_, buf, sizeof buf);
        if (n <= 0) return;
        out_.append(buf, static_cast<size_t>(n));
      }
    });
  }
  std::string Drain() {
    dup2(saved_, STDOUT_FILENO);  // closes the pipe's last write end: the reader sees its end
    close(saved_);
    reader_.join();
    close(read_fd_);
    return out_;
  }

 private:
  int read_fd_ = -1, saved_ = -1;
  std::thread reader_;
  std::string out_;
};

TEST(Log, LinesFromManyThreadsArriveWholeThroughAPipe) {
  constexpr int kThreads = 6, kLines = 300;
  StdoutPipe pipe_out;
  std::vector<std::thread> writers;
  for (int t = 0; t < kThreads; ++t) {
    writers.emplace_back([t] {
      // Even threads write short lines; odd ones lines of several times PIPE_BUF, which a pipe
      // would cut into pieces and mix with other lines if they were not kept together.
      const size_t width = t % 2 == 0 ? 40 : 3 * PIPE_BUF + 17;
      const std::string filler(width, static_cast<char>('a' + t));
      for (int i = 0; i < kLines; ++i) {
        Info("line", {{"thread", absl::StrCat(t)}, {"i", absl::StrCat(i)}, {"filler", filler}});
      }
    });
  }
  for (auto& w : writers) w.join();
  const std::string out = pipe_out.Drain();

  std::map<int, int> next;  // per thread, the next line number expected (in order)
  int lines = 0;
  for (absl::string_view line : absl::StrSplit(out, '\n', absl::SkipEmpty())) {
    ++lines;
    ASSERT_TRUE(absl::StartsWith(line, "{\"time\":\"") && absl::EndsWith(line, "\"}"))
        << line.substr(0, 200);
    const size_t at = line.find("\"thread\":\"");
    ASSERT_NE(at, absl::string_view::npos) << line.substr(0, 200);
    const int t = line[at + 10] - '0';
    ASSERT_GE(t, 0);
    ASSERT_LT(t, kThreads);
    const size_t width = t % 2 == 0 ? 40 : 3 * PIPE_BUF + 17;
    EXPECT_NE(line.find(absl::StrCat("\"i\":\"", next[t], "\",\"filler\":\"",
                                     std::string(width, static_cast<char>('a' + t)), "\"")),
              absl::string_view::npos)
        << "thread " << t << " line " << next[t] << " is cut or mixed: " << line.substr(0, 200);
    ++next[t];
  }
  EXPECT_EQ(lines, kThreads * kLines);
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(next[t], kLines) << "thread " << t;
}

TEST(Log, ALineIsInTheLogWhenWriteReturns) {
  // What the end-to-end tests rely on: a request's line can be read right after its answer.
  char path[] = "/tmp/sokei-log-test-XXXXXX";
  const int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  const int saved = dup(STDOUT_FILENO);
  ASSERT_EQ(dup2(fd, STDOUT_FILENO), STDOUT_FILENO);
  Warn("written at once", {{"k", "\"quoted\"\n"}});
  std::string got(4096, '\0');
  const ssize_t n = pread(fd, got.data(), got.size(), 0);
  dup2(saved, STDOUT_FILENO);
  close(saved);
  close(fd);
  unlink(path);
  ASSERT_GT(n, 0);
  got.resize(static_cast<size_t>(n));
  EXPECT_TRUE(absl::EndsWith(got, "\"msg\":\"written at once\",\"k\":\"\\\"quoted\\\"\\n\"}\n"))
      << got;
  EXPECT_EQ(std::count(got.begin(), got.end(), '\n'), 1);
}

TEST(Log, EscapesWhatJsonRequiresAndPassesUtf8Through) {
  EXPECT_EQ(JsonEscape("総合計画 \"a\\b\"\n\r\t\x01\x1f end"),
            "総合計画 \\\"a\\\\b\\\"\\n\\r\\t\\u0001\\u001f end");
  EXPECT_EQ(JsonEscape(""), "");
  std::string out = "x";
  AppendJsonEscaped("\"", &out);
  AppendJsonEscaped("plain", &out);
  EXPECT_EQ(out, "x\\\"plain");
}

}  // namespace
}  // namespace sokei::log
