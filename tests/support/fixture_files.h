// A file's bytes as they are on disk ("" when it cannot be read; the test's own assertions on
// the content then fail).
#pragma once

#include <fstream>
#include <sstream>
#include <string>

namespace sokei::testing {

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace sokei::testing
