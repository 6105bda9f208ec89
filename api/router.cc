#include "api/router.h"

#include "api/json_io.h"

#include <chrono>

namespace eventmart {

std::vector<std::string_view> SplitPath(std::string_view path) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  while (start < path.size()) {
    if (path[start] == '/') {
      ++start;
      continue;
    }
    auto end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    out.push_back(path.substr(start, end - start));
    start = end;
  }
  return out;
}

void Router::Add(std::string method, std::string_view pattern, Handler handler) {
  if (!read_only_.empty() && method != "GET") {
    handler = [why = read_only_](const HttpRequest& request, const PathParams&, Respond respond, Post) {
      respond(ErrorResponse(405, "METHOD_NOT_ALLOWED", request.method + " " + request.path + ": " + why));
    };
  }
  Route route{std::move(method), {}, std::string(pattern), std::move(handler)};
  for (auto s : SplitPath(pattern)) route.segments.emplace_back(s);
  routes_.push_back(std::move(route));
}

bool Router::Match(const Route& route, const std::vector<std::string_view>& path, PathParams* params) {
  if (route.segments.size() != path.size()) return false;
  params->clear();
  for (std::size_t i = 0; i < path.size(); ++i) {
    if (route.segments[i] == "{}") {
      params->push_back(path[i]);
    } else if (route.segments[i] != path[i]) {
      return false;
    }
  }
  return true;
}

Respond Router::Observed(std::string_view route, Respond respond) const {
  if (!observer_) return respond;
  auto start = std::chrono::steady_clock::now();
  return [this, route, start, respond = std::move(respond)](HttpResponse response) {
    observer_(route, response.status,
              std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    respond(std::move(response));
  };
}

void Router::Dispatch(const HttpRequest& request, Respond respond, Post post) const {
  auto path = SplitPath(request.path);
  PathParams params;
  bool other_method = false;
  for (const auto& route : routes_) {
    if (!Match(route, path, &params)) continue;
    if (route.method == request.method) {
      respond = Observed(route.pattern, std::move(respond));
      if (gate_) {
        Admission admission = gate_(request, route.method, route.pattern, params);
        if (admission.refusal) return respond(std::move(*admission.refusal));
        if (!admission.headers.empty()) {
          respond = [headers = std::move(admission.headers), respond = std::move(respond)](HttpResponse response) {
            response.headers.insert(response.headers.end(), headers.begin(), headers.end());
            respond(std::move(response));
          };
        }
      }
      route.handler(request, params, std::move(respond), std::move(post));
      return;
    }
    other_method = true;
  }
  respond = Observed("unmatched", std::move(respond));
  if (other_method) {
    respond(ErrorResponse(405, "METHOD_NOT_ALLOWED", request.method + " is not allowed on " + request.path));
  } else {
    respond(ErrorResponse(404, "NOT_FOUND", "no route for " + request.method + " " + request.path));
  }
}

}  // namespace eventmart
