#include "cluster/replicated_fold.h"

#include "eventstore/codec.h"
#include "eventstore/envelope.h"
#include "eventstore/replicated_batch.h"

namespace eventmart {

Result<BatchEvents> DecodeBatchEvents(std::string_view batch) {
  auto view = DecodeReplicatedBatch(batch);
  if (!view) return Fail(view.error());
  BatchEvents events;
  events.reserve(view->envelopes.size());
  GlobalPosition position = view->first_position;
  for (std::string_view envelope : view->envelopes) {
    auto recorded = DecodeEnvelope(position++, envelope);
    if (!recorded) return Fail(recorded.error());
    auto event = DecodeEvent(*recorded);
    if (!event) return Fail(event.error());
    events.emplace_back(std::move(*event), recorded->version);
  }
  return events;
}

void FoldBatch(Aggregates& model, const BatchEvents& events) {
  for (const auto& [event, version] : events) model.Evolve(event, version);
  model.EvictFinished();
}

}  // namespace eventmart
