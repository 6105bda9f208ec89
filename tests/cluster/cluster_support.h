// tests/cluster/cluster_support.h
// A three-node cluster started as a user would (`eventmart dev-cluster`),
// and the steps the cluster tests repeat: find the leader, lose a node
// (its serve process, and with --machine its etcd member too), restart it
// from the command dev-cluster printed, send a command to whoever leads.
#pragma once

#include <signal.h>
#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/api_helpers.h"
#include "tests/support/http_client.h"
#include "tests/support/process.h"

namespace eventmart::testing {

inline int PortOf(const std::string& url) { return std::stoi(url.substr(url.rfind(':') + 1)); }

inline std::int64_t PositionOf(const Response& r) {
  auto it = r.headers.find("eventmart-position");
  return it == r.headers.end() ? -1 : std::stoll(it->second);
}

struct ClusterNodeInfo {
  int id = 0;
  std::string url;
  int pid = 0;
  std::string data_dir;
  std::vector<std::string> command;
  int etcd_pid = 0;
  std::vector<std::string> etcd_command;
  std::unique_ptr<Process> restarted;       // when the test restarted the node
  std::unique_ptr<Process> etcd_restarted;  // ... or its etcd member
  bool up = true;
};

class DevCluster {
 public:
  // `serve_flags` go to every node (after dev-cluster's `--`).
  explicit DevCluster(const std::string& name, std::vector<std::string> serve_flags = {})
      : dir_(TempDir(name)), process_(Command(dir_, serve_flags), dir_ + "/dev-cluster.err") {
    std::string line;
    REQUIRE(process_.ReadLine(&line, 60'000));
    auto described = nlohmann::json::parse(line);
    for (const auto& n : described["nodes"]) {
      auto node = std::make_unique<ClusterNodeInfo>();
      node->id = n["id"];
      node->url = n["url"];
      node->pid = n["pid"];
      node->data_dir = n["dataDir"];
      node->command = n["command"].get<std::vector<std::string>>();
      node->etcd_pid = n["etcd"]["pid"];
      node->etcd_command = n["etcd"]["command"].get<std::vector<std::string>>();
      nodes_.push_back(std::move(node));
    }
    REQUIRE(nodes_.size() == 3);
  }

  ~DevCluster() {
    process_.Signal(SIGTERM);
    process_.Wait();
    for (auto& n : nodes_) {
      if (n->restarted) {
        n->restarted->Signal(SIGCONT);
        n->restarted->Signal(SIGTERM);
        n->restarted->Wait();
      }
      if (n->etcd_restarted) {
        n->etcd_restarted->Signal(SIGTERM);
        n->etcd_restarted->Wait();
      }
    }
  }

  // Stops dev-cluster's children and the nodes the test restarted.
  void StopAll() {
    // The nodes the test restarted first, while etcd still answers them.
    for (auto& n : nodes_) {
      if (n->restarted) {
        n->restarted->Signal(SIGTERM);
        n->restarted->Wait();
        n->restarted.reset();
      }
    }
    process_.Signal(SIGTERM);
    REQUIRE(process_.Wait() == 0);
    for (auto& n : nodes_) {
      if (n->restarted) {
        n->restarted->Signal(SIGTERM);
        n->restarted->Wait();
        n->restarted.reset();
      }
      if (n->etcd_restarted) {
        n->etcd_restarted->Signal(SIGTERM);
        n->etcd_restarted->Wait();
        n->etcd_restarted.reset();
      }
    }
  }

  ClusterNodeInfo& node(int id) { return *nodes_.at(id - 1); }
  const std::string& dir() const { return dir_; }

  nlohmann::json Status(int id) {
    HttpClient c("127.0.0.1", PortOf(node(id).url));
    auto r = c.Get("/api/v1/admin/cluster", {kAdmin});
    if (r.status != 200) return nullptr;
    return r.json();
  }

  // The id of the node that says it leads (asked of every node that is up),
  // waiting up to `timeout`; 0 if none.
  int WaitForLeader(std::chrono::milliseconds timeout = std::chrono::seconds(20), int not_this = 0) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      for (auto& n : nodes_) {
        if (!n->up || n->id == not_this) continue;
        auto s = Status(n->id);
        if (!s.is_null() && s["role"] == "leader") return n->id;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return 0;
  }

  // Waits until every node that is up names `leader` as the leader.
  bool WaitForAgreement(int leader, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      bool agreed = true;
      for (auto& n : nodes_) {
        if (!n->up) continue;
        auto s = Status(n->id);
        agreed = agreed && !s.is_null() && s["leaderId"] == leader && (n->id == leader || s["role"] == "follower");
      }
      if (agreed) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }

  // Waits until node `id` has applied everything committed (and at least `position`).
  bool WaitApplied(int id, std::int64_t position, std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      auto s = Status(id);
      if (!s.is_null() && s["appliedPosition"].get<std::int64_t>() >= position &&
          s["appliedPosition"] == s["commitPosition"]) {
        return true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }

  void KillNode(int id, int signal = SIGKILL) {
    auto& n = node(id);
    if (n.restarted) {
      n.restarted->Signal(signal);
      n.restarted->Wait();
      n.restarted.reset();
    } else {
      REQUIRE(kill(n.pid, signal) == 0);
      if (signal == SIGKILL) WaitExited(n.pid);
    }
    n.up = false;
  }

  // dev-cluster's child `pid` has exited (a zombie or gone): its port and
  // its store's lock are free for a restart.
  static void WaitExited(int pid) {
    for (int attempt = 0; attempt < 500; ++attempt) {
      std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
      std::string line;
      if (!std::getline(stat, line)) return;
      auto close = line.rfind(')');
      if (close != std::string::npos && close + 2 < line.size() && line[close + 2] == 'Z') return;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }

  // A machine lost: the node and its etcd member.
  void KillMachine(int id) {
    KillNode(id);
    auto& n = node(id);
    if (n.etcd_restarted) {
      n.etcd_restarted->Signal(SIGKILL);
      n.etcd_restarted->Wait();
      n.etcd_restarted.reset();
    } else {
      REQUIRE(kill(n.etcd_pid, SIGKILL) == 0);
    }
  }

  void RestartEtcd(int id) {
    node(id).etcd_restarted =
        std::make_unique<Process>(node(id).etcd_command, dir_ + "/etcd-" + std::to_string(id) + "-restarted.log");
  }

  void RestartNode(int id) {
    auto& n = node(id);
    n.restarted = std::make_unique<Process>(n.command, dir_ + "/node-" + std::to_string(id) + "-restarted.log");
    REQUIRE(StartServer(*n.restarted) == PortOf(n.url));
    n.up = true;
  }

 private:
  static std::vector<std::string> Command(const std::string& dir, const std::vector<std::string>& serve_flags) {
    std::vector<std::string> argv = {EVENTMART_BIN, "dev-cluster", "--nodes", "3", "--dir", dir, "--admin-token", "secret"};
    if (!serve_flags.empty()) argv.push_back("--");
    argv.insert(argv.end(), serve_flags.begin(), serve_flags.end());
    return argv;
  }
  std::string dir_;
  Process process_;
  std::vector<std::unique_ptr<ClusterNodeInfo>> nodes_;
};

// Sends a command to whoever leads, following 307s and retrying 503s and
// lost connections with the same Idempotency-Key, until it is answered
// with anything else or `timeout` passes (then the last answer).
class LeaderClient {
 public:
  LeaderClient(DevCluster& cluster, int start) : cluster_(cluster), target_(start) {}

  Response Post(const std::string& path, const std::string& body, const std::string& key,
                std::chrono::milliseconds timeout = std::chrono::seconds(15), std::vector<std::string> headers = {}) {
    headers.push_back("Idempotency-Key: " + key);
    auto deadline = std::chrono::steady_clock::now() + timeout;
    Response last;
    while (std::chrono::steady_clock::now() < deadline) {
      if (!client_) client_ = std::make_unique<HttpClient>("127.0.0.1", PortOf(cluster_.node(target_).url));
      last = client_->Post(path, body, headers);
      if (last.status == 307) {
        target_ = PortToId(PortOf(last.headers["location"]));
        client_.reset();
        continue;
      }
      if (last.status != 0 && last.status != 503) return last;
      client_.reset();
      target_ = target_ % 3 + 1;  // try the next node; it redirects to the leader it knows
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return last;
  }

 private:
  int PortToId(int port) {
    for (int id = 1; id <= 3; ++id) {
      if (PortOf(cluster_.node(id).url) == port) return id;
    }
    return 1;
  }
  DevCluster& cluster_;
  int target_;
  std::unique_ptr<HttpClient> client_;
};

}  // namespace eventmart::testing
