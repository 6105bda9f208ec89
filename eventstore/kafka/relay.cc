#include "eventstore/kafka/relay.h"

#include <librdkafka/rdkafkacpp.h>
#include <pthread.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <map>
#include <vector>

#include "eventstore/codec.h"
#include "eventstore/event_json.h"
#include "eventstore/kafka/ack_tracker.h"
#include "eventstore/kafka/data_platform.h"
#include "eventstore/scan_events.h"
#include "eventstore/store_errors.h"

namespace eventmart {
namespace {

constexpr GlobalPosition kScanBatch = 4096;
constexpr std::size_t kLagSamples = 1 << 18;  // ~1 MiB: the last few seconds at full load

// Our producer defaults; --kafka-property overrides any of them.
const std::vector<std::pair<std::string, std::string>>& ProducerDefaults() {
  static const std::vector<std::pair<std::string, std::string>> defaults = {
      {"client.id", "eventmart-relay"},
      {"enable.idempotence", "true"},  // acks=all, in-order retries without duplicates
      {"message.timeout.ms", "0"},     // never give up: an outage delays, it doesn't drop
      {"linger.ms", "5"},
      {"batch.num.messages", "10000"},
      {"queue.buffering.max.messages", "1000000"},
      {"compression.type", "lz4"},
  };
  return defaults;
}

// A delivery report's opaque: the position, and whether it is the
// data-platform message of that position.
void* Opaque(GlobalPosition position, bool data_platform) {
  return reinterpret_cast<void*>(static_cast<std::uintptr_t>(position << 1 | (data_platform ? 1 : 0)));
}

std::int64_t WallMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

std::string_view Name(RelayState state) {
  switch (state) {
    case RelayState::kStopped: return "stopped";
    case RelayState::kRunning: return "running";
    case RelayState::kBackingOff: return "backing off";
    case RelayState::kFailed: return "failed";
  }
  return "unknown";
}

class KafkaRelay::Impl : public RdKafka::DeliveryReportCb, public RdKafka::EventCb {
 public:
  Impl(RocksEventStore& log, RelayOptions options, Histogram<12>& ack_lag)
      : log_(log), options_(std::move(options)), ack_lag_(ack_lag) {
    for (const auto& category : FeedCategories()) topics_[category] = FeedTopic(options_.kafka, category);
  }

  Result<void> Start() {
    auto producer = MakeProducer();
    if (!producer) return Fail(producer.error());
    producer_ = std::move(*producer);
    auto checkpoint = LoadCheckpoint();
    if (!checkpoint) return Fail(checkpoint.error());
    tracker_.Reset(*checkpoint);
    saved_ = *checkpoint;
    PublishCounters();
    SetState(RelayState::kRunning);
    spdlog::info("kafka relay: publishing from position {} to {}", *checkpoint + 1, options_.kafka.brokers);
    thread_ = std::thread([this] {
      pthread_setname_np(pthread_self(), "em-relay");
      Run();
    });
    return {};
  }

  void Stop(std::chrono::milliseconds drain) {
    drain_ = drain;
    stopping_.store(true);
    if (thread_.joinable()) thread_.join();
  }

  RelayStatus Status() const {
    RelayStatus s;
    s.position = position_.load();
    s.published = published_.load();
    s.head = log_.LastPosition();
    s.in_flight = in_flight_.load();
    s.events_delivered = events_delivered_.load();
    s.data_platform_delivered = data_platform_delivered_.load();
    s.delivery_errors = delivery_errors_.load();
    s.restarts = restarts_.load();
    std::lock_guard lock(mu_);
    s.state = state_;
    s.last_error = last_error_;
    return s;
  }

  // Copies and sorts up to 262,144 samples: only for who shows them.
  AckLagPercentiles RecentAckLag() const {
    std::vector<double> samples;
    {
      std::lock_guard lock(mu_);
      samples = lag_samples_;
    }
    AckLagPercentiles p;
    if (samples.empty()) return p;
    auto at = [&samples](double q) {
      auto k = static_cast<std::size_t>(q * static_cast<double>(samples.size() - 1));
      std::nth_element(samples.begin(), samples.begin() + static_cast<std::ptrdiff_t>(k), samples.end());
      return samples[k];
    };
    p.p50 = at(0.50);
    p.p99 = at(0.99);
    return p;
  }

  // Served by poll(), on the relay thread.
  void dr_cb(RdKafka::Message& message) override {
    auto opaque = reinterpret_cast<std::uintptr_t>(message.msg_opaque());
    GlobalPosition position = opaque >> 1;
    bool data_platform = (opaque & 1) != 0;
    if (message.err() == RdKafka::ERR__PURGE_QUEUE || message.err() == RdKafka::ERR__PURGE_INFLIGHT) return;
    if (message.err() != RdKafka::ERR_NO_ERROR) {
      delivery_errors_.fetch_add(1);
      Failed("delivery of position " + std::to_string(position) + " failed: " + message.errstr());
      return;
    }
    std::int64_t event_ms = tracker_.TimeOf(position);
    if (!tracker_.Acked(position)) return;  // from before a restart
    (data_platform ? data_platform_delivered_ : events_delivered_).fetch_add(1, std::memory_order_relaxed);
    backoff_ = std::chrono::milliseconds(100);
    if (!data_platform) ObserveLag(event_ms);
  }

  void event_cb(RdKafka::Event& event) override {
    if (event.type() != RdKafka::Event::EVENT_ERROR) return;
    if (event.fatal()) {
      Failed("fatal producer error: " + event.str());
      return;
    }
    // Transport errors while brokers are away repeat every second; say so
    // now and then, not every time.
    auto now = std::chrono::steady_clock::now();
    if (now - last_warning_ > std::chrono::seconds(10)) {
      last_warning_ = now;
      spdlog::warn("kafka relay: {} (retrying; {} messages waiting)", event.str(), tracker_.in_flight());
    }
    std::lock_guard lock(mu_);
    last_error_ = event.str();
  }

 private:
  Result<std::unique_ptr<RdKafka::Producer>> MakeProducer() {
    auto conf = MakeKafkaConf(options_.kafka, ProducerDefaults());
    if (!conf) return Fail(conf.error());
    std::string why;
    if ((*conf)->set("dr_cb", static_cast<RdKafka::DeliveryReportCb*>(this), why) != RdKafka::Conf::CONF_OK ||
        (*conf)->set("event_cb", static_cast<RdKafka::EventCb*>(this), why) != RdKafka::Conf::CONF_OK) {
      return Fail(KafkaErrc::kInvalidConfig, "kafka callbacks: " + why);
    }
    std::unique_ptr<RdKafka::Producer> producer(RdKafka::Producer::create(conf->get(), why));
    if (!producer) return Fail(KafkaErrc::kInvalidConfig, "kafka producer: " + why);
    return producer;
  }

  Result<GlobalPosition> LoadCheckpoint() {
    auto stored = log_.GetMeta(kRelayCheckpointKey);
    if (!stored) return Fail(stored.error());
    GlobalPosition checkpoint = 0;
    if (*stored) {
      const std::string& text = **stored;
      auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), checkpoint);
      if (ec != std::errc() || end != text.data() + text.size()) {
        return Fail(StoreErrc::kCorruption, "relay checkpoint '" + text + "'");
      }
    }
    if (checkpoint > log_.LastPosition()) {
      spdlog::warn("kafka relay: checkpoint {} is past the log's head {} (a restored store?); publishing from the head",
                   checkpoint, log_.LastPosition());
      checkpoint = log_.LastPosition();
    }
    return checkpoint;
  }

  void Run() {
    while (!stopping_.load()) {
      if (failed_) {
        Restart();
        continue;
      }
      producer_->poll(0);
      SaveCheckpoint(false);
      GlobalPosition next = tracker_.sent() + 1;
      bool full = tracker_.in_flight() >= options_.max_in_flight;
      if (full || next > log_.LastPosition()) {
        // Serve acks while waiting; with nothing in flight, sleep on the log.
        if (tracker_.in_flight() > 0) {
          producer_->poll(full ? 50 : 1);
        } else {
          log_.WaitForPosition(next, std::chrono::milliseconds(100));
        }
      } else {
        PublishRange(next, std::min(log_.LastPosition(), next + kScanBatch - 1));
      }
      PublishCounters();
    }
    Drain();
  }

  void PublishRange(GlobalPosition from, GlobalPosition to) {
    auto scanned = ScanEvents(log_, {.from = from, .to = to}, EveryEvent,
                              [&](const RecordedEventView& view, const DomainEvent& event) -> Result<ScanStep> {
      const auto* paid = std::get_if<OrderPaid>(&event);
      // Counted before producing: a delivery report may be served while a
      // full queue makes Produce poll.
      tracker_.Sent(view.position, paid ? 2 : 1, view.occurred_at_ms);
      event_json_.clear();
      AppendEventJson(view, event, &event_json_);
      if (!Produce(TopicOf(view.stream), view.stream, event_json_, view.occurred_at_ms, Opaque(view.position, false))) {
        return ScanStep::kStop;  // Produce has set the relay up for a restart
      }
      if (paid) {
        platform_json_.clear();
        AppendDataPlatformJson(view, *paid, &platform_json_);
        std::string key = std::to_string(paid->order_id);
        if (!Produce(options_.kafka.data_platform_topic, key, platform_json_, view.occurred_at_ms,
                     Opaque(view.position, true))) {
          return ScanStep::kStop;
        }
      }
      return ScanStep::kContinue;
    });
    if (!scanned) {
      // A log the relay cannot read is not something a retry fixes.
      std::string problem = "reading the log: " + scanned.error().Describe();
      spdlog::error("kafka relay stopped: {}", problem);
      SetState(RelayState::kFailed, problem);
      stopping_.store(true);
    }
  }

  bool Produce(const std::string& topic, std::string_view key, const std::string& value, std::int64_t timestamp,
               void* opaque) {
    for (;;) {
      auto err = producer_->produce(topic, RdKafka::Topic::PARTITION_UA, RdKafka::Producer::RK_MSG_COPY,
                                    const_cast<char*>(value.data()), value.size(), key.data(), key.size(),
                                    timestamp, opaque);
      if (err == RdKafka::ERR_NO_ERROR) return true;
      if (err != RdKafka::ERR__QUEUE_FULL || stopping_.load()) {
        Failed("produce to " + topic + ": " + RdKafka::err2str(err));
        return false;
      }
      producer_->poll(10);
    }
  }

  const std::string& TopicOf(std::string_view stream) {
    auto category = CategoryOf(stream);
    auto it = topics_.find(category);
    if (it == topics_.end()) it = topics_.emplace(std::string(category), FeedTopic(options_.kafka, category)).first;
    return it->second;
  }

  // Drops the producer and everything it holds, waits, and starts again
  // from the checkpoint: whatever was not acknowledged is sent again.
  void Restart() {
    restarts_.fetch_add(1);
    SetState(RelayState::kBackingOff);
    spdlog::warn("kafka relay: restarting from position {} in {} ms", tracker_.acked() + 1, backoff_.count());
    tracker_.Reset(tracker_.acked());
    producer_->purge(RdKafka::Producer::PURGE_QUEUE | RdKafka::Producer::PURGE_INFLIGHT);
    producer_->poll(0);
    producer_.reset();
    auto until = std::chrono::steady_clock::now() + backoff_;
    while (!stopping_.load() && std::chrono::steady_clock::now() < until) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    backoff_ = std::min(backoff_ * 2, options_.max_backoff);
    auto producer = MakeProducer();
    if (!producer) {  // the options were accepted at Start; this is not expected
      SetState(RelayState::kFailed, producer.error().Describe());
      stopping_.store(true);
      return;
    }
    producer_ = std::move(*producer);
    failed_ = false;
    SetState(RelayState::kRunning);
  }

  void Drain() {
    if (!producer_) return;
    auto until = std::chrono::steady_clock::now() + drain_;
    while (tracker_.in_flight() > 0 && !failed_ && std::chrono::steady_clock::now() < until) producer_->poll(10);
    SaveCheckpoint(true);
    PublishCounters();
    if (tracker_.in_flight() > 0) {
      spdlog::warn("kafka relay: stopping with {} messages unacknowledged; they are sent again on the next start",
                   tracker_.in_flight());
      producer_->purge(RdKafka::Producer::PURGE_QUEUE | RdKafka::Producer::PURGE_INFLIGHT);
      producer_->poll(0);
    }
    producer_.reset();
    std::lock_guard lock(mu_);
    if (state_ != RelayState::kFailed) state_ = RelayState::kStopped;
  }

  void SaveCheckpoint(bool force) {
    auto now = std::chrono::steady_clock::now();
    if (tracker_.acked() == saved_ || (!force && now - last_save_ < std::chrono::milliseconds(200))) return;
    if (auto saved = log_.PutMeta(kRelayCheckpointKey, std::to_string(tracker_.acked())); !saved) {
      spdlog::error("kafka relay: cannot save the checkpoint: {}", saved.error().Describe());
      return;
    }
    saved_ = tracker_.acked();
    last_save_ = now;
  }

  void Failed(const std::string& why) {
    if (!failed_) spdlog::error("kafka relay: {}", why);
    failed_ = true;
    std::lock_guard lock(mu_);
    last_error_ = why;
  }

  void ObserveLag(std::int64_t event_ms) {
    double seconds = static_cast<double>(std::max<std::int64_t>(0, WallMs() - event_ms)) / 1000.0;
    ack_lag_.Observe(seconds);
    std::lock_guard lock(mu_);
    if (lag_samples_.size() < kLagSamples) {
      lag_samples_.push_back(seconds);
    } else {
      lag_samples_[next_sample_] = seconds;
    }
    next_sample_ = (next_sample_ + 1) % kLagSamples;
  }

  void SetState(RelayState state, std::string error = {}) {
    std::lock_guard lock(mu_);
    state_ = state;
    if (!error.empty()) last_error_ = std::move(error);
  }

  void PublishCounters() {
    position_.store(tracker_.acked());
    published_.store(tracker_.sent());
    in_flight_.store(tracker_.in_flight());
  }

  RocksEventStore& log_;
  const RelayOptions options_;
  Histogram<12>& ack_lag_;
  std::thread thread_;
  std::atomic<bool> stopping_{false};
  std::chrono::milliseconds drain_{2000};

  // Relay thread only (librdkafka serves callbacks from poll() on it).
  std::unique_ptr<RdKafka::Producer> producer_;
  AckTracker tracker_;
  std::map<std::string, std::string, std::less<>> topics_;
  std::string event_json_;
  std::string platform_json_;
  GlobalPosition saved_ = 0;
  std::chrono::steady_clock::time_point last_save_{};
  std::chrono::steady_clock::time_point last_warning_{};
  std::chrono::milliseconds backoff_{100};
  bool failed_ = false;

  // Read by Status() from any thread.
  std::atomic<GlobalPosition> position_{0};
  std::atomic<GlobalPosition> published_{0};
  std::atomic<std::uint64_t> in_flight_{0};
  std::atomic<std::uint64_t> events_delivered_{0};
  std::atomic<std::uint64_t> data_platform_delivered_{0};
  std::atomic<std::uint64_t> delivery_errors_{0};
  std::atomic<std::uint64_t> restarts_{0};
  mutable std::mutex mu_;  // guards the strings and the lag samples
  RelayState state_ = RelayState::kStopped;
  std::string last_error_;
  std::vector<double> lag_samples_;
  std::size_t next_sample_ = 0;
};

KafkaRelay::KafkaRelay(RocksEventStore& log, RelayOptions options)
    : impl_(std::make_unique<Impl>(log, std::move(options), ack_lag_)) {}

KafkaRelay::~KafkaRelay() { Stop(std::chrono::milliseconds(0)); }

Result<void> KafkaRelay::Start() { return impl_->Start(); }
void KafkaRelay::Stop(std::chrono::milliseconds drain) { impl_->Stop(drain); }
RelayStatus KafkaRelay::Status() const { return impl_->Status(); }
AckLagPercentiles KafkaRelay::RecentAckLag() const { return impl_->RecentAckLag(); }

}  // namespace eventmart
