#include "eventstore/kafka/kafka_config.h"

#include "domain/error_category.h"

#include <librdkafka/rdkafkacpp.h>

namespace eventmart {

const std::error_category& KafkaCategory() {
  static const CodeCategory<KafkaErrc> category("eventmart.kafka", {
      {KafkaErrc::kInvalidConfig, "invalid Kafka configuration"},
      {KafkaErrc::kClusterError, "Kafka cluster error"}});
  return category;
}

Result<std::pair<std::string, std::string>> ParseKafkaProperty(std::string_view text) {
  auto eq = text.find('=');
  if (eq == std::string_view::npos || eq == 0) {
    return Fail(KafkaErrc::kInvalidConfig, "a Kafka property is key=value, got '" + std::string(text) + "'");
  }
  return std::pair{std::string(text.substr(0, eq)), std::string(text.substr(eq + 1))};
}

const std::vector<std::string>& FeedCategories() {
  static const std::vector<std::string> categories = {"user", "account", "product", "coupon", "cart", "order",
                                                             "couponRequest"};
  return categories;
}

std::string FeedTopic(const KafkaOptions& options, std::string_view category) {
  return options.topic_prefix + std::string(category);
}

Result<std::unique_ptr<RdKafka::Conf>> MakeKafkaConf(
    const KafkaOptions& options, const std::vector<std::pair<std::string, std::string>>& defaults) {
  std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  auto set = [&conf](const std::string& key, const std::string& value) -> Result<void> {
    std::string why;
    if (conf->set(key, value, why) != RdKafka::Conf::CONF_OK) {
      return Fail(KafkaErrc::kInvalidConfig, "Kafka property " + key + ": " + why);
    }
    return {};
  };
  for (const auto& [key, value] : defaults) {
    if (auto ok = set(key, value); !ok) return Fail(ok.error());
  }
  if (auto ok = set("bootstrap.servers", options.brokers); !ok) return Fail(ok.error());
  for (const auto& [key, value] : options.properties) {
    if (auto ok = set(key, value); !ok) return Fail(ok.error());
  }
  return conf;
}

}  // namespace eventmart
