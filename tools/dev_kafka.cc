// eventmart dev-kafka: a Kafka stand-in for development and tests. Starts
// librdkafka's mock cluster on loopback, creates the feed topics, prints the
// bootstrap address on stdout, and runs until SIGINT/SIGTERM.
//   SIGUSR1 takes every broker down (a broker outage), SIGUSR2 brings them
//   back; each prints "brokers down" / "brokers up" once done.
#include <signal.h>
#include <spdlog/spdlog.h>

#include <cstdio>

#include "eventstore/kafka/kafka_config.h"
#include "tools/cli_util.h"
#include "tools/kafka_cli.h"
#include "tools/mock_kafka.h"
#include "tools/verbs.h"

namespace eventmart::cli {

int DevKafka(const DevKafkaOptions& options) {
  sigset_t signals;
  sigemptyset(&signals);
  for (int s : {SIGINT, SIGTERM, SIGUSR1, SIGUSR2}) sigaddset(&signals, s);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);  // before the cluster's threads start

  auto kafka = ToKafkaOptions(options.kafka, "dev-kafka");
  if (!kafka) return kExitUsage;
  auto mock = MockKafka::Start(options.brokers);
  if (!mock) {
    spdlog::error("{}", mock.error().Describe());
    return kExitFailure;
  }
  std::vector<std::string> topics;
  for (const auto& category : FeedCategories()) topics.push_back(FeedTopic(*kafka, category));
  topics.push_back(kafka->data_platform_topic);
  for (const auto& topic : topics) {
    if (auto made = (*mock)->CreateTopic(topic, options.partitions); !made) {
      spdlog::error("{}", made.error().Describe());
      return kExitFailure;
    }
  }
  std::printf("%s\n", (*mock)->bootstrap().c_str());
  std::fflush(stdout);
  spdlog::info("mock Kafka cluster: {} brokers, {} topics of {} partitions; SIGUSR1 takes the brokers down, SIGUSR2 "
               "brings them back; Ctrl-C stops (everything is forgotten)",
               options.brokers, topics.size(), options.partitions);
  for (;;) {
    int received = 0;
    sigwait(&signals, &received);
    if (received == SIGUSR1 || received == SIGUSR2) {
      (*mock)->SetBrokersUp(received == SIGUSR2);
      std::printf("brokers %s\n", received == SIGUSR2 ? "up" : "down");
      std::fflush(stdout);
      continue;
    }
    return kExitOk;
  }
}

}  // namespace eventmart::cli
