// Operations: Prometheus metrics, projection status, online rebuilds.
#include "api/app.h"
#include "api/json_io.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace eventmart {
namespace {

// Bytes of the regular files under `dir` (0 if it cannot be read).
double DirectoryBytes(const std::string& dir) {
  std::error_code ec;
  std::uintmax_t total = 0;
  for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    std::error_code size_ec;
    if (it->is_regular_file(size_ec)) {
      auto size = it->file_size(size_ec);
      if (!size_ec) total += size;
    }
  }
  return static_cast<double>(total);
}

// Disk use: the stores' own bytes, and the filesystem that holds the log.
void RenderDiskMetrics(App& app, std::string* out) {
  *out += "# HELP eventmart_store_bytes Bytes on disk of each store (event log, read models).\n"
          "# TYPE eventmart_store_bytes gauge\n";
  *out += "eventmart_store_bytes{store=\"events\"} " + std::to_string(DirectoryBytes(app.log.dir())) + "\n";
  *out += "eventmart_store_bytes{store=\"views\"} " + std::to_string(DirectoryBytes(app.views.dir())) + "\n";
  std::error_code ec;
  auto space = std::filesystem::space(app.log.dir(), ec);
  if (ec) return;
  AppendMetric(out, "eventmart_filesystem_size_bytes", "gauge", "Size of the filesystem that holds the event log.",
               static_cast<double>(space.capacity));
  AppendMetric(out, "eventmart_filesystem_avail_bytes", "gauge",
               "Bytes an unprivileged writer may still use on the filesystem that holds the event log.",
               static_cast<double>(space.available));
}

// Resident memory: the process's, and what each RocksDB database holds.
void RenderMemoryMetrics(App& app, std::string* out) {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);) {
    if (!line.starts_with("VmRSS:")) continue;
    AppendMetric(out, "eventmart_resident_memory_bytes", "gauge", "Resident memory of this process (VmRSS).",
                 std::strtod(line.c_str() + 6, nullptr) * 1024.0);
  }
  *out += "# HELP eventmart_rocksdb_memory_bytes Memory RocksDB holds, by store and kind (block_cache is bounded by "
          "its size).\n# TYPE eventmart_rocksdb_memory_bytes gauge\n";
  for (auto [store, memory] : {std::pair{"events", app.log.MemoryUsage()}, {"views", app.views.MemoryUsage()}}) {
    for (auto [kind, bytes] : {std::pair{"block_cache", memory.block_cache}, {"table_readers", memory.table_readers},
                               {"memtables", memory.memtables}}) {
      *out += std::string("eventmart_rocksdb_memory_bytes{store=\"") + store + "\",kind=\"" + kind + "\"} " +
              std::to_string(bytes) + "\n";
    }
  }
}

// The decider's state: whether it is loaded, its size, its newest snapshot.
void RenderWriteModelMetrics(App& app, std::string* out) {
  if (app.commands == nullptr) return;
  AppendMetric(out, "eventmart_write_model_ready", "gauge", "1 once the write model is loaded and commands are decided.",
               app.commands->ready() ? 1.0 : 0.0);
  AggregateCounts counts = app.commands->counts();
  *out += "# HELP eventmart_write_model_aggregates Aggregates held in memory by the decider, by kind.\n"
          "# TYPE eventmart_write_model_aggregates gauge\n";
  for (auto [kind, n] : {std::pair{"users", counts.users}, {"accounts", counts.accounts}, {"products", counts.products},
                         {"coupons", counts.coupons}, {"couponHolders", counts.coupon_holders},
                         {"carts", counts.carts}, {"orders", counts.orders}}) {
    *out += std::string("eventmart_write_model_aggregates{kind=\"") + kind + "\"} " + std::to_string(n) + "\n";
  }
  if (app.idempotency != nullptr) {
    AppendMetric(out, "eventmart_idempotency_retention_seconds", "gauge",
                 "How long an Idempotency-Key's first response is kept.",
                 static_cast<double>(app.idempotency->retention().count()) / 1000.0);
    AppendMetric(out, "eventmart_idempotency_pruned_total", "counter",
                 "Idempotency records pruned after the retention.", static_cast<double>(app.idempotency->pruned()));
  }
  if (app.snapshots == nullptr) return;
  SnapshotStatus snapshot = app.snapshots->Status();
  AppendMetric(out, "eventmart_snapshot_position", "gauge", "Log position of the newest write-model snapshot (0: none).",
               static_cast<double>(snapshot.position));
  AppendMetric(out, "eventmart_snapshot_age_seconds", "gauge", "Seconds since the newest write-model snapshot was written.",
               snapshot.exists ? static_cast<double>(app.clock.NowMs() - snapshot.written_at_ms) / 1000.0 : 0.0);
  AppendMetric(out, "eventmart_snapshot_bytes", "gauge", "Size of the newest write-model snapshot file.",
               static_cast<double>(snapshot.bytes));
  AppendMetric(out, "eventmart_snapshot_write_seconds", "gauge",
               "Time the last snapshot took here (load, fold, encode, write).", snapshot.last_write_seconds);
  AppendMetric(out, "eventmart_snapshots_taken_total", "counter", "Write-model snapshots written by this process.",
               static_cast<double>(snapshot.taken));
  AppendMetric(out, "eventmart_snapshot_failures_total", "counter", "Write-model snapshots that failed (see the log).",
               static_cast<double>(snapshot.failures));
}

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
  RenderWriteModelMetrics(app, &out);
  RenderMemoryMetrics(app, &out);
  RenderDiskMetrics(app, &out);
  RenderRateLimitMetrics(app, &out);
  RenderKafkaMetrics(app, &out);
  RenderClusterMetrics(app, &out);
  respond(HttpResponse{.status = 200, .body = std::move(out), .content_type = "text/plain; version=0.0.4; charset=utf-8"});
}

Json StatusJson(const ProjectionStatus& st, GlobalPosition head) {
  Json item = {{"name", st.name}, {"position", st.position}, {"lag", head - std::min(head, st.position)}, {"state", Name(st.state)}};
  if (st.state == ProjectionState::kRebuilding) item["rebuildPosition"] = st.rebuild_position;
  if (st.state == ProjectionState::kFailed) item["error"] = st.error;
  return item;
}

void ProjectionsRoute(App& app, const HttpRequest& req, const PathParams&, Respond respond, Post post) {
  if (!IsAdmin(app, req)) return respond(UnauthorizedResponse());
  RunQuery(app, req, std::move(respond), std::move(post), [&app]() -> Result<HttpResponse> {
    GlobalPosition head = app.log.LastPosition();
    Json items = Json::array();
    for (const auto& st : app.projector.Statuses()) items.push_back(StatusJson(st, head));
    return JsonResponse(200, {{"items", std::move(items)}, {"head", head}});
  });
}

// 202 with the projection's state: "rebuilding", or "queued" behind the
// rebuilds under way. Asking again while it is queued or rebuilding is not a
// conflict: 202 with its state, and nothing more is done.
void RebuildRoute(App& app, const HttpRequest& req, const PathParams& params, Respond respond, Post) {
  if (!IsAdmin(app, req)) return respond(UnauthorizedResponse());
  std::string name(params[0]);
  auto asked = app.projector.Rebuild(name);
  if (!asked && asked.error().code == ProjectorErrc::kUnknownProjection) {
    return respond(ErrorResponse(404, "NOT_FOUND", "no projection named '" + name + "'"));
  }
  if (!asked) return respond(ErrorResponse(asked.error()));
  respond(JsonResponse(202, StatusJson(*asked, app.log.LastPosition())));
}

// Every projection: 202 with each one's state.
void RebuildAllRoute(App& app, const HttpRequest& req, const PathParams&, Respond respond, Post) {
  if (!IsAdmin(app, req)) return respond(UnauthorizedResponse());
  auto asked = app.projector.RebuildAll();
  if (!asked && asked.error().code == ProjectorErrc::kUnknownProjection) {
    return respond(ErrorResponse(404, "NOT_FOUND", "this server rebuilds no projection online"));
  }
  if (!asked) return respond(ErrorResponse(asked.error()));
  GlobalPosition head = app.log.LastPosition();
  Json items = Json::array();
  for (const auto& st : *asked) items.push_back(StatusJson(st, head));
  respond(JsonResponse(202, {{"items", std::move(items)}}));
}

}  // namespace

void AddAdminRoutes(Router& router, App& app) {
  AddRoute(router, "GET", "/metrics", app, MetricsRoute);
  AddRoute(router, "GET", "/api/v1/admin/projections", app, ProjectionsRoute);
  // Before the template: "all" is not a projection's name.
  AddRoute(router, "POST", "/api/v1/admin/projections/all/rebuild", app, RebuildAllRoute);
  AddRoute(router, "POST", "/api/v1/admin/projections/{}/rebuild", app, RebuildRoute);
}

}  // namespace eventmart
