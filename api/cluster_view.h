// api/cluster_view.h
// What the HTTP routes see of a clustered server (cluster/cluster_node.h):
// where commands go, and the cluster's status. Plain values, so routes do
// not include the cluster's etcd client.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "domain/result.h"
#include "eventstore/event_store.h"

namespace eventmart {

class CommandProcessor;

struct ClusterMemberStatus {
  int id = 0;
  std::string url;
  std::string role;  // leader | follower | candidate | unreachable (no live session in etcd)
  GlobalPosition applied_position = 0;
  std::int64_t lag_ms = 0;
};

struct ClusterStatus {
  int node_id = 0;
  std::string role;  // leader | follower | candidate
  std::int64_t term = 0;  // the etcd revision that created the current leader key (grows with each election)
  std::optional<int> leader_id;
  std::string leader_url;
  GlobalPosition commit_position = 0;
  GlobalPosition applied_position = 0;
  std::vector<ClusterMemberStatus> members;
  std::uint64_t elections = 0;  // leader changes this node has seen
};

// A page of a node's store, in the exact stored form, for a member that
// catches up from it (eventstore/rocks_event_store.h, ReadLogPage).
struct ClusterCopyPage {
  std::string batch;  // a replicated batch (eventstore/replicated_batch.h)
  GlobalPosition end = 0;
  std::uint64_t sequence = 0;
  bool more = false;
};

class ClusterView {
 public:
  virtual ~ClusterView() = default;

  // Where a command goes now: this node's processor while it leads, else
  // the leader's URL, else neither (no leader known).
  struct CommandRoute {
    std::shared_ptr<CommandProcessor> processor;
    std::string leader_url;
  };
  virtual CommandRoute RouteCommand() const = 0;
  virtual ClusterStatus Status() const = 0;
  // Committed events from position `from` (at most `limit`), and command
  // records with ids after `after`, for a peer's catch-up.
  [[nodiscard]] virtual Result<ClusterCopyPage> CopyLog(GlobalPosition from, std::size_t limit) const = 0;
  [[nodiscard]] virtual Result<ClusterCopyPage> CopyCommands(std::string_view after, std::size_t limit) const = 0;
};

}  // namespace eventmart
