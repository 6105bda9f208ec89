// api/console_assets.h
// The operators' console (GET /console): its page, script and style sheet
// from api/console/ and uPlot's dist files, embedded at build time by
// api/console/embed.cmake (the definition is generated). Immutable; safe
// from any thread.
#pragma once

#include <span>
#include <string_view>

namespace eventmart {

struct ConsoleAsset {
  std::string_view name;          // "index.html", "console.js", ...
  std::string_view content_type;  // "text/javascript; charset=utf-8", ...
  std::string_view body;
};

std::span<const ConsoleAsset> ConsoleAssets();

}  // namespace eventmart
