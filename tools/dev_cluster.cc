// eventmart dev-cluster: etcd (3 members, or 1 for fewer than 3 nodes) and
// N clustered `serve` processes on free loopback ports, as its children.
// Prints one JSON line describing the nodes, then waits for SIGINT/SIGTERM
// and stops every child. Each node's `command` restarts that node; its
// `etcd` entry is the etcd member that would share its machine (a test
// that loses "a machine" stops both).
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "cluster/etcd_client.h"
#include "tools/cli_util.h"
#include "tools/verbs.h"

namespace eventmart::cli {
namespace {

struct Child {
  std::vector<std::string> argv;
  pid_t pid = -1;
};

// A port the kernel just handed out on loopback (free a moment ago).
int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  int port = 0;
  if (fd >= 0 && bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  if (fd >= 0) close(fd);
  return port;
}

bool CanConnect(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  bool ok = fd >= 0 && connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  if (fd >= 0) close(fd);
  return ok;
}

// Starts argv with stdout and stderr appended to `log`; the child gets the
// default signal mask (ours blocks the stop signals).
pid_t Spawn(const std::vector<std::string>& argv, const std::string& log) {
  pid_t pid = fork();
  if (pid != 0) return pid;
  sigset_t none;
  sigemptyset(&none);
  pthread_sigmask(SIG_SETMASK, &none, nullptr);
  int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  if (fd >= 0) {
    dup2(fd, 1);
    dup2(fd, 2);
    close(fd);
  }
  int null = open("/dev/null", O_RDONLY);
  if (null >= 0) dup2(null, 0);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  execvp(args[0], args.data());
  std::fprintf(stderr, "cannot run %s: %s\n", args[0], std::strerror(errno));
  _exit(127);
}

void StopAll(std::vector<Child>& children) {
  for (auto& c : children) {
    if (c.pid > 0) kill(c.pid, SIGTERM);
  }
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  for (auto& c : children) {
    while (c.pid > 0) {
      pid_t done = waitpid(c.pid, nullptr, WNOHANG);
      if (done == c.pid || (done < 0 && errno == ECHILD)) {
        c.pid = -1;
      } else if (std::chrono::steady_clock::now() > deadline) {
        kill(c.pid, SIGKILL);
        waitpid(c.pid, nullptr, 0);
        c.pid = -1;
      } else {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
    }
  }
}

// The absolute path of `name` on PATH (the printed commands work with execv).
std::string FindOnPath(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::string_view dirs = path ? path : "/usr/bin:/bin";
  while (!dirs.empty()) {
    auto colon = dirs.find(':');
    std::filesystem::path candidate = std::filesystem::path(dirs.substr(0, colon)) / name;
    if (access(candidate.c_str(), X_OK) == 0) return candidate.string();
    dirs = colon == std::string_view::npos ? std::string_view() : dirs.substr(colon + 1);
  }
  return name;
}

std::string SelfExe() {
  std::error_code ec;
  auto path = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::string("eventmart") : path.string();
}

}  // namespace

int DevCluster(const DevClusterOptions& options) {
  sigset_t signals;
  sigemptyset(&signals);
  for (int s : {SIGINT, SIGTERM}) sigaddset(&signals, s);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::error_code ec;
  std::filesystem::create_directories(options.dir, ec);
  if (ec) {
    std::fprintf(stderr, "eventmart dev-cluster: cannot create %s: %s\n", options.dir.c_str(), ec.message().c_str());
    return kExitFailure;
  }
  std::string dir = std::filesystem::absolute(options.dir).string();
  int members = options.nodes >= 3 ? 3 : 1;
  if (FindOnPath("etcd") == "etcd") {
    std::fprintf(stderr, "eventmart dev-cluster: no etcd on PATH (Debian: apt-get install etcd-server; tools/setup.sh does)\n");
    return kExitFailure;
  }
  std::vector<std::string> client_urls, peer_urls;
  std::string initial_cluster;
  for (int i = 1; i <= members; ++i) {
    client_urls.push_back("http://127.0.0.1:" + std::to_string(FreePort()));
    peer_urls.push_back("http://127.0.0.1:" + std::to_string(FreePort()));
    initial_cluster += (i > 1 ? "," : "") + std::string("etcd-") + std::to_string(i) + "=" + peer_urls.back();
  }
  std::vector<Child> etcds, nodes;
  for (int i = 1; i <= members; ++i) {
    Child c{.argv = {FindOnPath("etcd"), "--name", "etcd-" + std::to_string(i), "--data-dir", dir + "/etcd-" + std::to_string(i),
                     "--listen-client-urls", client_urls[i - 1], "--advertise-client-urls", client_urls[i - 1],
                     "--listen-peer-urls", peer_urls[i - 1], "--initial-advertise-peer-urls", peer_urls[i - 1],
                     "--initial-cluster", initial_cluster, "--initial-cluster-state", "new",
                     "--initial-cluster-token", "eventmart-dev", "--log-level", "warn", "--logger", "zap",
                     // One commit group is one request; compact the history of
                     // the trimmed log keys.
                     "--max-request-bytes", "33554432", "--auto-compaction-mode", "revision",
                     "--auto-compaction-retention", "10000"}};
    c.pid = Spawn(c.argv, dir + "/etcd-" + std::to_string(i) + ".log");
    etcds.push_back(std::move(c));
  }
  auto ready = [&](const std::string& url) {
    EtcdClient probe({url}, std::chrono::milliseconds(500));
    for (int tries = 0; tries < 200; ++tries) {
      if (probe.Range("/eventmart-dev-probe", {}, 1, false)) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  };
  for (const auto& url : client_urls) {
    if (!ready(url)) {
      std::fprintf(stderr, "eventmart dev-cluster: etcd at %s did not answer (see %s/etcd-*.log)\n", url.c_str(),
                   dir.c_str());
      StopAll(etcds);
      return kExitFailure;
    }
  }
  std::vector<int> ports;
  std::string peers;
  for (int i = 1; i <= options.nodes; ++i) {
    ports.push_back(FreePort());
    peers += (i > 1 ? "," : "") + std::to_string(i) + "=http://127.0.0.1:" + std::to_string(ports.back());
  }
  nlohmann::json described = {{"nodes", nlohmann::json::array()}};
  for (int i = 1; i <= options.nodes; ++i) {
    // The node's own etcd member first (the one on its machine).
    std::string endpoints;
    for (int k = 0; k < members; ++k) endpoints += (k ? "," : "") + client_urls[(i - 1 + k) % members];
    std::string data = dir + "/node-" + std::to_string(i);
    Child c{.argv = {SelfExe(), "serve", "--data-dir", data, "--listen", "127.0.0.1:" + std::to_string(ports[i - 1]),
                     "--node-id", std::to_string(i), "--peers", peers, "--etcd-endpoints", endpoints}};
    if (!options.admin_token.empty()) {
      c.argv.push_back("--admin-token");
      c.argv.push_back(options.admin_token);
    }
    for (const auto& flag : options.serve_flags) c.argv.push_back(flag);
    c.pid = Spawn(c.argv, dir + "/node-" + std::to_string(i) + ".log");
    const Child& etcd = etcds[(i - 1) % members];
    described["nodes"].push_back({{"id", i},
                                  {"url", "http://127.0.0.1:" + std::to_string(ports[i - 1])},
                                  {"pid", c.pid},
                                  {"dataDir", data},
                                  {"command", c.argv},
                                  {"etcd", {{"pid", etcd.pid}, {"clientUrl", client_urls[(i - 1) % members]},
                                            {"command", etcd.argv}}}});
    nodes.push_back(std::move(c));
  }
  for (int i = 0; i < options.nodes; ++i) {
    int tries = 0;
    while (!CanConnect(ports[i]) && ++tries < 600) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    if (tries >= 600) {
      std::fprintf(stderr, "eventmart dev-cluster: node %d did not listen (see %s/node-%d.log)\n", i + 1, dir.c_str(),
                   i + 1);
      StopAll(nodes);
      StopAll(etcds);
      return kExitFailure;
    }
  }
  std::printf("%s\n", described.dump().c_str());
  std::fflush(stdout);
  spdlog::info("dev-cluster: {} nodes, {} etcd members; data and logs in {}", options.nodes, members, dir);
  for (;;) {
    timespec wait{.tv_sec = 1, .tv_nsec = 0};
    int received = sigtimedwait(&signals, nullptr, &wait);
    if (received == SIGINT || received == SIGTERM) break;
    // Reap children killed from outside, and forget their pids (a pid is
    // reused: a later SIGTERM must not reach someone else's process).
    for (pid_t done; (done = waitpid(-1, nullptr, WNOHANG)) > 0;) {
      for (auto* children : {&nodes, &etcds}) {
        for (auto& c : *children) {
          if (c.pid == done) c.pid = -1;
        }
      }
    }
  }
  StopAll(nodes);
  StopAll(etcds);
  return kExitOk;
}

}  // namespace eventmart::cli
