# Small helpers shared by every CMakeLists.txt in Sokei.

set(SOKEI_WARNINGS -Wall -Wextra -Werror -Wno-unused-parameter)

# sokei_library(NAME SRCS ... DEPS ...): a static library of our own code, warnings as errors.
function(sokei_library name)
  cmake_parse_arguments(ARG "" "" "SRCS;DEPS" ${ARGN})
  add_library(${name} STATIC ${ARG_SRCS})
  target_include_directories(${name} PUBLIC ${PROJECT_SOURCE_DIR})
  target_compile_options(${name} PRIVATE ${SOKEI_WARNINGS})
  target_link_libraries(${name} PUBLIC ${ARG_DEPS})
  add_dependencies(${name} sokei_layers)
endfunction()

# sokei_executable(NAME SRCS ... DEPS ...)
function(sokei_executable name)
  cmake_parse_arguments(ARG "" "" "SRCS;DEPS" ${ARGN})
  add_executable(${name} ${ARG_SRCS})
  target_compile_options(${name} PRIVATE ${SOKEI_WARNINGS})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS})
endfunction()

# sokei_test(NAME SRCS ... DEPS ... [LABELS ...]): a GoogleTest binary registered with CTest.
function(sokei_test name)
  cmake_parse_arguments(ARG "" "" "SRCS;DEPS;LABELS" ${ARGN})
  add_executable(${name} ${ARG_SRCS})
  target_compile_options(${name} PRIVATE ${SOKEI_WARNINGS})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gmock GTest::gtest_main)
  add_test(NAME ${name} COMMAND ${name})
  set_tests_properties(${name} PROPERTIES
    ENVIRONMENT "SOKEI_SOURCE_DIR=${PROJECT_SOURCE_DIR};SOKEI_BUILD_DIR=${PROJECT_BINARY_DIR}"
    LABELS "${ARG_LABELS}" TIMEOUT 600)
endfunction()

# sokei_proto_library(NAME ROOT dir PROTOS rel/a.proto ... [GRPC] DEPS ...): C++ code for protos
# given relative to ROOT; output goes to ${PROJECT_BINARY_DIR}/gen/<rel>.pb.{h,cc}. NAME holds the
# messages only (protobuf, no gRPC: what a domain links); with GRPC, NAME_grpc holds the service
# stubs (<rel>.grpc.pb.{h,cc}) and links gRPC, for RPC adapters, clients and tools.
# Protos taken out of Debian packages at configure time (protos/CMakeLists.txt).
set(SOKEI_EXTRA_PROTOS_DIR ${PROJECT_BINARY_DIR}/extra-protos)

function(sokei_proto_library name)
  cmake_parse_arguments(ARG "GRPC" "ROOT" "PROTOS;DEPS" ${ARGN})
  set(gen_dir ${PROJECT_BINARY_DIR}/gen)
  file(MAKE_DIRECTORY ${gen_dir})
  set(import_flags -I${ARG_ROOT} -I${PROJECT_SOURCE_DIR}/protos -I${SOKEI_GOOGLEAPIS_DIR}
      -I${SOKEI_GRPC_PROTO_DIR} -I${SOKEI_EXTRA_PROTOS_DIR})
  set(srcs)
  set(grpc_srcs)
  foreach(rel ${ARG_PROTOS})
    string(REGEX REPLACE "\\.proto$" "" base ${rel})
    set(outs ${gen_dir}/${base}.pb.h ${gen_dir}/${base}.pb.cc)
    set(grpc_outs)
    set(plugin_args)
    if(ARG_GRPC)
      set(grpc_outs ${gen_dir}/${base}.grpc.pb.h ${gen_dir}/${base}.grpc.pb.cc)
      set(plugin_args --grpc_out=${gen_dir} --plugin=protoc-gen-grpc=$<TARGET_FILE:gRPC::grpc_cpp_plugin>)
    endif()
    add_custom_command(
      OUTPUT ${outs} ${grpc_outs}
      COMMAND protobuf::protoc ${import_flags} --cpp_out=${gen_dir} ${plugin_args} ${ARG_ROOT}/${rel}
      DEPENDS ${ARG_ROOT}/${rel} protobuf::protoc
      COMMENT "protoc ${rel}" VERBATIM)
    list(APPEND srcs ${outs})
    list(APPEND grpc_srcs ${grpc_outs})
  endforeach()
  add_library(${name} STATIC ${srcs})
  target_include_directories(${name} PUBLIC ${gen_dir})
  target_link_libraries(${name} PUBLIC protobuf::libprotobuf ${ARG_DEPS})
  if(ARG_GRPC)
    add_library(${name}_grpc STATIC ${grpc_srcs})
    target_link_libraries(${name}_grpc PUBLIC ${name} gRPC::grpc++)
  endif()
endfunction()

# sokei_layer_check(NAME LIB): the layers, enforced by the linker. LIB (a service's domain) is
# linked whole into a program with nothing but its own declared dependencies — messages and the
# common libraries without gRPC or SQL. Domain code that calls gRPC, an SQL driver or a storage
# or file-format implementation leaves an undefined symbol, and the build fails.
function(sokei_layer_check name lib)
  add_executable(${name} ${PROJECT_SOURCE_DIR}/cmake/layer_check_main.cc)
  target_link_libraries(${name} PRIVATE "$<LINK_LIBRARY:WHOLE_ARCHIVE,${lib}>")
  target_link_options(${name} PRIVATE -Wl,--no-undefined)
endfunction()

# sokei_embed_migrations(OUT_VAR FUNCTION fn NAMESPACE ns FILES ...): compiles SQL files into code.
function(sokei_embed_migrations out_var)
  cmake_parse_arguments(ARG "" "FUNCTION;NAMESPACE" "FILES" ${ARGN})
  set(out ${CMAKE_CURRENT_BINARY_DIR}/${ARG_FUNCTION}.cc)
  add_custom_command(OUTPUT ${out}
    COMMAND ${CMAKE_COMMAND} -DOUT=${out} -DFUNCTION=${ARG_FUNCTION} -DNAMESPACE=${ARG_NAMESPACE}
            "-DFILES=${ARG_FILES}" -P ${PROJECT_SOURCE_DIR}/cmake/EmbedSql.cmake
    DEPENDS ${ARG_FILES} ${PROJECT_SOURCE_DIR}/cmake/EmbedSql.cmake
    COMMENT "embedding migrations ${ARG_FUNCTION}" VERBATIM)
  set(${out_var} ${out} PARENT_SCOPE)
endfunction()
