// The operators' console: GET /console (the page) and GET /console/{file}
// (its script, style sheet and uPlot), all embedded in the binary. The page
// reads the admin and metrics routes with the admin token the operator types.
#include "api/app.h"
#include "api/console_assets.h"
#include "api/json_io.h"

namespace eventmart {
namespace {

// Only the binary's own files: no inline script or style, no other origin.
constexpr std::string_view kContentSecurityPolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

HttpResponse AssetResponse(std::string_view name) {
  for (const ConsoleAsset& asset : ConsoleAssets()) {
    if (asset.name != name) continue;
    return HttpResponse{.status = 200,
                        .body = std::string(asset.body),
                        .content_type = std::string(asset.content_type),
                        .headers = {{"Content-Security-Policy", std::string(kContentSecurityPolicy)},
                                    {"X-Content-Type-Options", "nosniff"},
                                    {"Referrer-Policy", "no-referrer"},
                                    {"Cache-Control", "no-cache"}}};
  }
  return ErrorResponse(404, "NOT_FOUND", "no console file named '" + std::string(name) + "'");
}

}  // namespace

void AddConsoleRoutes(Router& router, App&) {
  router.Add("GET", "/console", [](const HttpRequest&, const PathParams&, Respond respond, Post) {
    respond(AssetResponse("index.html"));
  });
  router.Add("GET", "/console/{}", [](const HttpRequest&, const PathParams& params, Respond respond, Post) {
    respond(AssetResponse(params[0]));
  });
}

}  // namespace eventmart
