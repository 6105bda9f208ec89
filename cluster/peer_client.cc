#include <utility>  // before Asio (g++ 12: std::exchange)

#include "cluster/peer_client.h"

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <charconv>

#include "cluster/cluster_errors.h"
#include "cluster/http_connection.h"

namespace eventmart {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;

template <class Int>
bool ParseNumber(std::string_view text, Int* out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return ec == std::errc() && end == text.data() + text.size();
}

}  // namespace

std::string ToHex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 15]);
  }
  return out;
}

class PeerClient::Connection : public HttpConnection {};

PeerClient::PeerClient(std::string base_url, std::string admin_token, std::chrono::milliseconds timeout)
    : admin_token_(std::move(admin_token)), timeout_(timeout), connection_(std::make_unique<Connection>()) {
  if (base_url.starts_with("http://")) base_url.erase(0, 7);
  auto colon = base_url.rfind(':');
  host_ = base_url.substr(0, colon);
  port_ = colon == std::string::npos ? "80" : base_url.substr(colon + 1);
}

PeerClient::~PeerClient() = default;

Result<PeerPage> PeerClient::LogPage(GlobalPosition from, std::size_t limit) {
  return Get("/api/v1/admin/cluster/log?from=" + std::to_string(from) + "&limit=" + std::to_string(limit));
}

Result<PeerPage> PeerClient::CommandPage(const std::string& after, std::size_t limit) {
  return Get("/api/v1/admin/cluster/commands?after=" + ToHex(after) + "&limit=" + std::to_string(limit));
}

Result<PeerPage> PeerClient::Get(const std::string& target) {
  auto& c = *connection_;
  std::string where = host_ + ":" + port_ + target;
  if (!c.open()) {
    if (auto ec = c.Connect(host_, port_, timeout_)) {
      c.Close();
      return Fail(ClusterErrc::kUnavailable, where + ": connect: " + ec.message());
    }
  }
  http::request<http::empty_body> request{http::verb::get, target, 11};
  request.set(http::field::host, host_ + ":" + port_);
  request.set(http::field::authorization, "Bearer " + admin_token_);
  request.keep_alive(true);
  http::response<http::string_body> response;
  if (auto ec = c.Exchange(request, &response, timeout_, 1u << 30)) {
    c.Close();
    return Fail(ClusterErrc::kUnavailable, where + ": " + ec.message());
  }
  if (!response.keep_alive()) c.Close();
  if (response.result() != http::status::ok) {
    return Fail(ClusterErrc::kBadResponse,
                where + " answered " + std::to_string(response.result_int()) + ": " + response.body().substr(0, 300));
  }
  PeerPage page;
  bool parsed = ParseNumber(std::string_view(response["EventMart-End"]), &page.end) &&
                ParseNumber(std::string_view(response["EventMart-Sequence"]), &page.sequence);
  if (!parsed) return Fail(ClusterErrc::kBadResponse, where + ": no EventMart-End and EventMart-Sequence headers");
  page.more = response["EventMart-More"] == "true";
  page.batch = std::move(response.body());
  return page;
}

}  // namespace eventmart
