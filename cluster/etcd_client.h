// cluster/etcd_client.h
// A small blocking client of etcd v3's JSON gateway (POST /v3/..., keys and
// values base64): one keep-alive HTTP/1.1 connection, Boost.Beast. It moves
// to the next endpoint when one does not answer. Not thread-safe: each
// thread that talks to etcd has its own client.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <thread>
#include <optional>
#include <string>
#include <vector>

#include "domain/result.h"

namespace eventmart {

struct EtcdKv {
  std::string key;
  std::string value;
  std::int64_t create_revision = 0;
  std::int64_t mod_revision = 0;
  std::int64_t lease = 0;
};

// One comparison of a transaction's guard.
struct EtcdCompare {
  enum class Target { kCreateRevision, kModRevision, kValue };
  std::string key;
  Target target = Target::kCreateRevision;
  std::int64_t revision = 0;  // kCreateRevision / kModRevision (0: the key is absent)
  std::string value;          // kValue
};

// One operation of a transaction.
struct EtcdOp {
  enum class Kind { kPut, kRange, kDelete };
  Kind kind = Kind::kRange;
  std::string key;
  std::string value;      // kPut
  std::int64_t lease = 0; // kPut
  std::string range_end;  // kRange, kDelete: [key, range_end); empty: the key alone
  std::int64_t limit = 0; // kRange: 0 = no limit
  // kRange: the answering member's copy. A transaction whose operations are
  // all serializable ranges needs no quorum round trip (etcd's ReadIndex).
  bool serializable = false;

  static EtcdOp Put(std::string key, std::string value, std::int64_t lease = 0);
  static EtcdOp Get(std::string key, std::string range_end = {}, std::int64_t limit = 0);
  static EtcdOp LocalGet(std::string key, std::string range_end = {});  // serializable
  static EtcdOp Delete(std::string key, std::string range_end = {});
};

struct EtcdTxnResult {
  bool succeeded = false;
  std::int64_t revision = 0;              // the store's revision after the transaction
  std::vector<std::vector<EtcdKv>> ranges;  // one per operation run (empty for puts and deletes)
};

struct EtcdRange {
  std::int64_t revision = 0;
  std::vector<EtcdKv> kvs;
  bool more = false;
};

// The end of the range of every key that starts with `prefix`.
std::string PrefixEnd(std::string prefix);

class EtcdClient {
 public:
  // endpoints: "http://HOST:PORT" or "HOST:PORT".
  EtcdClient(std::vector<std::string> endpoints, std::chrono::milliseconds timeout);
  ~EtcdClient();
  EtcdClient(const EtcdClient&) = delete;
  EtcdClient& operator=(const EtcdClient&) = delete;

  [[nodiscard]] Result<std::int64_t> GrantLease(std::int64_t ttl_seconds);
  // The lease's remaining TTL after the renewal; 0 once it has expired.
  [[nodiscard]] Result<std::int64_t> KeepAlive(std::int64_t lease);
  [[nodiscard]] Result<void> RevokeLease(std::int64_t lease);
  // `serializable` reads the answering member's copy (no quorum round trip).
  [[nodiscard]] Result<EtcdRange> Range(const std::string& key, const std::string& range_end, std::int64_t limit,
                                        bool serializable);
  [[nodiscard]] Result<EtcdTxnResult> Txn(const std::vector<EtcdCompare>& compare, const std::vector<EtcdOp>& success,
                                          const std::vector<EtcdOp>& failure);

  const std::string& endpoint() const;

 private:
  class Connection;
  Result<std::string> Call(const std::string& path, const std::string& body);
  std::vector<std::string> endpoints_;
  std::size_t current_ = 0;
  std::chrono::milliseconds timeout_;
  std::unique_ptr<Connection> connection_;
};

// A watch on the keys [key, range_end) through the gateway's streaming
// POST /v3/watch, on its own thread and connection: every put is handed to
// `on_puts` as etcd commits it, in revision order, so a follower need not
// poll. Deletes are skipped. A connection that stays silent for
// `idle_timeout`, breaks, or whose revision was compacted is opened again
// (on the next endpoint), resuming after the last revision seen (or from
// now, after a compaction): puts may be missed then, never reordered; the
// caller notices a gap and reads the range.
class EtcdWatch {
 public:
  using OnPuts = std::function<void(std::vector<EtcdKv> puts)>;
  // While `paused` says so, no watch is open (a cluster's leader has the
  // batches it would deliver); one opened after a pause starts from then.
  EtcdWatch(std::vector<std::string> endpoints, std::string key, std::string range_end,
            std::chrono::milliseconds idle_timeout, OnPuts on_puts, std::function<bool()> paused = {});
  ~EtcdWatch();
  EtcdWatch(const EtcdWatch&) = delete;
  EtcdWatch& operator=(const EtcdWatch&) = delete;

  void Start();
  void Stop();  // returns within idle_timeout

 private:
  class Stream;
  void Run();
  Result<void> WatchOnce(const std::string& endpoint);

  std::vector<std::string> endpoints_;
  std::string key_;
  std::string range_end_;
  std::chrono::milliseconds idle_timeout_;
  OnPuts on_puts_;
  std::function<bool()> paused_;
  std::int64_t revision_ = 0;  // the last revision seen (0: none yet)
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace eventmart
