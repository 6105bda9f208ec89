// The etcd client: JSON over one keep-alive HTTP/1.1 connection (Beast).
// Every operation runs on the client's own io_context with a deadline
// (tcp_stream::expires_after), so a silent etcd costs at most `timeout`.
#include <utility>  // before Asio (g++ 12: std::exchange)

#include "cluster/etcd_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/core/detail/base64.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>
#include <pthread.h>
#include <spdlog/spdlog.h>

#include "cluster/cluster_errors.h"
#include "cluster/http_connection.h"

namespace eventmart {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using nlohmann::json;

std::string Base64(std::string_view in) {
  std::string out(beast::detail::base64::encoded_size(in.size()), '\0');
  out.resize(beast::detail::base64::encode(out.data(), in.data(), in.size()));
  return out;
}

std::string Unbase64(std::string_view in) {
  std::string out(beast::detail::base64::decoded_size(in.size()), '\0');
  out.resize(beast::detail::base64::decode(out.data(), in.data(), in.size()).first);
  return out;
}

// etcd's gateway writes 64-bit numbers as JSON strings and leaves out zeroes.
std::int64_t Int(const json& j, const char* name) {
  auto it = j.find(name);
  if (it == j.end()) return 0;
  if (it->is_number_integer()) return it->get<std::int64_t>();
  if (it->is_string()) return std::stoll(it->get<std::string>());
  return 0;
}

std::vector<EtcdKv> Kvs(const json& range) {
  std::vector<EtcdKv> out;
  auto it = range.find("kvs");
  if (it == range.end()) return out;
  for (const auto& kv : *it) {
    out.push_back({.key = Unbase64(kv.value("key", "")),
                   .value = Unbase64(kv.value("value", "")),
                   .create_revision = Int(kv, "create_revision"),
                   .mod_revision = Int(kv, "mod_revision"),
                   .lease = Int(kv, "lease")});
  }
  return out;
}

json RangeBody(const std::string& key, const std::string& range_end, std::int64_t limit, bool serializable) {
  json body{{"key", Base64(key)}};
  if (!range_end.empty()) body["range_end"] = Base64(range_end);
  if (limit > 0) body["limit"] = std::to_string(limit);
  if (serializable) body["serializable"] = true;
  return body;
}

json OpJson(const EtcdOp& op) {
  switch (op.kind) {
    case EtcdOp::Kind::kPut: {
      json put{{"key", Base64(op.key)}, {"value", Base64(op.value)}};
      if (op.lease != 0) put["lease"] = std::to_string(op.lease);
      return json{{"request_put", put}};
    }
    case EtcdOp::Kind::kRange:
      return json{{"request_range", RangeBody(op.key, op.range_end, op.limit, op.serializable)}};
    case EtcdOp::Kind::kDelete: {
      json del{{"key", Base64(op.key)}};
      if (!op.range_end.empty()) del["range_end"] = Base64(op.range_end);
      return json{{"request_delete_range", del}};
    }
  }
  return json::object();
}

json CompareJson(const EtcdCompare& c) {
  json out{{"key", Base64(c.key)}, {"result", "EQUAL"}};
  switch (c.target) {
    case EtcdCompare::Target::kCreateRevision:
      out["target"] = "CREATE";
      out["create_revision"] = std::to_string(c.revision);
      break;
    case EtcdCompare::Target::kModRevision:
      out["target"] = "MOD";
      out["mod_revision"] = std::to_string(c.revision);
      break;
    case EtcdCompare::Target::kValue:
      out["target"] = "VALUE";
      out["value"] = Base64(c.value);
      break;
  }
  return out;
}

Result<json> Parse(const std::string& body) {
  auto parsed = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded() || !parsed.is_object()) {
    return Fail(ClusterErrc::kBadResponse, "not a JSON object: " + body.substr(0, 200));
  }
  return parsed;
}

}  // namespace

EtcdOp EtcdOp::Put(std::string key, std::string value, std::int64_t lease) {
  return {.kind = Kind::kPut, .key = std::move(key), .value = std::move(value), .lease = lease};
}
EtcdOp EtcdOp::Get(std::string key, std::string range_end, std::int64_t limit) {
  return {.kind = Kind::kRange, .key = std::move(key), .range_end = std::move(range_end), .limit = limit};
}
EtcdOp EtcdOp::LocalGet(std::string key, std::string range_end) {
  EtcdOp op = Get(std::move(key), std::move(range_end));
  op.serializable = true;
  return op;
}
EtcdOp EtcdOp::Delete(std::string key, std::string range_end) {
  return {.kind = Kind::kDelete, .key = std::move(key), .range_end = std::move(range_end)};
}

std::string PrefixEnd(std::string prefix) {
  while (!prefix.empty()) {
    if (static_cast<unsigned char>(prefix.back()) < 0xff) {
      ++prefix.back();
      return prefix;
    }
    prefix.pop_back();
  }
  return std::string(1, '\0');  // every key
}

class EtcdClient::Connection : public HttpConnection {};

EtcdClient::EtcdClient(std::vector<std::string> endpoints, std::chrono::milliseconds timeout)
    : endpoints_(std::move(endpoints)), timeout_(timeout), connection_(std::make_unique<Connection>()) {
  for (auto& e : endpoints_) {
    if (e.starts_with("http://")) e.erase(0, 7);
    while (!e.empty() && e.back() == '/') e.pop_back();
  }
}

EtcdClient::~EtcdClient() = default;

const std::string& EtcdClient::endpoint() const { return endpoints_[current_]; }

Result<std::string> EtcdClient::Call(const std::string& path, const std::string& body) {
  std::string last_error;
  // Each endpoint once; a reused connection that the server closed gets one
  // fresh attempt on the same endpoint first.
  for (std::size_t tried = 0; tried < endpoints_.size(); ++tried) {
    const std::string& endpoint = endpoints_[current_];
    auto colon = endpoint.rfind(':');
    std::string host = endpoint.substr(0, colon);
    std::string port = colon == std::string::npos ? "2379" : endpoint.substr(colon + 1);
    for (int attempt = 0; attempt < 2; ++attempt) {
      bool reused = connection_->open();
      if (!connection_->open()) {
        if (auto ec = connection_->Connect(host, port, timeout_)) {
          last_error = endpoint + ": connect: " + ec.message();
          connection_->Close();
          break;
        }
      }
      http::request<http::string_body> request{http::verb::post, path, 11};
      request.set(http::field::host, endpoint);
      request.set(http::field::content_type, "application/json");
      request.keep_alive(true);
      request.body() = body;
      request.prepare_payload();
      http::response<http::string_body> response;
      if (auto ec = connection_->Exchange(request, &response, timeout_, 256u << 20)) {
        last_error = endpoint + path + ": " + ec.message();
        connection_->Close();
        if (reused && ec != beast::error::timeout) continue;
        break;
      }
      if (!response.keep_alive()) connection_->Close();
      if (response.result() != http::status::ok) {
        return Fail(ClusterErrc::kBadResponse, endpoint + path + " answered " +
                                                   std::to_string(response.result_int()) + ": " +
                                                   response.body().substr(0, 300));
      }
      return std::move(response.body());
    }
    current_ = (current_ + 1) % endpoints_.size();
  }
  return Fail(ClusterErrc::kUnavailable, last_error);
}

Result<std::int64_t> EtcdClient::GrantLease(std::int64_t ttl_seconds) {
  auto body = Call("/v3/lease/grant", json{{"TTL", std::to_string(ttl_seconds)}}.dump());
  if (!body) return Fail(body.error());
  auto parsed = Parse(*body);
  if (!parsed) return Fail(parsed.error());
  std::int64_t id = Int(*parsed, "ID");
  if (id == 0) return Fail(ClusterErrc::kBadResponse, "lease grant: " + body->substr(0, 200));
  return id;
}

Result<std::int64_t> EtcdClient::KeepAlive(std::int64_t lease) {
  auto body = Call("/v3/lease/keepalive", json{{"ID", std::to_string(lease)}}.dump());
  if (!body) return Fail(body.error());
  auto parsed = Parse(*body);
  if (!parsed) return Fail(parsed.error());
  auto result = parsed->find("result");
  if (result == parsed->end()) return Fail(ClusterErrc::kBadResponse, "keepalive: " + body->substr(0, 200));
  return Int(*result, "TTL");
}

Result<void> EtcdClient::RevokeLease(std::int64_t lease) {
  auto body = Call("/v3/lease/revoke", json{{"ID", std::to_string(lease)}}.dump());
  if (!body) return Fail(body.error());
  return {};
}

Result<EtcdRange> EtcdClient::Range(const std::string& key, const std::string& range_end, std::int64_t limit,
                                    bool serializable) {
  json request = RangeBody(key, range_end, limit, serializable);
  auto body = Call("/v3/kv/range", request.dump());
  if (!body) return Fail(body.error());
  auto parsed = Parse(*body);
  if (!parsed) return Fail(parsed.error());
  EtcdRange out;
  out.revision = Int(parsed->value("header", json::object()), "revision");
  out.kvs = Kvs(*parsed);
  out.more = parsed->value("more", false);
  return out;
}

Result<EtcdTxnResult> EtcdClient::Txn(const std::vector<EtcdCompare>& compare, const std::vector<EtcdOp>& success,
                                      const std::vector<EtcdOp>& failure) {
  json request{{"compare", json::array()}, {"success", json::array()}, {"failure", json::array()}};
  for (const auto& c : compare) request["compare"].push_back(CompareJson(c));
  for (const auto& op : success) request["success"].push_back(OpJson(op));
  for (const auto& op : failure) request["failure"].push_back(OpJson(op));
  auto body = Call("/v3/kv/txn", request.dump());
  if (!body) return Fail(body.error());
  auto parsed = Parse(*body);
  if (!parsed) return Fail(parsed.error());
  EtcdTxnResult out;
  out.succeeded = parsed->value("succeeded", false);
  out.revision = Int(parsed->value("header", json::object()), "revision");
  if (auto responses = parsed->find("responses"); responses != parsed->end()) {
    for (const auto& r : *responses) {
      auto range = r.find("response_range");
      out.ranges.push_back(range == r.end() ? std::vector<EtcdKv>{} : Kvs(*range));
    }
  }
  return out;
}

}  // namespace eventmart

namespace eventmart {

// One watch request's streaming response, read piece by piece with a
// deadline per read (tcp_stream closes itself when it passes).
class EtcdWatch::Stream {
 public:
  asio::io_context ioc;
  beast::tcp_stream stream{ioc};
  beast::flat_buffer buffer;

  void RunQueued() {
    ioc.restart();
    ioc.run();
  }
};

EtcdWatch::EtcdWatch(std::vector<std::string> endpoints, std::string key, std::string range_end,
                     std::chrono::milliseconds idle_timeout, OnPuts on_puts, std::function<bool()> paused)
    : endpoints_(std::move(endpoints)),
      key_(std::move(key)),
      range_end_(std::move(range_end)),
      idle_timeout_(idle_timeout),
      on_puts_(std::move(on_puts)),
      paused_(std::move(paused)) {
  for (auto& e : endpoints_) {
    if (e.starts_with("http://")) e.erase(0, 7);
    while (!e.empty() && e.back() == '/') e.pop_back();
  }
}

EtcdWatch::~EtcdWatch() { Stop(); }

void EtcdWatch::Start() {
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "em-watch");
    Run();
  });
}

void EtcdWatch::Stop() {
  stopping_ = true;
  if (thread_.joinable()) thread_.join();
}

void EtcdWatch::Run() {
  std::size_t current = 0;
  std::string last_error;
  while (!stopping_) {
    if (paused_ && paused_()) {
      revision_ = 0;  // what happened meanwhile is not wanted
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      continue;
    }
    auto watched = WatchOnce(endpoints_[current]);
    if (stopping_) break;
    if (paused_ && paused_()) continue;
    if (!watched) {
      // An idle timeout is routine; anything else is worth one line (not one per retry).
      if (watched.error().detail != last_error) spdlog::debug("etcd watch: {}", watched.error().Describe());
      last_error = watched.error().detail;
      current = (current + 1) % endpoints_.size();
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
}

// One watch: until the connection breaks, stays silent for idle_timeout_,
// or etcd cancels it. Returns an error in every case but stopping.
Result<void> EtcdWatch::WatchOnce(const std::string& endpoint) {
  Stream s;
  auto colon = endpoint.rfind(':');
  std::string host = endpoint.substr(0, colon);
  std::string port = colon == std::string::npos ? "2379" : endpoint.substr(colon + 1);
  beast::error_code ec;
  asio::ip::tcp::resolver resolver(s.ioc);
  auto endpoints = resolver.resolve(host, port, ec);
  if (ec) return Fail(ClusterErrc::kUnavailable, endpoint + ": resolve: " + ec.message());
  s.stream.expires_after(idle_timeout_);
  s.stream.async_connect(endpoints, [&](beast::error_code e, const auto&) { ec = e; });
  s.RunQueued();
  if (ec) return Fail(ClusterErrc::kUnavailable, endpoint + ": connect: " + ec.message());
  s.stream.socket().set_option(asio::ip::tcp::no_delay(true));

  json create{{"key", Base64(key_)}, {"range_end", Base64(range_end_)}};
  if (revision_ > 0) create["start_revision"] = std::to_string(revision_ + 1);
  http::request<http::string_body> request{http::verb::post, "/v3/watch", 11};
  request.set(http::field::host, endpoint);
  request.set(http::field::content_type, "application/json");
  request.body() = json{{"create_request", create}}.dump();
  request.prepare_payload();
  s.stream.expires_after(idle_timeout_);
  http::async_write(s.stream, request, [&](beast::error_code e, std::size_t) { ec = e; });
  s.RunQueued();
  if (ec) return Fail(ClusterErrc::kUnavailable, endpoint + ": watch: " + ec.message());

  http::response_parser<http::buffer_body> parser;
  parser.body_limit(boost::none);
  s.stream.expires_after(idle_timeout_);
  http::async_read_header(s.stream, s.buffer, parser, [&](beast::error_code e, std::size_t) { ec = e; });
  s.RunQueued();
  if (ec) return Fail(ClusterErrc::kUnavailable, endpoint + ": watch: " + ec.message());
  if (parser.get().result() != http::status::ok) {
    return Fail(ClusterErrc::kBadResponse, endpoint + ": watch answered " + std::to_string(parser.get().result_int()));
  }
  std::string pending;  // bytes of a message not complete yet (messages end with '\n')
  std::vector<char> chunk(64 * 1024);
  while (!stopping_ && !parser.is_done()) {
    if (paused_ && paused_()) return Fail(ClusterErrc::kUnavailable, "paused");
    parser.get().body().data = chunk.data();
    parser.get().body().size = chunk.size();
    s.stream.expires_after(idle_timeout_);
    http::async_read_some(s.stream, s.buffer, parser, [&](beast::error_code e, std::size_t) { ec = e; });
    s.RunQueued();
    if (ec == http::error::need_buffer) ec = {};
    if (ec) return Fail(ClusterErrc::kUnavailable, endpoint + ": watch: " + ec.message());
    pending.append(chunk.data(), chunk.size() - parser.get().body().size);
    std::size_t start = 0;
    for (auto end = pending.find('\n'); end != std::string::npos; end = pending.find('\n', start)) {
      auto message = json::parse(std::string_view(pending).substr(start, end - start), nullptr, false);
      start = end + 1;
      if (message.is_discarded() || !message.contains("result")) {
        return Fail(ClusterErrc::kBadResponse, endpoint + ": watch: a message that is not a result");
      }
      const json& result = message["result"];
      if (result.value("canceled", false)) {
        // Compacted past what this watch still needed: start from now
        // (the caller reads the range for what it lacks).
        revision_ = 0;
        return Fail(ClusterErrc::kUnavailable, endpoint + ": watch canceled: " + result.dump().substr(0, 200));
      }
      std::vector<EtcdKv> puts;
      if (auto events = result.find("events"); events != result.end()) {
        for (const auto& event : *events) {
          const json& kv = event.value("kv", json::object());
          revision_ = std::max(revision_, Int(kv, "mod_revision"));
          if (event.value("type", "PUT") != "PUT") continue;
          puts.push_back({.key = Unbase64(kv.value("key", "")),
                          .value = Unbase64(kv.value("value", "")),
                          .create_revision = Int(kv, "create_revision"),
                          .mod_revision = Int(kv, "mod_revision")});
        }
      } else if (revision_ == 0) {
        revision_ = Int(result.value("header", json::object()), "revision");  // created: watching from here
      }
      if (!puts.empty()) on_puts_(std::move(puts));
    }
    pending.erase(0, start);
  }
  return Fail(ClusterErrc::kUnavailable, endpoint + ": watch ended");
}

}  // namespace eventmart
