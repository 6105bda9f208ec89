// Operations: Prometheus metrics, projection status, online rebuilds.
#include "api/app.h"
#include "api/json_io.h"

namespace eventmart {
namespace {

void MetricsRoute(App& app, const HttpRequest&, const PathParams&, Respond respond, Post) {
  std::string out;
  app.metrics.Render(&out);
  const StoreMetrics& store = app.log.metrics();
  out += "# HELP eventmart_commit_seconds One commit group: a RocksDB write and its fsync.\n# TYPE eventmart_commit_seconds histogram\n";
  store.commit_seconds.Render("eventmart_commit_seconds", "", &out);
  out += "# HELP eventmart_commit_group_appends Appends that shared one fsync.\n# TYPE eventmart_commit_group_appends histogram\n";
  store.group_appends.Render("eventmart_commit_group_appends", "", &out);
  out += "# HELP eventmart_events_appended_total Events appended since start.\n# TYPE eventmart_events_appended_total counter\n";
  out += "eventmart_events_appended_total " + std::to_string(store.events.load()) + "\n";
  GlobalPosition head = app.log.LastPosition();
  AppendMetric(&out, "eventmart_log_head_position", "gauge", "Position of the last durable event.",
               static_cast<double>(head));
  out += "# HELP eventmart_projection_position Position each projection has folded.\n# TYPE eventmart_projection_position gauge\n";
  std::string lags = "# HELP eventmart_projection_lag Events each projection is behind the log.\n# TYPE eventmart_projection_lag gauge\n";
  std::string failed = "# HELP eventmart_projection_failed 1 while a projection is stopped by an error (see /api/v1/admin/projections).\n# TYPE eventmart_projection_failed gauge\n";
  for (const auto& st : app.projector.Statuses()) {
    out += "eventmart_projection_position{projection=\"" + st.name + "\"} " + std::to_string(st.position) + "\n";
    lags += "eventmart_projection_lag{projection=\"" + st.name + "\"} " + std::to_string(head - std::min(head, st.position)) + "\n";
    failed += "eventmart_projection_failed{projection=\"" + st.name + "\"} " + (st.state == ProjectionState::kFailed ? "1" : "0") + "\n";
  }
  out += lags;
  out += failed;
  AppendMetric(&out, "eventmart_open_connections", "gauge", "Open HTTP connections.",
               app.open_connections ? static_cast<double>(app.open_connections()) : 0.0);
  AppendMetric(&out, "eventmart_command_queue_depth", "gauge", "Commands waiting for the decider.",
               app.commands ? static_cast<double>(app.commands->queue_depth()) : 0.0);
  RenderKafkaMetrics(app, &out);
  respond(HttpResponse{.status = 200, .body = std::move(out), .content_type = "text/plain; version=0.0.4; charset=utf-8"});
}

void ProjectionsRoute(App& app, const HttpRequest& req, const PathParams&, Respond respond, Post post) {
  if (!IsAdmin(app, req)) return respond(UnauthorizedResponse());
  RunQuery(app, std::move(respond), std::move(post), [&app] {
    GlobalPosition head = app.log.LastPosition();
    Json items = Json::array();
    for (const auto& st : app.projector.Statuses()) {
      Json item = {{"name", st.name}, {"position", st.position}, {"lag", head - std::min(head, st.position)}, {"state", Name(st.state)}};
      if (st.state == ProjectionState::kRebuilding) item["rebuildPosition"] = st.rebuild_position;
      if (st.state == ProjectionState::kFailed) item["error"] = st.error;
      items.push_back(std::move(item));
    }
    return JsonResponse(200, {{"items", std::move(items)}, {"head", head}});
  });
}

void RebuildRoute(App& app, const HttpRequest& req, const PathParams& params, Respond respond, Post) {
  if (!IsAdmin(app, req)) return respond(UnauthorizedResponse());
  std::string name(params[0]);
  auto started = app.projector.Rebuild(name);
  if (!started && started.error().code == ProjectorErrc::kUnknownProjection) {
    return respond(ErrorResponse(404, "NOT_FOUND", "no projection named '" + name + "'"));
  }
  if (!started) return respond(ErrorResponse(409, "REQUEST_IN_PROGRESS", started.error().detail));
  respond(JsonResponse(202, {{"name", name}, {"state", "rebuilding"}}));
}

}  // namespace

void AddAdminRoutes(Router& router, App& app) {
  using namespace std::placeholders;
  router.Add("GET", "/metrics", std::bind(MetricsRoute, std::ref(app), _1, _2, _3, _4));
  router.Add("GET", "/api/v1/admin/projections", std::bind(ProjectionsRoute, std::ref(app), _1, _2, _3, _4));
  router.Add("POST", "/api/v1/admin/projections/{}/rebuild", std::bind(RebuildRoute, std::ref(app), _1, _2, _3, _4));
}

}  // namespace eventmart
