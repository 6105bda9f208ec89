# Writes a C++ source holding the console's files, so the binary serves them
# without anything on disk. Run by the build (api/CMakeLists.txt):
#   cmake -DOUTPUT=out.cc -DASSETS="name=path|name=path|..." -P embed.cmake
# Content types come from the names' extensions.
cmake_minimum_required(VERSION 3.25)

string(REPLACE "|" ";" assets "${ASSETS}")
set(arrays "")
set(entries "")
set(index 0)
foreach(asset IN LISTS assets)
  string(FIND "${asset}" "=" eq)
  string(SUBSTRING "${asset}" 0 ${eq} name)
  math(EXPR from "${eq} + 1")
  string(SUBSTRING "${asset}" ${from} -1 path)
  if(NOT EXISTS "${path}")
    message(FATAL_ERROR "console asset ${path} is missing (run tools/setup.sh: npm ci in api/console)")
  endif()
  if(name MATCHES "\\.html$")
    set(type "text/html; charset=utf-8")
  elseif(name MATCHES "\\.js$")
    set(type "text/javascript; charset=utf-8")
  elseif(name MATCHES "\\.css$")
    set(type "text/css; charset=utf-8")
  elseif(name MATCHES "\\.svg$")
    set(type "image/svg+xml")
  elseif(name MATCHES "\\.png$")
    set(type "image/png")
  else()
    message(FATAL_ERROR "console asset ${name}: no content type for this extension")
  endif()
  file(READ "${path}" hex HEX)
  string(LENGTH "${hex}" hex_length)
  math(EXPR size "${hex_length} / 2")
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
  # One trailing 0 so that an empty file still makes a valid array.
  string(APPEND arrays "const unsigned char kAsset${index}[] = {${bytes}0x00};\n")
  string(APPEND entries "      {\"${name}\", \"${type}\", {reinterpret_cast<const char*>(kAsset${index}), ${size}}},\n")
  math(EXPR index "${index} + 1")
endforeach()

set(source "// Generated at build time by api/console/embed.cmake. Do not edit.
#include \"api/console_assets.h\"

namespace eventmart {
namespace {
${arrays}}  // namespace

std::span<const ConsoleAsset> ConsoleAssets() {
  static const ConsoleAsset kAssets[] = {
${entries}  };
  return kAssets;
}

}  // namespace eventmart
")
# Rewrite only when the content changed, so that nothing recompiles needlessly.
file(CONFIGURE OUTPUT "${OUTPUT}" CONTENT "${source}" @ONLY)
