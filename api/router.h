// api/router.h
// Maps method + path to a route. Patterns are written like
// "/api/v1/points/{}/history"; each "{}" captures one segment.
// A path that matches a pattern under another method gets 405, a path that
// matches nothing 404 NOT_FOUND.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/http_types.h"

namespace eventmart {

using PathParams = std::vector<std::string_view>;
using Handler = std::function<void(const HttpRequest&, const PathParams&, Respond, Post)>;

// Told of every answer: the route's pattern ("unmatched" for 404/405), the
// status, and the seconds from dispatch to answer.
using Observer = std::function<void(std::string_view route, int status, double seconds)>;

// What a gate (rate limits) says about a matched request before its route
// runs: a refusal answers instead of the route; the headers are added to
// the route's answer.
struct Admission {
  std::optional<HttpResponse> refusal;
  std::vector<std::pair<std::string, std::string>> headers;
};
using Gate = std::function<Admission(const HttpRequest&, std::string_view method, std::string_view pattern,
                                     const PathParams&)>;

class Router {
 public:
  void Add(std::string method, std::string_view pattern, Handler handler);
  void SetObserver(Observer observer) { observer_ = std::move(observer); }
  void SetGate(Gate gate) { gate_ = std::move(gate); }
  // From now on, routes added for any method but GET answer 405 with `why`.
  void SetReadOnly(std::string why) { read_only_ = std::move(why); }
  void Dispatch(const HttpRequest& request, Respond respond, Post post) const;

 private:
  struct Route {
    std::string method;
    std::vector<std::string> segments;
    std::string pattern;
    Handler handler;
  };
  Respond Observed(std::string_view route, Respond respond) const;
  static bool Match(const Route& route, const std::vector<std::string_view>& path, PathParams* params);
  std::vector<Route> routes_;
  Observer observer_;
  Gate gate_;
  std::string read_only_;
};

std::vector<std::string_view> SplitPath(std::string_view path);

}  // namespace eventmart
