// The OpenAPI 3 document of a route table (served at /openapi.json; the console's API types are
// generated from it).
#pragma once

#include <string>

#include "gateway/transcode/routes.h"

namespace sokei::gateway {

std::string BuildOpenApi(const RouteTable& routes);

}  // namespace sokei::gateway
