// api/openapi_document.h
// docs/openapi.yaml, embedded at build time (api/embed_file.cmake writes
// the definition; the build re-runs it whenever the document changes).
#pragma once

#include <string_view>

namespace eventmart {

// The document's exact bytes. Static storage; safe from any thread.
std::string_view OpenApiDocument();

}  // namespace eventmart
