// eventstore/replicated_batch.h
// One commit group as it travels between cluster nodes: the position of its
// first event, the envelopes of its events (positions follow one another),
// and the idempotency records written with them. A follower re-derives the
// stream index from the envelopes, so its store ends up with the same
// records at the same positions as the leader's.
//   batch := varint first_position varint n (bytes envelope)*n
//            varint m (bytes command_id bytes command_record)*m
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "domain/result.h"
#include "eventstore/event_store.h"

namespace eventmart {

struct ReplicatedCommand {
  std::string_view id;
  std::string_view record;  // as stored in the commands family
};

struct ReplicatedBatchView {
  GlobalPosition first_position = 0;  // of envelopes[0]; the next free position when there is none
  std::vector<std::string_view> envelopes;
  std::vector<ReplicatedCommand> commands;
};

class ReplicatedBatchWriter {
 public:
  void Start(GlobalPosition first_position);
  void AddEnvelope(std::string_view envelope) { envelopes_.emplace_back(envelope); }
  void AddCommand(std::string_view id, std::string_view record) { commands_.emplace_back(id, record); }
  bool empty() const { return envelopes_.empty() && commands_.empty(); }
  std::string Finish() const;

 private:
  GlobalPosition first_ = 0;
  std::vector<std::string> envelopes_;
  std::vector<std::pair<std::string, std::string>> commands_;
};

// Views into `bytes`, which must outlive the result. kCorruption if the
// bytes are not a whole batch.
[[nodiscard]] Result<ReplicatedBatchView> DecodeReplicatedBatch(std::string_view bytes);

}  // namespace eventmart
