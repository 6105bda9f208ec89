// <utility> before any Asio header: Boost 1.74 Asio misses it under C++20+.
#include <pthread.h>
#include <signal.h>
#include <unistd.h>
#include <utility>

#include "api/http_server.h"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <spdlog/spdlog.h>

#include <array>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <unordered_set>
#include <vector>

#include "api/json_io.h"

namespace eventmart {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

class Session;

class HttpServer::Impl {
 public:
  Impl(const Router& router, HttpServerOptions options)
      : router_(router), options_(std::move(options)), acceptor_(ioc_) {}

  Result<std::uint16_t> Start();
  void Stop();
  void WaitForSignal();
  void Accept();

  void Register(const std::shared_ptr<Session>& s);
  void Unregister(Session* s);

  const Router& router_;
  HttpServerOptions options_;
  net::io_context ioc_;
  tcp::acceptor acceptor_;
  std::vector<std::thread> threads_;
  std::atomic<bool> draining_{false};
  std::atomic<std::uint64_t> requests_{0};
  std::atomic<std::uint64_t> open_{0};

  std::mutex sessions_mu_;
  std::condition_variable sessions_cv_;
  std::unordered_set<Session*> sessions_;
  std::vector<std::weak_ptr<Session>> weak_sessions_;
  std::once_flag stop_once_;
};

//------------------------------------------------------------------------------

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket&& socket, HttpServer::Impl& server)
      : stream_(std::move(socket)), server_(server) {
    beast::error_code ec;
    auto peer = stream_.socket().remote_endpoint(ec);
    if (!ec) peer_ = peer.address().to_string();
  }

  ~Session() { server_.Unregister(this); }

  void Run() {
    net::dispatch(stream_.get_executor(), beast::bind_front_handler(&Session::DoRead, shared_from_this()));
  }

  // Closes the connection if it is waiting for a request; a request in
  // flight finishes first and then closes (draining_ turns keep-alive off).
  void CloseIfIdle() {
    net::post(stream_.get_executor(), [self = shared_from_this()] {
      if (!self->busy_) {
        beast::error_code ec;
        self->stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
        self->stream_.socket().close(ec);
      }
    });
  }

  void RejectOverloaded() {
    busy_ = true;
    Send(ErrorResponse(503, "OVERLOADED", "too many open connections"), /*keep_alive=*/false);
  }

 private:
  void DoRead() {
    busy_ = false;
    if (server_.draining_) return Close();
    parser_.emplace();
    parser_->body_limit(server_.options_.body_limit);
    parser_->header_limit(static_cast<std::uint32_t>(server_.options_.header_limit));
    stream_.expires_after(server_.options_.read_timeout);
    http::async_read(stream_, buffer_, *parser_, beast::bind_front_handler(&Session::OnRead, shared_from_this()));
  }

  void OnRead(beast::error_code ec, std::size_t) {
    busy_ = true;
    if (ec == http::error::end_of_stream || ec == beast::error::timeout || ec == net::error::operation_aborted ||
        ec == net::error::connection_reset || ec == net::error::bad_descriptor) {
      return Close();
    }
    if (ec == http::error::body_limit) {
      return Send(ErrorResponse(413, "PAYLOAD_TOO_LARGE", "the body is over the size limit"), false);
    }
    if (ec == http::error::header_limit) {
      return Send(ErrorResponse(431, "HEADERS_TOO_LARGE", "the headers are over the size limit"), false);
    }
    if (ec) {
      return Send(ErrorResponse(400, "INVALID_REQUEST", "malformed HTTP request: " + ec.message()), false);
    }
    server_.requests_.fetch_add(1, std::memory_order_relaxed);
    Dispatch(parser_->release());
  }

  void Dispatch(http::request<http::string_body> req) {
    bool keep_alive = req.keep_alive();
    HttpRequest request;
    request.method = std::string(req.method_string());
    auto raw_target = req.target();
    std::string_view target(raw_target.data(), raw_target.size());
    auto q = target.find('?');
    request.path = std::string(target.substr(0, q));
    if (q != std::string_view::npos) request.query = std::string(target.substr(q + 1));
    request.body = std::move(req.body());
    if (auto it = req.find("Idempotency-Key"); it != req.end()) request.idempotency_key = std::string(it->value());
    if (auto it = req.find(http::field::authorization); it != req.end()) request.authorization = std::string(it->value());
    if (auto it = req.find("EventMart-Min-Position"); it != req.end()) request.min_position = std::string(it->value());
    if (auto it = req.find("Prefer"); it != req.end()) request.prefer = std::string(it->value());
    request.client_ip = peer_;

    auto self = shared_from_this();
    auto executor = stream_.get_executor();
    Respond respond = [self, executor, keep_alive](HttpResponse response) {
      net::post(executor, [self, keep_alive, response = std::move(response)]() mutable {
        self->Send(std::move(response), keep_alive);
      });
    };
    Post post = [executor](std::function<void()> work) { net::post(executor, std::move(work)); };
    try {
      server_.router_.Dispatch(request, std::move(respond), std::move(post));
    } catch (const std::exception& e) {
      spdlog::error("route {} {} threw: {}", request.method, request.path, e.what());
      Send(ErrorResponse(500, "INTERNAL", "internal error"), false);
    }
  }

  void Send(HttpResponse response, bool keep_alive) {
    auto res = std::make_shared<http::response<http::string_body>>();
    res->version(11);
    res->result(static_cast<http::status>(response.status));
    res->set(http::field::server, "eventmart");
    if (response.status != 204) res->set(http::field::content_type, response.content_type);
    for (const auto& [name, value] : response.headers) res->set(name, value);
    res->body() = std::move(response.body);
    res->keep_alive(keep_alive && !server_.draining_);
    res->prepare_payload();
    bool close = !res->keep_alive();
    http::async_write(stream_, *res, [self = shared_from_this(), res, close](beast::error_code ec, std::size_t) {
      self->OnWrite(ec, close);
    });
  }

  void OnWrite(beast::error_code ec, bool close) {
    if (ec) return Close();
    if (close) return Linger();
    DoRead();
  }

  // Closing with unread input makes the kernel send a reset, which can
  // destroy the answer we just wrote (a 413 while the client is still
  // sending its body). So: stop sending, discard input briefly, then close.
  void Linger() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream_.expires_after(std::chrono::seconds(1));
    DiscardInput();
  }

  void DiscardInput() {
    stream_.async_read_some(net::buffer(discard_), [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return self->Close();
      self->DiscardInput();
    });
  }

  void Close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream_.socket().close(ec);
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  HttpServer::Impl& server_;
  std::string peer_;  // the client's IP address (per-IP rate limits)
  bool busy_ = false;
  std::array<char, 4096> discard_;
};

//------------------------------------------------------------------------------

void HttpServer::Impl::Register(const std::shared_ptr<Session>& s) {
  std::lock_guard lock(sessions_mu_);
  sessions_.insert(s.get());
  weak_sessions_.push_back(s);
  if (weak_sessions_.size() > 2 * sessions_.size() + 64) {
    std::erase_if(weak_sessions_, [](const auto& w) { return w.expired(); });
  }
  open_ = sessions_.size();
}

void HttpServer::Impl::Unregister(Session* s) {
  std::lock_guard lock(sessions_mu_);
  sessions_.erase(s);
  open_ = sessions_.size();
  if (sessions_.empty()) sessions_cv_.notify_all();
}

Result<std::uint16_t> HttpServer::Impl::Start() {
  beast::error_code ec;
  auto address = net::ip::make_address(options_.host, ec);
  if (ec) return Fail(std::make_error_code(std::errc::invalid_argument), "bad listen address " + options_.host);
  tcp::endpoint endpoint(address, options_.port);
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(net::socket_base::max_listen_connections, ec);
  if (ec) return Fail(ec, "listen on " + options_.host + ":" + std::to_string(options_.port));
  Accept();
  for (int i = 0; i < options_.threads; ++i) {
    threads_.emplace_back([this] {
      pthread_setname_np(pthread_self(), "em-http");
      ioc_.run();
    });
  }
  return acceptor_.local_endpoint().port();
}

void HttpServer::Impl::Accept() {
  acceptor_.async_accept(net::make_strand(ioc_), [this](beast::error_code ec, tcp::socket socket) {
    if (ec) {
      if (!draining_ && ec != net::error::operation_aborted) {
        spdlog::warn("accept: {}", ec.message());
        Accept();
      }
      return;
    }
    socket.set_option(tcp::no_delay(true), ec);
    auto session = std::make_shared<Session>(std::move(socket), *this);
    bool over = open_.load() >= options_.max_connections;
    Register(session);
    if (over) {
      session->RejectOverloaded();
    } else {
      session->Run();
    }
    if (!draining_) Accept();
  });
}

void HttpServer::Impl::Stop() {
  std::call_once(stop_once_, [this] {
    draining_ = true;
    net::post(ioc_, [this] {
      beast::error_code ec;
      acceptor_.close(ec);
    });
    std::vector<std::shared_ptr<Session>> live;
    {
      std::lock_guard lock(sessions_mu_);
      for (auto& w : weak_sessions_) {
        if (auto s = w.lock()) live.push_back(std::move(s));
      }
    }
    for (auto& s : live) s->CloseIfIdle();
    live.clear();
    {
      std::unique_lock lock(sessions_mu_);
      sessions_cv_.wait_for(lock, options_.drain_grace, [this] { return sessions_.empty(); });
    }
    ioc_.stop();
    for (auto& t : threads_) {
      if (t.joinable()) t.join();
    }
  });
}

void HttpServer::Impl::WaitForSignal() {
  // The caller blocked these before starting any thread (BlockStopSignals),
  // so they queue up for us instead of killing the process early.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  int signal = 0;
  sigwait(&set, &signal);
  spdlog::info("signal {}: draining", signal);
  Stop();
}

//------------------------------------------------------------------------------

void StopServing() { ::kill(::getpid(), SIGTERM); }

void BlockStopSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

HttpServer::HttpServer(const Router& router, HttpServerOptions options)
    : impl_(std::make_unique<Impl>(router, std::move(options))) {}

HttpServer::~HttpServer() { Stop(); }

Result<std::uint16_t> HttpServer::Start() { return impl_->Start(); }
void HttpServer::Stop() { impl_->Stop(); }
void HttpServer::WaitForSignal() { impl_->WaitForSignal(); }

HttpServerCounters HttpServer::counters() const {
  return {impl_->open_.load(), impl_->requests_.load()};
}

}  // namespace eventmart
