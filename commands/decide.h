// commands/decide.h
// Turns a command into events and a reply, against the write model.
// Pure apart from reading the model; the processor appends and applies.
#pragma once

#include <vector>

#include "commands/commands.h"
#include "commands/write_model.h"
#include "domain/result.h"

namespace eventmart {

struct DecideContext {
  TimeMs now_ms = 0;
  Money max_balance = kDefaultMaxBalance;
  TimeMs order_ttl_ms = 5 * 60 * 1000;
};

struct Decision {
  std::vector<DomainEvent> events;  // in append order; may span several streams
  Reply reply;
};

[[nodiscard]] Result<Decision> Decide(const WriteModel& model, const Command& command,
                                      const DecideContext& context);

}  // namespace eventmart
