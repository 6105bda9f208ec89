// cluster/cluster_node.h
// One member of a cluster whose election and replicated log are etcd's
// (docs/architecture.md, "Cluster"). Keys under the cluster's prefix:
//   leader        the leader's node id; created in a transaction only if
//                 absent, attached to the node's lease (gone when the node
//                 stops renewing it). Its create_revision is the term.
//   head          "<batch number> <last position>": the committed end.
//   log/<batch>   one commit group (eventstore/replicated_batch.h), packed
//                 (zstd unless ClusterOptions::batch_packing says not), put in
//                 the same transaction as head, guarded by the leader key's
//                 create_revision (fencing) and head's mod_revision.
//   members/<id>  what each node reports (applied position), on its lease.
//   relayed       the Kafka relay's checkpoint, published by the leader.
// The leader's committer calls Replicate (eventstore/replicator.h) for each
// group and acknowledges it only after that transaction succeeded and the
// local write synced. Followers watch log/ and apply each batch at the same
// positions (RocksEventStore::ApplyReplicated); their projections follow,
// and the node folds each batch into its hot write model
// (replicated_fold.h). A follower that is caught up campaigns when there is
// no leader; a new leader applies everything committed, then starts
// deciding from its hot model (no snapshot or log is loaded) and relaying.
// A deposed leader's model may hold decisions that never committed: it is
// dropped and loaded again from the node's own log (snapshot + tail).
//
// A member whose next batch etcd no longer keeps (down for long, or wiped)
// copies the log and the idempotency records from the peer that reported
// the most batches (GET /api/v1/admin/cluster/log and /commands on the
// peer, admin token; peer_client.h), at the same positions, then follows
// etcd again from the peer's batch number.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "api/cluster_view.h"
#include "cluster/etcd_client.h"
#include "commands/write_model_snapshots.h"
#include "domain/aggregates.h"
#include "eventstore/replicated_batch.h"
#include "eventstore/replicator.h"
#include "eventstore/rocks_event_store.h"

namespace eventmart {

struct ClusterOptions {
  int node_id = 0;
  std::map<int, std::string> peers;  // id -> base URL, this node included
  std::vector<std::string> etcd_endpoints;
  std::string prefix = "/eventmart/";  // keys of this cluster in etcd
  std::int64_t lease_ttl_seconds = 2;  // how long a silent leader keeps the leadership
  // A follower is told of new batches by an etcd watch; it reads log/
  // itself only when the watch shows a gap or head is ahead of it (checked
  // every 100 ms), and at most every `poll` while it lags.
  std::chrono::milliseconds poll{5};
  std::chrono::milliseconds watch_idle{1000};  // a silent watch is opened again after this
  std::chrono::milliseconds etcd_timeout{1500};
  std::uint64_t retain_batches = 5'000;  // batches kept in etcd for members that are behind, down or wiped
  // How this node, while leading, stores batches in etcd. Every node reads
  // both forms; kNone is for a rolling upgrade from a version that reads
  // unpacked batches only (it refuses packed ones and stops following).
  BatchPacking batch_packing = BatchPacking::kZstd;
  std::string admin_token;  // to copy from a peer (its admin routes) when etcd no longer has a needed batch
  std::size_t copy_page = 2'000;  // events (or command records) per page copied from a peer
  std::chrono::milliseconds copy_timeout{10'000};
};

// What the node runs while it leads; serve wires the command processor
// (started from the node's hot model) and the Kafka relay.
struct LeaderHooks {
  // `model` is folded from the log up to `position`, the log's end.
  std::function<Result<std::shared_ptr<CommandProcessor>>(Aggregates model, GlobalPosition position)> start;
  // Stops deciding and relaying; returns once every callback of the
  // processor has run.
  std::function<void(std::shared_ptr<CommandProcessor>)> stop;
  // The Kafka relay's checkpoint while leading (0: no relay); shared in
  // etcd so that a new leader resumes from it, not from its own.
  std::function<GlobalPosition()> relayed;
  // The write model folded from this node's log up to its end (newest
  // snapshot + tail): the hot model's start, at start-up and after leading.
  std::function<Result<LoadedModel>()> load_model;
};

class ClusterNode final : public Replicator, public ClusterView {
 public:
  ClusterNode(RocksEventStore& store, ClusterOptions options, LeaderHooks hooks);
  ~ClusterNode() override;

  // Installs this node as the store's replicator and starts following.
  void Start();
  // Steps down (releasing the leadership at once) and stops.
  void Stop();

  Result<void> Replicate(std::uint64_t sequence, std::string_view batch) override;
  // The relay checkpoint the leaders published (`relayed` key; 0 if none).
  // For LeaderHooks::start, which runs on the node's thread.
  [[nodiscard]] Result<GlobalPosition> SharedRelayCheckpoint();
  CommandRoute RouteCommand() const override;
  ClusterStatus Status() const override;
  Result<ClusterCopyPage> CopyLog(GlobalPosition from, std::size_t limit) const override;
  Result<ClusterCopyPage> CopyCommands(std::string_view after, std::size_t limit) const override;

  // "1=http://a:8080,2=http://b:8080" -> {1: "http://a:8080", ...}; an
  // error names what is wrong.
  static Result<std::map<int, std::string>> ParsePeers(std::string_view text);

 private:
  struct MemberReport {
    GlobalPosition applied = 0;
    std::uint64_t sequence = 0;
    std::string role;
  };
  enum class Role { kFollower, kCandidate, kLeader };

  void Run();
  void RenewLease();
  Result<void> EnsureLease();
  // Applies committed batches this node does not have yet; how many.
  Result<std::size_t> ApplyCommitted(EtcdClient& etcd, bool serializable);
  // Applies the batches the watch delivered that follow this node's log;
  // how many. Sets *gap when one does not follow (a range read fills it).
  Result<std::size_t> ApplyWatched(bool* gap);
  void OnWatched(std::vector<EtcdKv> puts);
  // Writes one batch (from etcd, or a page copied from a peer) and folds
  // it into the hot model.
  Result<void> ApplyBatch(std::uint64_t sequence, std::string batch, bool copied);
  // Loads the hot model if it is not there (node thread, not leading).
  Result<void> EnsureModel();
  bool Lagging() const;
  // Copies what etcd no longer has from the most advanced peer.
  Result<void> CatchUpFromPeer();
  Result<void> CopyFromPeer(int peer);
  Result<void> RefreshView();
  void Campaign();
  Result<void> CatchUpToHead();
  void StepDown(const std::string& why);
  void Report();
  void WarnThrottled(const std::string& message);
  bool Deposed() const;
  void TrimLog();
  void SetRole(Role role);
  void NoteCommit(GlobalPosition last);
  std::string Key(std::string_view name) const { return options_.prefix + std::string(name); }
  std::string LogKey(std::uint64_t sequence) const;
  std::int64_t LagMs(GlobalPosition applied, std::int64_t now_ms) const;

  RocksEventStore& store_;
  ClusterOptions options_;
  LeaderHooks hooks_;
  EtcdClient etcd_;         // the node's thread
  EtcdClient lease_etcd_;   // the lease thread
  EtcdClient commit_etcd_;  // the committer thread (Replicate)
  std::unique_ptr<EtcdWatch> watch_;  // log/ puts, pushed to `watched_`

  std::mutex watched_mu_;
  std::deque<std::pair<std::uint64_t, std::string>> watched_;  // (batch number, batch), in order
  bool watch_overflowed_ = false;  // batches were dropped: read the range

  std::thread thread_;
  std::thread lease_thread_;
  std::mutex wake_mu_;
  std::condition_variable wake_cv_;
  std::atomic<bool> stopping_{false};

  // The session: one lease, renewed by the lease thread; the leader key and
  // member report hang on it.
  std::atomic<std::int64_t> lease_{0};
  std::atomic<bool> lease_lost_{false};

  // Leadership, as the committer sees it.
  std::atomic<bool> leading_{false};
  std::atomic<bool> fenced_{false};  // a Replicate failed: step down
  std::atomic<std::int64_t> term_{0};  // node thread writes; the committer reads (set before leading_)
  std::int64_t head_revision_ = 0;   // committer thread once leading

  mutable std::mutex mu_;  // guards the status below and processor_
  Role role_ = Role::kFollower;
  std::shared_ptr<CommandProcessor> processor_;
  std::optional<int> leader_id_;
  std::int64_t leader_term_ = 0;
  GlobalPosition commit_position_ = 0;
  std::uint64_t commit_sequence_ = 0;
  std::map<int, MemberReport> reports_;
  std::deque<std::pair<GlobalPosition, std::int64_t>> commit_times_;  // (last position, ms) of recent batches
  std::uint64_t elections_ = 0;
  bool behind_ = false;      // etcd no longer has a batch this node needs
  // Node thread: the write model folded from the log up to its end, while
  // not leading (moved into the command processor on election); empty
  // until loaded.
  std::optional<Aggregates> model_;
  std::chrono::steady_clock::time_point last_copy_attempt_{};
  std::uint64_t views_ = 0;  // node thread: reads of the cluster's state so far
  std::string last_warning_;  // node thread
  std::chrono::steady_clock::time_point last_warned_{};
};

}  // namespace eventmart
