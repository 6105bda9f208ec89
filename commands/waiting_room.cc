// The coupon waiting room's decider: every pending request, in log order,
// on the decider thread (so a request and a synchronous issue never race).
#include <spdlog/spdlog.h>

#include "commands/command_processor.h"

namespace eventmart {

void CommandProcessor::DecideWaitingRoom() {
  if (!model_.HasPendingCouponRequests()) return;
  for (CouponRequestId id : model_.PendingCouponRequests()) {
    Pending decision{DecideCouponRequest{id}, std::nullopt, nullptr, [id](Outcome outcome) {
      // Nobody waits on this answer: a failed append is logged here (the
      // store poisons itself; after a restart the request is pending again).
      if (!outcome.reply) {
        spdlog::error("waiting-room request {}: its decision was not recorded: {}", id.value(),
                      outcome.reply.error().Describe());
      }
    }};
    Process(decision);
  }
}

}  // namespace eventmart
