#include "eventstore/kafka/feed_replica.h"

#include <librdkafka/rdkafkacpp.h>
#include <pthread.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <charconv>
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "eventstore/event_json.h"
#include "eventstore/kafka/reorder_buffer.h"

namespace eventmart {
namespace {

constexpr std::size_t kApplyBatch = 4096;
constexpr int kDrainPerPoll = 10'000;

const std::vector<std::pair<std::string, std::string>>& ConsumerDefaults() {
  static const std::vector<std::pair<std::string, std::string>> defaults = {
      {"client.id", "eventmart-query"},
      // Partitions are assigned by hand and offsets kept beside the local
      // log; the group id only names this client to the brokers.
      {"group.id", "eventmart-query"},
      {"enable.auto.commit", "false"},
      {"enable.auto.offset.store", "false"},
      {"auto.offset.reset", "earliest"},
  };
  return defaults;
}

std::string OffsetKey(const std::string& topic, std::int32_t partition) {
  return "feed/offset/" + topic + "/" + std::to_string(partition);
}

// Waits for a run of async appends, checking each lands at its position.
class AppendWaiter {
 public:
  explicit AppendWaiter(std::size_t count) : left_(count) {}

  AppendCallback For(GlobalPosition expected) {
    return [this, expected](Result<AppendResult> r) {
      std::lock_guard lock(mu_);
      if (error_.empty() && !r) error_ = "append of position " + std::to_string(expected) + ": " + r.error().Describe();
      if (error_.empty() && r->first_position != expected) {
        error_ = "position " + std::to_string(expected) + " landed at " + std::to_string(r->first_position) +
                 " (the local log was written by something else)";
      }
      if (--left_ == 0) cv_.notify_all();
    };
  }

  std::string Wait() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [this] { return left_ == 0; });
    return error_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::size_t left_;
  std::string error_;
};

}  // namespace

std::string_view Name(FeedState state) {
  switch (state) {
    case FeedState::kStopped: return "stopped";
    case FeedState::kRunning: return "running";
    case FeedState::kFailed: return "failed";
  }
  return "unknown";
}

class FeedReplica::Impl {
 public:
  Impl(RocksEventStore& log, FeedOptions options) : log_(log), options_(std::move(options)) {}

  Result<void> Start() {
    auto conf = MakeKafkaConf(options_.kafka, ConsumerDefaults());
    if (!conf) return Fail(conf.error());
    std::string why;
    consumer_.reset(RdKafka::KafkaConsumer::create(conf->get(), why));
    if (!consumer_) return Fail(KafkaErrc::kInvalidConfig, "kafka consumer: " + why);
    for (const auto& category : FeedCategories()) topics_.insert(FeedTopic(options_.kafka, category));
    buffer_ = ReorderBuffer(log_.LastPosition());
    SetState(FeedState::kRunning);
    spdlog::info("feed: replicating from position {} via {}", buffer_.released() + 1, options_.kafka.brokers);
    thread_ = std::thread([this] {
      pthread_setname_np(pthread_self(), "em-feed");
      Run();
    });
    return {};
  }

  void Stop() {
    stopping_.store(true);
    if (thread_.joinable()) thread_.join();
    if (consumer_) {
      consumer_->close();
      consumer_.reset();
    }
  }

  FeedStatus Status() const {
    std::lock_guard lock(mu_);
    FeedStatus s = status_;
    s.position = log_.LastPosition();
    return s;
  }

 private:
  struct Partition {
    std::string topic;
    std::int32_t number = 0;
    std::int64_t next_offset = RdKafka::Topic::OFFSET_BEGINNING;  // the next one to read
    std::set<std::int64_t> pending;  // offsets read but not yet durable here
    std::int64_t saved_offset = -1;
    GlobalPosition newest = 0;       // highest position buffered from it
    bool paused = false;
    // The offset to resume from after a restart.
    std::int64_t SafeOffset() const { return pending.empty() ? next_offset : *pending.begin(); }
  };

  void Run() {
    while (!stopping_.load()) {
      Discover();
      Consume(50);
      for (int i = 0; i < kDrainPerPoll && Consume(0); ++i) {
      }
      if (!Apply()) return;
      Throttle();
      PublishStatus();
    }
    SetState(FeedState::kStopped);
  }

  // Reads one message; false when none was waiting.
  bool Consume(int timeout_ms) {
    std::unique_ptr<RdKafka::Message> m(consumer_->consume(timeout_ms));
    switch (m->err()) {
      case RdKafka::ERR_NO_ERROR:
        Accept(*m);
        return true;
      case RdKafka::ERR__TIMED_OUT:
        return false;
      case RdKafka::ERR__PARTITION_EOF:
        return true;
      default:
        Warn("kafka: " + m->errstr());
        return false;
    }
  }

  void Accept(RdKafka::Message& m) {
    auto found = index_.find({m.topic_name(), m.partition()});
    if (found == index_.end()) return;  // from an assignment we replaced
    Partition& part = parts_[found->second];
    part.next_offset = m.offset() + 1;
    ++received_;
    auto event = ParseEventJson(std::string_view(static_cast<const char*>(m.payload()), m.len()));
    if (!event) {
      ++rejected_;
      Warn(part.topic + "/" + std::to_string(part.number) + " offset " + std::to_string(m.offset()) +
           " is not an event line: " + event.error().Describe());
      return;
    }
    GlobalPosition position = event->position;
    if (!buffer_.Add({std::move(*event), found->second, m.offset()})) {
      ++duplicates_;
      return;
    }
    part.pending.insert(m.offset());
    part.newest = std::max(part.newest, position);
  }

  // Appends the run that continues the local log; false if the log refuses.
  bool Apply() {
    for (;;) {
      auto run = buffer_.TakeRun(kApplyBatch);
      if (run.empty()) return true;
      AppendWaiter waiter(run.size());
      for (auto& entry : run) {
        GlobalPosition position = entry.event.position;
        StreamAppend append{.stream = entry.event.stream,
                            .expected = ExpectedVersion::Exactly(entry.event.version - 1),
                            .events = {std::move(entry.event.record)}};
        log_.AppendAsync(AppendRequest{.streams = {std::move(append)}}, waiter.For(position));
      }
      if (auto error = waiter.Wait(); !error.empty()) {
        spdlog::error("feed stopped: {}", error);
        std::lock_guard lock(mu_);
        status_.state = FeedState::kFailed;
        status_.last_error = error;
        return false;
      }
      for (const auto& entry : run) parts_[entry.partition].pending.erase(entry.offset);
      SaveOffsets();
    }
  }

  void SaveOffsets() {
    for (auto& part : parts_) {
      std::int64_t safe = part.SafeOffset();
      if (safe < 0 || safe == part.saved_offset) continue;
      if (auto saved = log_.PutMeta(OffsetKey(part.topic, part.number), std::to_string(safe)); !saved) {
        Warn("cannot save the offset of " + part.topic + ": " + saved.error().Describe());
        continue;
      }
      part.saved_offset = safe;
    }
  }

  // Finds feed topics and partitions that appeared since the last look.
  void Discover() {
    auto now = std::chrono::steady_clock::now();
    auto every = found_topics_ < topics_.size() ? std::chrono::seconds(1) : std::chrono::seconds(10);
    if (now - last_discovery_ < every) return;
    last_discovery_ = now;
    RdKafka::Metadata* raw = nullptr;
    if (auto err = consumer_->metadata(true, nullptr, &raw, 2000); err != RdKafka::ERR_NO_ERROR) {
      Warn("kafka metadata: " + RdKafka::err2str(err));
      return;
    }
    std::unique_ptr<RdKafka::Metadata> metadata(raw);
    bool added = false;
    found_topics_ = 0;
    for (const auto* topic : *metadata->topics()) {
      if (!topics_.contains(topic->topic()) || topic->err() != RdKafka::ERR_NO_ERROR) continue;
      ++found_topics_;
      for (const auto* partition : *topic->partitions()) {
        if (index_.contains({topic->topic(), partition->id()})) continue;
        AddPartition(topic->topic(), partition->id());
        added = true;
      }
    }
    if (added) Assign();
  }

  void AddPartition(const std::string& topic, std::int32_t number) {
    Partition part{.topic = topic, .number = number};
    if (auto stored = log_.GetMeta(OffsetKey(topic, number)); stored && *stored) {
      std::int64_t offset = 0;
      const std::string& text = **stored;
      if (std::from_chars(text.data(), text.data() + text.size(), offset).ec == std::errc()) {
        part.next_offset = offset;
        part.saved_offset = offset;
      }
    }
    index_.emplace(std::pair{topic, number}, parts_.size());
    parts_.push_back(std::move(part));
  }

  void Assign() {
    std::vector<RdKafka::TopicPartition*> list;
    for (const auto& part : parts_) {
      list.push_back(RdKafka::TopicPartition::create(part.topic, part.number, part.next_offset));
    }
    if (auto err = consumer_->assign(list); err != RdKafka::ERR_NO_ERROR) {
      Warn("kafka assign: " + RdKafka::err2str(err));
    }
    // Whatever a partition's pause state was, it reads again from here.
    if (auto err = consumer_->resume(list); err != RdKafka::ERR_NO_ERROR) Warn("kafka resume: " + RdKafka::err2str(err));
    RdKafka::TopicPartition::destroy(list);
    for (auto& part : parts_) part.paused = false;
    spdlog::info("feed: reading {} partitions of {} topics", parts_.size(), found_topics_);
  }

  // Pauses partitions far ahead of a gap while too much waits in memory,
  // and resumes a partition as soon as it is no longer ahead. That second
  // rule is what makes progress certain: positions grow with offsets in a
  // partition, so the one holding the next position has delivered nothing
  // past it, is never "ahead", and so is never left paused.
  void Throttle() {
    std::size_t waiting = buffer_.size();
    peak_waiting_ = std::max(peak_waiting_, waiting);
    std::vector<RdKafka::TopicPartition*> to_pause, to_resume;
    for (auto& part : parts_) {
      bool ahead = part.newest > buffer_.released() + options_.max_buffered / 2;
      if (!part.paused && ahead && waiting > options_.max_buffered) {
        part.paused = true;
        to_pause.push_back(RdKafka::TopicPartition::create(part.topic, part.number));
      } else if (part.paused && (!ahead || waiting < options_.max_buffered / 4)) {
        part.paused = false;
        to_resume.push_back(RdKafka::TopicPartition::create(part.topic, part.number));
      }
    }
    if (!to_pause.empty()) consumer_->pause(to_pause);
    if (!to_resume.empty()) consumer_->resume(to_resume);
    paused_ += to_pause.size();
    RdKafka::TopicPartition::destroy(to_pause);
    RdKafka::TopicPartition::destroy(to_resume);
  }

  void PublishStatus() {
    std::int64_t lag = parts_.empty() ? -1 : 0;
    for (const auto& part : parts_) {
      std::int64_t low = 0, high = 0;
      // Cached from fetch responses: no request to the brokers here.
      if (consumer_->get_watermark_offsets(part.topic, part.number, &low, &high) != RdKafka::ERR_NO_ERROR ||
          high < 0) {
        lag = -1;
        break;
      }
      // Nothing read yet from a partition that has messages: count them all.
      lag += part.next_offset < 0 ? high : std::max<std::int64_t>(0, high - part.next_offset);
    }
    std::lock_guard lock(mu_);
    status_.buffered = buffer_.size();
    status_.received = received_;
    status_.duplicates = duplicates_;
    status_.rejected = rejected_;
    status_.partitions = parts_.size();
    status_.pauses = paused_;
    status_.peak_buffered = peak_waiting_;
    status_.kafka_lag = lag;
    status_.caught_up = lag == 0 && buffer_.size() == 0;
  }

  void Warn(const std::string& what) {
    auto now = std::chrono::steady_clock::now();
    if (now - last_warning_ > std::chrono::seconds(10)) {
      last_warning_ = now;
      spdlog::warn("feed: {}", what);
    }
    std::lock_guard lock(mu_);
    status_.last_error = what;
  }

  void SetState(FeedState state) {
    std::lock_guard lock(mu_);
    if (status_.state != FeedState::kFailed) status_.state = state;
  }

  RocksEventStore& log_;
  const FeedOptions options_;
  std::unique_ptr<RdKafka::KafkaConsumer> consumer_;
  std::thread thread_;
  std::atomic<bool> stopping_{false};

  // Consumer thread only.
  std::set<std::string> topics_;
  std::size_t found_topics_ = 0;
  std::vector<Partition> parts_;
  std::map<std::pair<std::string, std::int32_t>, std::size_t> index_;
  ReorderBuffer buffer_;
  std::uint64_t received_ = 0;
  std::uint64_t duplicates_ = 0;
  std::uint64_t rejected_ = 0;
  std::uint64_t paused_ = 0;  // times a partition was paused
  std::size_t peak_waiting_ = 0;  // the most events ever waiting at a throttle check
  std::chrono::steady_clock::time_point last_discovery_{};
  std::chrono::steady_clock::time_point last_warning_{};

  mutable std::mutex mu_;
  FeedStatus status_;
};

FeedReplica::FeedReplica(RocksEventStore& log, FeedOptions options)
    : impl_(std::make_unique<Impl>(log, std::move(options))) {}
FeedReplica::~FeedReplica() { impl_->Stop(); }
Result<void> FeedReplica::Start() { return impl_->Start(); }
void FeedReplica::Stop() { impl_->Stop(); }
FeedStatus FeedReplica::Status() const { return impl_->Status(); }

}  // namespace eventmart
