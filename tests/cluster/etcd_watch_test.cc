// The etcd watch a follower is told of new batches by (cluster/etcd_client.h),
// against a real single-member etcd on loopback (Debian's etcd-server,
// installed by tools/setup.sh).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "cluster/etcd_client.h"
#include "tests/support/process.h"

using namespace eventmart;
using namespace std::chrono_literals;

namespace {

int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

// Puts the watch delivered, in arrival order.
struct Seen {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<EtcdKv> puts;

  void Add(std::vector<EtcdKv> more) {
    std::lock_guard lock(mu);
    for (auto& kv : more) puts.push_back(std::move(kv));
    cv.notify_all();
  }
  bool WaitFor(std::size_t n, std::chrono::milliseconds timeout = 10s) {
    std::unique_lock lock(mu);
    return cv.wait_for(lock, timeout, [&] { return puts.size() >= n; });
  }
  std::vector<std::string> Keys() {
    std::lock_guard lock(mu);
    std::vector<std::string> keys;
    for (const auto& kv : puts) keys.push_back(kv.key);
    return keys;
  }
};

}  // namespace

TEST_CASE("An etcd watch delivers every put under its prefix in order, across reconnects, and skips deletes",
          "[cluster][watch]") {
  std::string dir = testing::TempDir("etcd-watch");
  std::string client = "http://127.0.0.1:" + std::to_string(FreePort());
  std::string peer = "http://127.0.0.1:" + std::to_string(FreePort());
  testing::Process etcd({"/usr/bin/etcd", "--data-dir", dir + "/etcd", "--listen-client-urls", client, "--advertise-client-urls",
                         client, "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
                         "--initial-cluster", "default=" + peer, "--log-level", "warn", "--logger", "zap"},
                        dir + "/etcd.log");
  EtcdClient etcd_client({client}, 1500ms);
  bool up = false;
  for (int i = 0; i < 100 && !up; ++i) {
    up = static_cast<bool>(etcd_client.Range("/x", {}, 0, false));
    if (!up) std::this_thread::sleep_for(100ms);
  }
  REQUIRE(up);

  // Given a watch on /w/log/ that reopens after 300 ms of silence, and a put
  // outside the prefix
  Seen seen;
  EtcdWatch watch({client}, "/w/log/", PrefixEnd("/w/log/"), 300ms, [&](std::vector<EtcdKv> puts) { seen.Add(std::move(puts)); });
  watch.Start();
  std::this_thread::sleep_for(200ms);  // opened
  REQUIRE(etcd_client.Txn({}, {EtcdOp::Put("/w/other", "x")}, {}));

  // When keys are put one by one, some in one transaction, one deleted, and
  // the watch sits idle long enough to reopen between two puts
  for (int i = 1; i <= 5; ++i) REQUIRE(etcd_client.Txn({}, {EtcdOp::Put("/w/log/" + std::to_string(i), "v" + std::to_string(i))}, {}));
  REQUIRE(etcd_client.Txn({}, {EtcdOp::Put("/w/log/6", "v6"), EtcdOp::Put("/w/log/7", "v7")}, {}));
  REQUIRE(etcd_client.Txn({}, {EtcdOp::Delete("/w/log/1")}, {}));
  REQUIRE(seen.WaitFor(7));
  std::this_thread::sleep_for(1000ms);  // silent past the idle timeout, several times
  REQUIRE(etcd_client.Txn({}, {EtcdOp::Put("/w/log/8", "v8")}, {}));

  // Then the watch delivered each put under the prefix once, in order, with its value
  REQUIRE(seen.WaitFor(8));
  std::this_thread::sleep_for(300ms);  // nothing more comes
  std::vector<std::string> expected;
  for (int i = 1; i <= 8; ++i) expected.push_back("/w/log/" + std::to_string(i));
  CHECK(seen.Keys() == expected);
  {
    std::lock_guard lock(seen.mu);
    CHECK(seen.puts[7].value == "v8");
    CHECK(seen.puts[0].mod_revision < seen.puts[7].mod_revision);
  }
  watch.Stop();
  etcd.Signal(SIGTERM);
  etcd.Wait();
}
