# Generates a .cc defining `std::string_view <FUNCTION>()` over the bytes of one file (a
# descriptor set). Invoked with -DIN= -DOUT= -DFUNCTION= -DNAMESPACE=.
file(READ ${IN} hex HEX)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
string(LENGTH "${hex}" hex_length)
math(EXPR length "${hex_length} / 2")
file(WRITE ${OUT}.tmp "// Generated from ${IN}; do not edit.
#include <string_view>
namespace ${NAMESPACE} {
namespace {
const unsigned char kBytes[] = {${bytes}};
}  // namespace
std::string_view ${FUNCTION}() {
  return std::string_view(reinterpret_cast<const char*>(kBytes), ${length});
}
}  // namespace ${NAMESPACE}
")
file(COPY_FILE ${OUT}.tmp ${OUT} ONLY_IF_DIFFERENT)
