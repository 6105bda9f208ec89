// eventstore/replicated_batch.h
// One commit group as it travels between cluster nodes: the position of its
// first event, the envelopes of its events (positions follow one another),
// and the idempotency records written with them. A follower re-derives the
// stream index from the envelopes, so its store ends up with the same
// records at the same positions as the leader's.
//   batch := varint first_position varint n (bytes envelope)*n
//            varint m (bytes command_id bytes command_record)*m
// In etcd first_position is at least 1, so a batch there never starts with
// a 0 byte (a page of idempotency records copied from a peer has 0, but it
// never goes through etcd).
//
// In etcd a batch is stored packed (PackReplicatedBatch): every byte there
// goes through base64, JSON, Raft and bbolt on each member, and a batch of
// envelopes shrinks ~6x with zstd.
//   packed := batch                                  (as written before packing existed)
//           | 0x00 format varint batch_size frame    (format 1: frame is one zstd frame of batch)
// A reader that meets a format it does not know refuses the batch
// (kCorruption naming the format) instead of guessing. A node from before
// packing refuses a packed batch too: decoded as a batch, its one
// "envelope" would be batch_size bytes long, and the frame is shorter.
#pragma once

#include <cstdint>
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
// bytes are not a whole batch (a packed one included: unpack it first).
[[nodiscard]] Result<ReplicatedBatchView> DecodeReplicatedBatch(std::string_view bytes);

enum class BatchPacking : std::uint8_t {
  kNone = 0,  // stored as is: what nodes before packing read
  kZstd = 1,
};

// The form a batch is stored in etcd. kNone returns it unchanged (for a
// rolling upgrade while older nodes still follow).
[[nodiscard]] std::string PackReplicatedBatch(std::string batch, BatchPacking packing);
// The batch a packed value holds (a batch that was never packed is returned
// as is). kCorruption if the format is unknown, the frame is damaged, or it
// does not hold exactly the size it names.
[[nodiscard]] Result<std::string> UnpackReplicatedBatch(std::string packed);

}  // namespace eventmart
