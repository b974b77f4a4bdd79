// FNV-1a 64: stable, fast hashes for ids, tokens and fingerprints (not a security boundary).
#pragma once

#include <cstdint>

#include "absl/strings/string_view.h"

namespace sokei::api {

inline uint64_t Fnv1a64(absl::string_view bytes) {
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

}  // namespace sokei::api
