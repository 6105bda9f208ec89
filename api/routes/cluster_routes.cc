// The cluster's status (GET /api/v1/admin/cluster) and its /metrics series.
// A single node answers as a cluster of one whose only member leads.
#include "api/app.h"
#include "api/cluster_view.h"
#include "api/json_io.h"

#include <cstdint>
#include <optional>

namespace eventmart {
namespace {

ClusterStatus SingleNodeStatus(const App& app) {
  GlobalPosition head = app.log.LastPosition();
  return ClusterStatus{.node_id = 1, .role = "leader", .term = 1, .leader_id = 1, .leader_url = "",
                       .commit_position = head, .applied_position = head,
                       .members = {{.id = 1, .url = "", .role = "leader", .applied_position = head, .lag_ms = 0}}};
}

Json StatusJson(const ClusterStatus& s) {
  Json members = Json::array();
  for (const auto& m : s.members) {
    members.push_back({{"id", m.id}, {"url", m.url}, {"role", m.role}, {"appliedPosition", m.applied_position},
                       {"lagMs", m.lag_ms}});
  }
  return {{"nodeId", s.node_id},
          {"role", s.role},
          {"term", s.term},
          {"leaderId", s.leader_id ? Json(*s.leader_id) : Json(nullptr)},
          {"leaderUrl", s.leader_id ? Json(s.leader_url) : Json(nullptr)},
          {"commitPosition", s.commit_position},
          {"appliedPosition", s.applied_position},
          {"members", std::move(members)}};
}

void ClusterRoute(App& app, const HttpRequest& req, const PathParams&, Respond respond, Post) {
  if (!IsAdmin(app, req)) return respond(UnauthorizedResponse());
  respond(JsonResponse(200, StatusJson(app.cluster ? app.cluster->Status() : SingleNodeStatus(app))));
}

// Command ids are bytes: the cursor travels as hex.
std::optional<std::string> FromHex(std::string_view hex) {
  if (hex.size() % 2 != 0) return std::nullopt;
  auto digit = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  std::string out;
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    int hi = digit(hex[i]), lo = digit(hex[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<char>(hi * 16 + lo));
  }
  return out;
}

// A copied page: the replicated batch's bytes, and where the peer stood.
HttpResponse CopyResponse(const Result<ClusterCopyPage>& page) {
  if (!page) return ErrorResponse(page.error());
  return HttpResponse{.status = 200,
                      .body = page->batch,
                      .content_type = "application/octet-stream",
                      .headers = {{"EventMart-End", std::to_string(page->end)},
                                  {"EventMart-Sequence", std::to_string(page->sequence)},
                                  {"EventMart-More", page->more ? "true" : "false"}}};
}

// Pages of the committed log for a member that catches up (cluster/peer_client.h).
void CopyLogRoute(App& app, const HttpRequest& req, const PathParams&, Respond respond, Post) {
  if (!IsAdmin(app, req)) return respond(UnauthorizedResponse());
  if (app.cluster == nullptr) return respond(ErrorResponse(404, "NOT_FOUND", "this server is not a cluster node"));
  auto from = QueryInt(req.query, "from", 1, 1, INT64_MAX);
  if (!from) return respond(ErrorResponse(from.error()));
  auto limit = QueryInt(req.query, "limit", 1000, 1, 10'000);
  if (!limit) return respond(ErrorResponse(limit.error()));
  respond(CopyResponse(app.cluster->CopyLog(static_cast<GlobalPosition>(*from), static_cast<std::size_t>(*limit))));
}

void CopyCommandsRoute(App& app, const HttpRequest& req, const PathParams&, Respond respond, Post) {
  if (!IsAdmin(app, req)) return respond(UnauthorizedResponse());
  if (app.cluster == nullptr) return respond(ErrorResponse(404, "NOT_FOUND", "this server is not a cluster node"));
  auto after = FromHex(QueryParam(req.query, "after").value_or(""));
  if (!after) return respond(ErrorResponse(400, "INVALID_REQUEST", "after must be hexadecimal bytes"));
  auto limit = QueryInt(req.query, "limit", 1000, 1, 10'000);
  if (!limit) return respond(ErrorResponse(limit.error()));
  respond(CopyResponse(app.cluster->CopyCommands(*after, static_cast<std::size_t>(*limit))));
}

}  // namespace

void AddClusterRoutes(Router& router, App& app) {
  AddRoute(router, "GET", "/api/v1/admin/cluster", app, ClusterRoute);
  AddRoute(router, "GET", "/api/v1/admin/cluster/log", app, CopyLogRoute);
  AddRoute(router, "GET", "/api/v1/admin/cluster/commands", app, CopyCommandsRoute);
}

void RenderClusterMetrics(const App& app, std::string* out) {
  if (app.cluster == nullptr) return;
  ClusterStatus s = app.cluster->Status();
  *out += "# HELP eventmart_cluster_role 1 for the role this node has now.\n# TYPE eventmart_cluster_role gauge\n";
  for (const char* role : {"leader", "follower", "candidate"}) {
    *out += std::string("eventmart_cluster_role{role=\"") + role + "\"} " + (s.role == role ? "1" : "0") + "\n";
  }
  AppendMetric(out, "eventmart_cluster_term", "gauge", "The current leader's term (etcd revision of its election).",
               static_cast<double>(s.term));
  AppendMetric(out, "eventmart_cluster_commit_position", "gauge", "Last position committed by a majority.",
               static_cast<double>(s.commit_position));
  AppendMetric(out, "eventmart_cluster_applied_position", "gauge", "Last position in this node's log.",
               static_cast<double>(s.applied_position));
  AppendMetric(out, "eventmart_cluster_elections_total", "counter", "Leader changes this node has seen.",
               static_cast<double>(s.elections));
  *out += "# HELP eventmart_cluster_member_lag_ms How far each member's log trails the commit, in milliseconds.\n"
          "# TYPE eventmart_cluster_member_lag_ms gauge\n";
  for (const auto& m : s.members) {
    *out += "eventmart_cluster_member_lag_ms{member=\"" + std::to_string(m.id) + "\"} " + std::to_string(m.lag_ms) + "\n";
  }
  *out += "# HELP eventmart_cluster_member_applied_position Last position each member reported applied.\n"
          "# TYPE eventmart_cluster_member_applied_position gauge\n";
  for (const auto& m : s.members) {
    *out += "eventmart_cluster_member_applied_position{member=\"" + std::to_string(m.id) + "\"} " +
            std::to_string(m.applied_position) + "\n";
  }
}

}  // namespace eventmart
