// cluster/http_connection.h
// One keep-alive HTTP/1.1 connection used synchronously, with a deadline on
// every step: what the etcd client and the peer client (catch-up copies)
// share. Beast's async calls are run to completion on the connection's own
// io_context, because a blocking Beast call has no timeout.
#pragma once

#include <utility>  // before Asio (g++ 12: std::exchange)

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cstdint>
#include <string>

namespace eventmart {

class HttpConnection {
 public:
  bool open() const { return open_; }

  // Resolves and connects; the connection is open if this returns no error.
  boost::beast::error_code Connect(const std::string& host, const std::string& port,
                                   std::chrono::milliseconds timeout) {
    boost::beast::error_code ec;
    boost::asio::ip::tcp::resolver resolver(ioc_);
    auto endpoints = resolver.resolve(host, port, ec);
    if (ec) return ec;
    stream_.expires_after(timeout);
    stream_.async_connect(endpoints, [&](boost::beast::error_code e, const auto&) { ec = e; });
    RunQueued();
    if (!ec) {
      open_ = true;
      stream_.socket().set_option(boost::asio::ip::tcp::no_delay(true));
    }
    return ec;
  }

  // Writes `request` and reads the response (a body up to `body_limit`).
  template <class Body>
  boost::beast::error_code Exchange(boost::beast::http::request<Body>& request,
                                    boost::beast::http::response<boost::beast::http::string_body>* response,
                                    std::chrono::milliseconds timeout, std::uint64_t body_limit) {
    namespace http = boost::beast::http;
    boost::beast::error_code ec;
    stream_.expires_after(timeout);
    http::async_write(stream_, request, [&](boost::beast::error_code e, std::size_t) { ec = e; });
    RunQueued();
    if (ec) return ec;
    http::response_parser<http::string_body> parser;
    parser.body_limit(body_limit);
    stream_.expires_after(timeout);
    http::async_read(stream_, buffer_, parser, [&](boost::beast::error_code e, std::size_t) { ec = e; });
    RunQueued();
    if (ec) return ec;
    *response = parser.release();
    return ec;
  }

  void Close() {
    boost::beast::error_code ignored;
    stream_.socket().shutdown(boost::asio::ip::tcp::socket::shutdown_both, ignored);
    stream_.close();
    buffer_.clear();
    open_ = false;
  }

 private:
  // Runs the queued operation to completion (or to the stream's deadline).
  void RunQueued() {
    ioc_.restart();
    ioc_.run();
  }

  boost::asio::io_context ioc_;
  boost::beast::tcp_stream stream_{ioc_};
  boost::beast::flat_buffer buffer_;
  bool open_ = false;
};

}  // namespace eventmart
