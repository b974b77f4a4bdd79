// `sokei login`: signs in with the OAuth 2.0 device authorization grant (RFC 8628) against the
// profile's OpenID Connect provider — the CLI shows a code and an address, the person signs in
// there with a browser (on any device), the CLI polls the token endpoint and saves the token to
// the profile's token file (mode 0600). The provider's endpoints come from its discovery document.
// Only https is spoken, except to a provider on the loopback address (a local test provider).
#pragma once

#include <string>

#include "absl/status/status.h"
#include "profiles.pb.h"

namespace sokei::cli {

absl::Status DeviceLogin(const std::string& profile_name, const tools::v1::Profile& profile);

}  // namespace sokei::cli
