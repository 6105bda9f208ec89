// tests/support/http_client.h
// A minimal blocking HTTP/1.1 client over POSIX sockets for tests: one
// keep-alive connection, Content-Length bodies. Deliberately not Beast, so
// test files compile fast and the server is checked by an independent parser.
#pragma once

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace eventmart::testing {

struct Response {
  int status = 0;  // 0: the connection failed or closed without an answer
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  nlohmann::json json() const;
};

class HttpClient {
 public:
  HttpClient(std::string host, int port) : host_(std::move(host)), port_(port) {}
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  Response Get(const std::string& path, std::vector<std::string> headers = {});
  Response Post(const std::string& path, const std::string& body, std::vector<std::string> headers = {});
  Response Delete(const std::string& path, std::vector<std::string> headers = {});
  Response Send(const std::string& method, const std::string& path, const std::string& body,
                const std::vector<std::string>& headers);
  // Sends raw bytes and reads one response (for malformed requests).
  Response Raw(const std::string& bytes);
  void Close();
  // Connects from this local address (e.g. "127.0.0.2": another client IP on loopback).
  void SetSource(std::string address) { source_ = std::move(address); }

 private:
  bool Connect();
  Response ReadResponse();
  std::string host_;
  int port_;
  std::string source_;
  int fd_ = -1;
  std::string buffer_;
};

}  // namespace eventmart::testing
