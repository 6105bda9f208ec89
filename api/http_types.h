// api/http_types.h
// Requests and responses as plain values, so that routes never include
// Beast or Asio (they compile in a fraction of the time, and stay pure
// functions of request to response). api/http_server.cc converts.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace eventmart {

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string path;    // without the query string
  std::string query;   // after '?', undecoded
  std::string body;
  std::optional<std::string> idempotency_key;
  std::string authorization;
  std::optional<std::string> min_position;  // EventMart-Min-Position (read your writes on any node)
  std::string prefer;     // the Prefer header ("respond-async" asks for a 202)
  std::string client_ip;  // the TCP peer's address
  // Who the request acts for once authenticated (the token's subject);
  // empty without authentication. Rate limits count per identity when set.
  std::string identity;
};

struct HttpResponse {
  int status = 200;
  std::string body;  // JSON unless content_type says otherwise; empty for 204
  std::string content_type = "application/json; charset=utf-8";
  std::vector<std::pair<std::string, std::string>> headers;  // extra header fields, sent as given
};

using Respond = std::function<void(HttpResponse)>;
// Runs work on the connection's own executor (an I/O thread).
using Post = std::function<void(std::function<void()>)>;

}  // namespace eventmart
