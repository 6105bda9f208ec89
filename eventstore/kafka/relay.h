// eventstore/kafka/relay.h
// The log is our outbox; the relay carries it to Kafka. It follows the log
// from its own checkpoint and publishes
//   - every event to <prefix><category> (key = stream, value = the JSON
//     line `eventmart replay` prints, timestamp = the event's time), and
//   - for each OrderPaid, one message to the data-platform topic
//     (eventstore/kafka/data_platform.h, key = order id).
// The producer is idempotent (acks=all, ordered retries), so each key keeps
// its order; the checkpoint only moves past positions whose every message
// the broker acknowledged, so a crash or restart re-sends (same event ids)
// and never skips: delivery is at least once.
//
// A broker outage never touches the command path: the relay runs on its own
// thread, reads durable events only, and lets librdkafka retry without a
// message timeout; at most max_in_flight messages wait, then the relay just
// stops reading until the broker is back. A delivery that fails for good
// (or a fatal producer error) makes the relay drop its producer, back off,
// and start again from the checkpoint.
//
// Thread safety: Start/Stop from one thread; Status() from any.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "domain/result.h"
#include "eventstore/histogram.h"
#include "eventstore/kafka/kafka_config.h"
#include "eventstore/rocks_event_store.h"

namespace eventmart {

struct RelayOptions {
  KafkaOptions kafka;
  std::uint64_t max_in_flight = 200'000;          // messages waiting for an ack
  std::chrono::milliseconds max_backoff{10'000};  // between restarts after failures
};

enum class RelayState {
  kStopped,     // not started, or stopped
  kRunning,     // publishing (or waiting for brokers)
  kBackingOff,  // dropped its producer after a failure; starts again soon
  kFailed,      // stopped for good (a log it cannot read); last_error says why
};
// "stopped", "running", "backing off", "failed": the text of the admin route.
std::string_view Name(RelayState state);

struct RelayStatus {
  RelayState state = RelayState::kStopped;
  GlobalPosition position = 0;   // checkpoint: every event up to here is acknowledged
  GlobalPosition published = 0;  // handed to the producer
  GlobalPosition head = 0;       // the log's last position
  std::uint64_t in_flight = 0;
  std::uint64_t events_delivered = 0;
  std::uint64_t data_platform_delivered = 0;
  std::uint64_t delivery_errors = 0;
  std::uint64_t restarts = 0;
  std::string last_error;
};

// Seconds from an event's time to its acknowledgement, over the last
// 262,144 events acknowledged.
struct AckLagPercentiles {
  double p50 = 0;
  double p99 = 0;
};

inline constexpr std::array<double, 12> kAckLagBounds = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                         0.1,   0.25,   0.5,   1.0,  5.0,   30.0};

class KafkaRelay {
 public:
  KafkaRelay(RocksEventStore& log, RelayOptions options);
  ~KafkaRelay();
  KafkaRelay(const KafkaRelay&) = delete;
  KafkaRelay& operator=(const KafkaRelay&) = delete;

  // Checks the configuration (kInvalidArgument names a bad property), loads
  // the checkpoint and starts the relay thread. Unreachable brokers are not
  // an error: the relay waits for them.
  [[nodiscard]] Result<void> Start();
  // Gives in-flight messages up to `drain` to be acknowledged, saves the
  // checkpoint, and stops.
  void Stop(std::chrono::milliseconds drain = std::chrono::milliseconds(2000));

  RelayStatus Status() const;  // cheap: counters and state
  AckLagPercentiles RecentAckLag() const;
  const Histogram<12>& ack_lag() const { return ack_lag_; }

  class Impl;

 private:
  Histogram<12> ack_lag_{kAckLagBounds};  // before impl_, which writes to it
  std::unique_ptr<Impl> impl_;
};

// The meta key (RocksEventStore::PutMeta) that holds the relay's checkpoint.
inline constexpr std::string_view kRelayCheckpointKey = "relay/checkpoint";

}  // namespace eventmart
