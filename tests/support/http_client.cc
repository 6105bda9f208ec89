#include "tests/support/http_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstring>

namespace eventmart::testing {

nlohmann::json Response::json() const {
  return nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
}

HttpClient::~HttpClient() { Close(); }

void HttpClient::Close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  buffer_.clear();
}

bool HttpClient::Connect() {
  fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd_ < 0) return false;
  int one = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  timeval tv{30, 0};
  ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  if (!source_.empty()) {
    sockaddr_in local{};
    local.sin_family = AF_INET;
    ::inet_pton(AF_INET, source_.c_str(), &local.sin_addr);
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0) {
      Close();
      return false;
    }
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port_));
  ::inet_pton(AF_INET, host_.c_str(), &addr.sin_addr);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    Close();
    return false;
  }
  return true;
}

Response HttpClient::Get(const std::string& path, std::vector<std::string> headers) {
  return Send("GET", path, "", headers);
}

Response HttpClient::Post(const std::string& path, const std::string& body, std::vector<std::string> headers) {
  return Send("POST", path, body, headers);
}

Response HttpClient::Delete(const std::string& path, std::vector<std::string> headers) {
  return Send("DELETE", path, "", headers);
}

Response HttpClient::Send(const std::string& method, const std::string& path, const std::string& body,
                          const std::vector<std::string>& headers) {
  std::string request = method + " " + path + " HTTP/1.1\r\nHost: " + host_ + "\r\n";
  for (const auto& h : headers) request += h + "\r\n";
  if (!body.empty() || method == "POST") {
    request += "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
  }
  request += "\r\n" + body;
  return Raw(request);
}

Response HttpClient::Raw(const std::string& bytes) {
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (fd_ < 0 && !Connect()) return {};
    std::size_t sent = 0;
    while (sent < bytes.size()) {
      ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) break;
      sent += static_cast<std::size_t>(n);
    }
    Response r = ReadResponse();
    if (r.status != 0 || sent == bytes.size()) {
      if (r.status == 0) Close();
      if (r.status != 0 && r.headers["connection"] == "close") Close();
      // A keep-alive connection the server closed while idle: retry once on a new one.
      if (r.status == 0 && attempt == 0 && sent == bytes.size()) continue;
      return r;
    }
    Close();
  }
  return {};
}

Response HttpClient::ReadResponse() {
  Response r;
  auto fill = [&]() {
    char chunk[16384];
    ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n <= 0) return false;
    buffer_.append(chunk, static_cast<std::size_t>(n));
    return true;
  };
  std::size_t header_end;
  while ((header_end = buffer_.find("\r\n\r\n")) == std::string::npos) {
    if (!fill()) return {};
  }
  std::string head = buffer_.substr(0, header_end);
  buffer_.erase(0, header_end + 4);
  if (head.size() < 12) return {};
  r.status = std::atoi(head.c_str() + 9);
  std::size_t pos = head.find("\r\n");
  while (pos != std::string::npos) {
    std::size_t next = head.find("\r\n", pos + 2);
    std::string line = head.substr(pos + 2, next == std::string::npos ? std::string::npos : next - pos - 2);
    auto colon = line.find(':');
    if (colon != std::string::npos) {
      std::string name = line.substr(0, colon);
      std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
      std::string value = line.substr(colon + 1);
      value.erase(0, value.find_first_not_of(' '));
      r.headers[name] = value;
    }
    pos = next;
  }
  std::size_t length = r.headers.count("content-length") ? std::stoul(r.headers["content-length"]) : 0;
  while (buffer_.size() < length) {
    if (!fill()) return {};
  }
  r.body = buffer_.substr(0, length);
  buffer_.erase(0, length);
  return r;
}

}  // namespace eventmart::testing
