// Liveness and readiness.
#include "api/app.h"
#include "api/json_io.h"

namespace eventmart {


void AddOpsRoutes(Router& router, App& app) {
  router.Add("GET", "/healthz", [](const HttpRequest&, const PathParams&, Respond respond, Post) {
    respond(JsonResponse(200, {{"status", "ok"}}));
  });
  router.Add("GET", "/readyz", [&app](const HttpRequest&, const PathParams&, Respond respond, Post) {
    if (auto behind = FeedNotReady(app)) {
      respond(ErrorResponse(503, "NOT_READY", *behind));
      return;
    }
    if (app.commands != nullptr && !app.commands->ready()) {
      respond(ErrorResponse(503, "NOT_READY", "the write model is loading"));
      return;
    }
    GlobalPosition head = app.log.LastPosition();
    GlobalPosition at = app.projector.position();
    if (app.projector.failed()) {
      respond(ErrorResponse(503, "NOT_READY", "a projection has failed (see /api/v1/admin/projections)"));
      return;
    }
    if (at + kReadyLag < head) {
      respond(ErrorResponse(503, "NOT_READY", "projections are at " + std::to_string(at) + " of " +
                                                  std::to_string(head)));
      return;
    }
    respond(JsonResponse(200, {{"status", "ready"}, {"position", at}, {"head", head}}));
  });
}

}  // namespace eventmart
