# Generates a .cc defining `std::vector<sokei::storage::Migration> <FUNCTION>()` from numbered SQL
# files (NNNN_name.sql). Invoked with -DOUT= -DFUNCTION= -DNAMESPACE= -DFILES=a;b.
set(body "")
foreach(f ${FILES})
  get_filename_component(base ${f} NAME_WE)
  string(REGEX MATCH "^[0-9]+" version ${base})
  string(REGEX REPLACE "^0+" "" version "${version}")
  file(READ ${f} sql)
  string(APPEND body "      {${version}, \"${base}\", R\"sokei_sql(${sql})sokei_sql\"},\n")
endforeach()
file(WRITE ${OUT}.tmp "// Generated from SQL migration files; do not edit.
#include <vector>
#include \"common/storage/migrations.h\"
namespace ${NAMESPACE} {
std::vector<sokei::storage::Migration> ${FUNCTION}() {
  return {
${body}  };
}
}  // namespace ${NAMESPACE}
")
file(COPY_FILE ${OUT}.tmp ${OUT} ONLY_IF_DIFFERENT)
