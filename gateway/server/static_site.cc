#include "gateway/server/static_site.h"

#include <zlib.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gateway/auth/credentials.h"
#include "gateway/server/http_caching.h"

namespace sokei::gateway {
namespace {

namespace fs = std::filesystem;

}  // namespace

std::string ContentTypeFor(absl::string_view name) {
  const size_t dot = name.rfind('.');
  const std::string ext =
      dot == absl::string_view::npos ? "" : absl::AsciiStrToLower(name.substr(dot + 1));
  static const std::map<std::string, std::string> kTypes = {
      {"html", "text/html; charset=utf-8"},
      {"js", "application/javascript; charset=utf-8"},
      {"mjs", "application/javascript; charset=utf-8"},
      {"css", "text/css; charset=utf-8"},
      {"json", "application/json"},
      {"map", "application/json"},
      {"svg", "image/svg+xml"},
      {"png", "image/png"},
      {"ico", "image/x-icon"},
      {"woff2", "font/woff2"},
      {"txt", "text/plain; charset=utf-8"},
      {"webmanifest", "application/manifest+json"},
  };
  auto it = kTypes.find(ext);
  return it == kTypes.end() ? "application/octet-stream" : it->second;
}

absl::StatusOr<std::unique_ptr<StaticSite>> StaticSite::FromFiles(
    const std::map<std::string, std::string>& files) {
  auto site = std::unique_ptr<StaticSite>(new StaticSite());
  for (const auto& [rel, bytes] : files) {
    StaticFile f;
    f.content_type = ContentTypeFor(rel);
    const bool hashed = absl::StartsWith(rel, "assets/");
    f.cache_control = hashed ? "public, max-age=31536000, immutable" : "no-cache";
    f.etag = absl::StrCat("\"", Sha256Hex(bytes).substr(0, 32), "\"");
    f.body = bytes;
    if (Compressible(f.content_type) && bytes.size() >= 512) {
      std::string z = Gzip(bytes, Z_BEST_COMPRESSION);
      if (!z.empty() && z.size() < bytes.size() * 9 / 10) f.gzip = std::move(z);
    }
    site->files_["/" + rel] = std::move(f);
  }
  auto index = site->files_.find("/index.html");
  if (index == site->files_.end())
    return absl::FailedPreconditionError("the console's directory has no index.html");
  site->index_ = &index->second;
  return site;
}

absl::StatusOr<std::unique_ptr<StaticSite>> StaticSite::Load(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    return absl::NotFoundError("the console's directory does not exist");
  std::map<std::string, std::string> files;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::end(it);
       it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (!name.empty() && name[0] == '.') {
      if (it->is_directory()) it.disable_recursion_pending();
      continue;
    }
    if (it->is_symlink() || !it->is_regular_file()) continue;
    std::ifstream in(it->path(), std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    files[fs::relative(it->path(), dir).generic_string()] = ss.str();
  }
  if (ec) return absl::UnavailableError("the console's directory cannot be read");
  return FromFiles(files);
}

const StaticFile* StaticSite::Find(absl::string_view path) const {
  if (path == "/" || path == "/app" || absl::StartsWith(path, "/app/")) return index_;
  // Exact files only: no "..", no encoded characters, nothing outside what was loaded.
  auto it = files_.find(path);
  return it == files_.end() ? nullptr : &it->second;
}

size_t StaticSite::total_bytes() const {
  size_t n = 0;
  for (const auto& [_, f] : files_) n += f.body.size();
  return n;
}

}  // namespace sokei::gateway
