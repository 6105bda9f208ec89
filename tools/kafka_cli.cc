#include "tools/kafka_cli.h"

#include <cstdio>

namespace eventmart::cli {

void AddKafkaFlags(CLI::App* cmd, KafkaCliOptions* kafka, bool brokers_required) {
  auto* brokers = cmd->add_option("--kafka-brokers", kafka->brokers, "Kafka bootstrap servers, HOST:PORT[,HOST:PORT...]");
  if (brokers_required) brokers->required();
  cmd->add_option("--kafka-property", kafka->properties,
                  "A librdkafka property key=value (repeatable): acks, compression.type, security.protocol, sasl.*, ssl.*");
  cmd->add_option("--kafka-topic-prefix", kafka->topic_prefix, "Event topics are PREFIX<category>")->capture_default_str();
  cmd->add_option("--kafka-data-platform-topic", kafka->data_platform_topic, "Topic of the paid-order messages")
      ->capture_default_str();
}

std::optional<KafkaOptions> ToKafkaOptions(const KafkaCliOptions& flags, const char* verb) {
  KafkaOptions options{.brokers = flags.brokers,
                       .topic_prefix = flags.topic_prefix,
                       .data_platform_topic = flags.data_platform_topic};
  for (const auto& text : flags.properties) {
    auto property = ParseKafkaProperty(text);
    if (!property) {
      std::fprintf(stderr, "eventmart %s: --kafka-property: %s\n", verb, property.error().detail.c_str());
      return std::nullopt;
    }
    options.properties.push_back(std::move(*property));
  }
  return options;
}

}  // namespace eventmart::cli
