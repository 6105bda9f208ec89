// api/kafka_status.h
// What the routes learn of the optional Kafka parts: the relay's progress
// (main service) and the feed's (query node), for the admin routes,
// /metrics and /readyz. api/app.h only names these interfaces, so no route
// but api/routes/kafka_routes.cc sees a Kafka header; tools/ (the wiring)
// wraps the concrete KafkaRelay and FeedReplica in the adapters below.
#pragma once

#include "eventstore/kafka/feed_replica.h"
#include "eventstore/kafka/relay.h"

namespace eventmart {

class RelayStatusSource {
 public:
  virtual ~RelayStatusSource() = default;
  virtual RelayStatus Status() const = 0;  // cheap: counters and state
  virtual AckLagPercentiles RecentAckLag() const = 0;
  virtual const Histogram<12>& ack_lag() const = 0;
};

class FeedStatusSource {
 public:
  virtual ~FeedStatusSource() = default;
  virtual FeedStatus Status() const = 0;
};

// The running relay, as a RelayStatusSource. Must not outlive it.
class RelayStatusOf final : public RelayStatusSource {
 public:
  explicit RelayStatusOf(const KafkaRelay& relay) : relay_(relay) {}
  RelayStatus Status() const override { return relay_.Status(); }
  AckLagPercentiles RecentAckLag() const override { return relay_.RecentAckLag(); }
  const Histogram<12>& ack_lag() const override { return relay_.ack_lag(); }

 private:
  const KafkaRelay& relay_;
};

// The running feed, as a FeedStatusSource. Must not outlive it.
class FeedStatusOf final : public FeedStatusSource {
 public:
  explicit FeedStatusOf(const FeedReplica& feed) : feed_(feed) {}
  FeedStatus Status() const override { return feed_.Status(); }

 private:
  const FeedReplica& feed_;
};

}  // namespace eventmart
