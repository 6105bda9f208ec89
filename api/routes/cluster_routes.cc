// The cluster's status (GET /api/v1/admin/cluster) and its /metrics series.
// A single node answers as a cluster of one whose only member leads.
#include "api/app.h"
#include "api/cluster_view.h"
#include "api/json_io.h"

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

}  // namespace

void AddClusterRoutes(Router& router, App& app) {
  AddRoute(router, "GET", "/api/v1/admin/cluster", app, ClusterRoute);
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
