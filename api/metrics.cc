#include "api/metrics.h"

namespace eventmart {

void AppendMetric(std::string* out, std::string_view name, std::string_view type, std::string_view help, double value) {
  std::string n(name);
  *out += "# HELP " + n + " " + std::string(help) + "\n# TYPE " + n + " " + std::string(type) + "\n" + n + " " +
          std::to_string(value) + "\n";
}

void Metrics::ObserveRequest(std::string_view route, int status, double seconds) {
  std::lock_guard lock(mu_);
  auto it = routes_.find(route);
  if (it == routes_.end()) it = routes_.emplace(std::string(route), std::make_unique<Route>()).first;
  it->second->seconds.Observe(seconds);
  ++it->second->by_status[status];
}

void Metrics::CountCommand(std::string_view command, int status) {
  std::lock_guard lock(mu_);
  ++commands_[{std::string(command), status}];
}

void Metrics::Render(std::string* out) const {
  std::lock_guard lock(mu_);
  *out += "# HELP eventmart_http_requests_total HTTP requests answered, by route and status.\n";
  *out += "# TYPE eventmart_http_requests_total counter\n";
  for (const auto& [route, r] : routes_) {
    for (const auto& [status, n] : r->by_status) {
      *out += "eventmart_http_requests_total{route=\"" + route + "\",status=\"" + std::to_string(status) + "\"} " +
              std::to_string(n) + "\n";
    }
  }
  *out += "# HELP eventmart_http_request_seconds Time from a request read to its answer, by route.\n";
  *out += "# TYPE eventmart_http_request_seconds histogram\n";
  for (const auto& [route, r] : routes_) r->seconds.Render("eventmart_http_request_seconds", "route=\"" + route + "\"", out);
  *out += "# HELP eventmart_commands_total Commands decided, by command and the HTTP status of the outcome.\n";
  *out += "# TYPE eventmart_commands_total counter\n";
  for (const auto& [key, n] : commands_) {
    *out += "eventmart_commands_total{command=\"" + key.first + "\",status=\"" + std::to_string(key.second) + "\"} " +
            std::to_string(n) + "\n";
  }
}

}  // namespace eventmart
