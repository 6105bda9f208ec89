// Liveness and readiness.
#include "api/app.h"
#include "api/json_io.h"

namespace eventmart {

namespace {
constexpr GlobalPosition kReadyLag = 10'000;  // events the projections may trail and still be ready
}

void AddOpsRoutes(Router& router, App& app) {
  router.Add("GET", "/healthz", [](const HttpRequest&, const PathParams&, Respond respond, Post) {
    respond(JsonResponse(200, {{"status", "ok"}}));
  });
  router.Add("GET", "/readyz", [&app](const HttpRequest&, const PathParams&, Respond respond, Post) {
    if (app.feed != nullptr) {
      // A query node is ready once it has read (nearly) all the feed holds.
      FeedStatus feed = app.feed->Status();
      if (feed.kafka_lag < 0 || static_cast<GlobalPosition>(feed.kafka_lag) + feed.buffered > kReadyLag) {
        respond(ErrorResponse(503, "NOT_READY", "the Kafka feed is behind (lag " + std::to_string(feed.kafka_lag) +
                                                    ", " + std::to_string(feed.buffered) + " buffered)"));
        return;
      }
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
