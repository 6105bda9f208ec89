// eventmart bench relay: publishes a whole store to Kafka through the relay
// (the same code serve runs) and times it until the broker has acknowledged
// every message; prints events_per_sec last. Without --kafka-brokers it
// starts librdkafka's mock cluster in this process. The relay's checkpoint
// in the store is reset first (the store must not be served meanwhile).
#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdio>
#include <thread>

#include "eventstore/kafka/relay.h"
#include "eventstore/rocks_event_store.h"
#include "tools/cli_util.h"
#include "tools/kafka_cli.h"
#include "tools/mock_kafka.h"
#include "tools/verbs.h"

namespace eventmart::cli {

int BenchRelay(const BenchRelayOptions& o) {
  auto kafka = ToKafkaOptions(o.kafka, "bench relay");
  if (!kafka) return kExitUsage;
  auto store = RocksEventStore::Open(o.data_dir + "/events");
  if (!store) {
    std::fprintf(stderr, "eventmart bench relay: %s\n", store.error().Describe().c_str());
    return kExitFailure;
  }
  std::unique_ptr<MockKafka> mock;
  if (kafka->brokers.empty()) {
    auto started = MockKafka::Start(3);
    if (!started) return kExitFailure;
    mock = std::move(*started);
    for (const auto& category : FeedCategories()) (void)mock->CreateTopic(FeedTopic(*kafka, category), o.partitions);
    (void)mock->CreateTopic(kafka->data_platform_topic, o.partitions);
    kafka->brokers = mock->bootstrap();
  }
  if (auto reset = (*store)->PutMeta(kRelayCheckpointKey, "0"); !reset) return kExitFailure;
  GlobalPosition head = (*store)->LastPosition();
  KafkaRelay relay(**store, {.kafka = *kafka});
  auto start = std::chrono::steady_clock::now();
  if (auto started = relay.Start(); !started) {
    std::fprintf(stderr, "eventmart bench relay: %s\n", started.error().Describe().c_str());
    return kExitUsage;
  }
  RelayStatus status;
  double seconds = 0;
  ProgressLine progress("relay: acknowledged", "events");
  for (;;) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    status = relay.Status();
    seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (status.position >= head || status.state == RelayState::kFailed) break;
    progress.Update(status.position, head,
                    static_cast<double>(status.position) / static_cast<double>(std::max<GlobalPosition>(head, 1)),
                    status.position);
  }
  relay.Stop();
  if (status.state == RelayState::kFailed) {
    std::fprintf(stderr, "eventmart bench relay: the relay failed: %s\n", status.last_error.c_str());
    return kExitFailure;
  }
  std::printf("events=%llu data_platform_messages=%llu seconds=%.3f brokers=%s\n",
              static_cast<unsigned long long>(head), static_cast<unsigned long long>(status.data_platform_delivered),
              seconds, mock ? "mock(3, in process)" : kafka->brokers.c_str());
  std::printf("events_per_sec=%.0f\n", static_cast<double>(head) / seconds);
  return kExitOk;
}

}  // namespace eventmart::cli
