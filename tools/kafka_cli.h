// tools/kafka_cli.h
// The Kafka flags shared by serve, project, dev-kafka and bench relay.
#pragma once

#include <CLI/CLI.hpp>

#include <optional>

#include "eventstore/kafka/kafka_config.h"
#include "tools/verbs.h"

namespace eventmart::cli {

// Adds --kafka-brokers (required when `brokers_required`), --kafka-property
// (repeatable) and the topic-name flags to `cmd`.
void AddKafkaFlags(CLI::App* cmd, KafkaCliOptions* kafka, bool brokers_required);

// The flags as client options; prints a one-line usage error for a
// property that is not key=value.
std::optional<KafkaOptions> ToKafkaOptions(const KafkaCliOptions& flags, const char* verb);

}  // namespace eventmart::cli
