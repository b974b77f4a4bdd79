#include "services/kpi/files/chromium_pdf.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/log/log.h"
#include "common/status/status.h"

extern char** environ;

namespace sokei::kpi {
namespace {

// A private directory removed with everything in it when the render ends.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "sokei-pdf-XXXXXX").string();
    if (mkdtemp(tmpl.data()) != nullptr) path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace

ChromiumPdf::ChromiumPdf(std::string browser, absl::Duration limit) : limit_(limit) {
  if (browser.empty()) {
    const char* env = std::getenv("SOKEI_CHROMIUM");
    browser = env != nullptr && *env != '\0' ? env : "/usr/bin/chromium";
  }
  browser_ = std::move(browser);
}

absl::StatusOr<std::string> ChromiumPdf::Render(const std::string& html) const {
  if (access(browser_.c_str(), X_OK) != 0) {
    return status::FailedPrecondition(
        "PDF_UNAVAILABLE",
        {"PDF", "", "this server has no browser to print PDF with: the HTML format works"});
  }
  TempDir dir;
  if (dir.path().empty()) return status::Internal("EXPORT_FAILED");
  const std::string in = dir.path() + "/document.html";
  const std::string out = dir.path() + "/document.pdf";
  {
    std::ofstream f(in, std::ios::binary);
    f << html;
    if (!f) return status::Internal("EXPORT_FAILED");
  }
  std::vector<std::string> args = {browser_,
                                   "--headless",
                                   "--no-sandbox",
                                   "--disable-gpu",
                                   "--disable-dev-shm-usage",
                                   "--no-first-run",
                                   "--no-pdf-header-footer",
                                   "--print-to-pdf-no-header",
                                   absl::StrCat("--user-data-dir=", dir.path(), "/profile"),
                                   absl::StrCat("--print-to-pdf=", out),
                                   absl::StrCat("file://", in)};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  // The browser's chatter stays out of the service's structured log.
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, browser_.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) return status::Internal("EXPORT_FAILED");
  const absl::Time deadline = absl::Now() + limit_;
  int wstatus = 0;
  while (true) {
    const pid_t done = waitpid(pid, &wstatus, WNOHANG);
    if (done == pid) break;
    if (done < 0 || absl::Now() > deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &wstatus, 0);
      log::Warn("pdf: the browser did not print within the time limit");
      return status::Internal("EXPORT_FAILED");
    }
    absl::SleepFor(absl::Milliseconds(20));
  }
  std::ifstream f(out, std::ios::binary);
  std::stringstream pdf;
  pdf << f.rdbuf();
  if (!WIFEXITED(wstatus) || WEXITSTATUS(wstatus) != 0 || pdf.str().rfind("%PDF", 0) != 0) {
    log::Warn("pdf: the browser did not print the document");
    return status::Internal("EXPORT_FAILED");
  }
  return pdf.str();
}

}  // namespace sokei::kpi
