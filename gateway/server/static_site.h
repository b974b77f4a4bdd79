// The web console's static files (web/dist), served by the gateway on its HTTP port so one address
// serves both the console and the REST API behind it. Loaded into memory once at start (the build
// is a few hundred KB): no file system access per request, so no path can reach outside the
// directory. Each file carries a strong ETag and, when it is worth it, a gzip copy made at load.
//
// What a path serves:
//   /assets/<file>          the file, cached for a year (Vite puts a content hash in these names)
//   /<file> at the top      the file (favicon, robots.txt), revalidated each time
//   /  /app  /app/<route>   index.html: the console's routes are resolved in the browser
// Anything else is not the site's, and the gateway routes it as before.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace sokei::gateway {

struct StaticFile {
  std::string content_type;
  std::string cache_control;
  std::string etag;  // "…" with the quotes
  std::string body;
  std::string gzip;  // empty when compressing does not pay
};

class StaticSite {
 public:
  // Every regular file under `dir` (symbolic links and dot files are skipped). The directory must
  // hold index.html.
  static absl::StatusOr<std::unique_ptr<StaticSite>> Load(const std::string& dir);
  // From files already in memory (relative path → bytes): for tests.
  static absl::StatusOr<std::unique_ptr<StaticSite>> FromFiles(
      const std::map<std::string, std::string>& files);

  // The file a request path serves (without the query), or nullptr when the path is not the site's.
  const StaticFile* Find(absl::string_view path) const;

  size_t file_count() const { return files_.size(); }
  size_t total_bytes() const;

 private:
  std::map<std::string, StaticFile, std::less<>> files_;  // "/assets/x.js" → file
  const StaticFile* index_ = nullptr;
};

// The MIME type for a file name, by its extension (application/octet-stream when unknown).
std::string ContentTypeFor(absl::string_view name);

}  // namespace sokei::gateway
