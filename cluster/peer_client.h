// cluster/peer_client.h
// Copies a peer's committed log and idempotency records, for a member that
// is further behind than the batches etcd keeps (cluster_node.h). Blocking
// GETs over one HTTP/1.1 connection (Boost.Beast), to the peer's admin
// routes GET /api/v1/admin/cluster/log and /api/v1/admin/cluster/commands
// (docs/openapi.yaml), which answer pages in the exact stored form
// (eventstore/replicated_batch.h). Not thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "domain/result.h"
#include "eventstore/event_store.h"

namespace eventmart {

struct PeerPage {
  std::string batch;           // a replicated batch
  GlobalPosition end = 0;      // the peer's log end when it read the page
  std::uint64_t sequence = 0;  // the peer's batch number at that end
  bool more = false;           // command pages: more records follow
};

class PeerClient {
 public:
  // base_url: "http://HOST:PORT".
  PeerClient(std::string base_url, std::string admin_token, std::chrono::milliseconds timeout);
  ~PeerClient();
  PeerClient(const PeerClient&) = delete;
  PeerClient& operator=(const PeerClient&) = delete;

  [[nodiscard]] Result<PeerPage> LogPage(GlobalPosition from, std::size_t limit);
  // Command records with ids after `after` ("" = from the first).
  [[nodiscard]] Result<PeerPage> CommandPage(const std::string& after, std::size_t limit);

 private:
  class Connection;
  Result<PeerPage> Get(const std::string& target);
  std::string host_;
  std::string port_;
  std::string admin_token_;
  std::chrono::milliseconds timeout_;
  std::unique_ptr<Connection> connection_;
};

// Hex of arbitrary bytes (command ids in a query string; lower case, as
// the route reads them).
std::string ToHex(std::string_view bytes);

}  // namespace eventmart
