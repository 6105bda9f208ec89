// A replicated batch as it is stored in etcd: packed with zstd (or not, for
// a rolling upgrade), and read back by any node whichever form it has.
// In memory only.
#include <catch2/catch.hpp>

#include <string>

#include "eventstore/replicated_batch.h"
#include "eventstore/store_errors.h"

using namespace eventmart;

namespace {

// A commit group shaped like an order+pay one: similar envelopes, one record each.
std::string OrderBatch(int orders) {
  ReplicatedBatchWriter writer;
  writer.Start(1001);
  for (int i = 0; i < orders; ++i) {
    std::string id = std::to_string(7000 + i);
    writer.AddEnvelope("order-" + id + " order.OrderPlaced v1 {user 42, product 3749, quantity 1, price 100}");
    writer.AddEnvelope("product-3749 product.StockReserved v1 {order " + id + ", quantity 1}");
    writer.AddEnvelope("order-" + id + " order.OrderPaid v1 {amount 100, points 100}");
    writer.AddCommand("idem/order-" + id, "201 {\"orderId\":" + id + ",\"status\":\"PAID\"}");
  }
  return writer.Finish();
}

void CheckCorruption(const Result<std::string>& r, const std::string& naming) {
  REQUIRE_FALSE(r);
  CHECK(r.error().code == make_error_code(StoreErrc::kCorruption));
  CHECK_THAT(r.error().detail, Catch::Contains(naming));
}

}  // namespace

TEST_CASE("Given a commit group, when it is packed with zstd and unpacked, then the bytes are the same and smaller in between",
          "[eventstore][cluster]") {
  std::string batch = OrderBatch(32);

  std::string packed = PackReplicatedBatch(batch, BatchPacking::kZstd);

  CHECK(packed.size() * 4 < batch.size());
  CHECK(packed.front() == '\0');
  auto unpacked = UnpackReplicatedBatch(packed);
  REQUIRE(unpacked);
  CHECK(*unpacked == batch);
  auto view = DecodeReplicatedBatch(*unpacked);
  REQUIRE(view);
  CHECK(view->first_position == 1001);
  CHECK(view->envelopes.size() == 96);
  CHECK(view->commands.size() == 32);
}

TEST_CASE("Given a batch stored unpacked (by an older leader or with packing none), when it is unpacked, then it is the batch",
          "[eventstore][cluster]") {
  std::string batch = OrderBatch(3);

  CHECK(PackReplicatedBatch(batch, BatchPacking::kNone) == batch);
  auto unpacked = UnpackReplicatedBatch(batch);
  REQUIRE(unpacked);
  CHECK(*unpacked == batch);
}

TEST_CASE("Given a batch too small to shrink, when it is packed, then it is stored as it is and still reads back",
          "[eventstore][cluster]") {
  ReplicatedBatchWriter writer;
  writer.Start(5);
  writer.AddCommand("k", "409");
  std::string batch = writer.Finish();

  std::string packed = PackReplicatedBatch(batch, BatchPacking::kZstd);

  CHECK(packed == batch);
  auto unpacked = UnpackReplicatedBatch(packed);
  REQUIRE(unpacked);
  CHECK(*unpacked == batch);
}

TEST_CASE("Given a damaged or foreign packed batch, when it is unpacked, then a corruption error names what is wrong",
          "[eventstore][cluster]") {
  std::string packed = PackReplicatedBatch(OrderBatch(32), BatchPacking::kZstd);
  REQUIRE(packed.size() > 40);

  SECTION("a format this version does not know") {
    std::string foreign = packed;
    foreign[1] = 7;
    CheckCorruption(UnpackReplicatedBatch(foreign), "unknown format 7");
  }
  SECTION("a frame cut short") {
    CheckCorruption(UnpackReplicatedBatch(packed.substr(0, packed.size() - 10)), "zstd");
  }
  SECTION("bytes changed inside the frame") {
    std::string damaged = packed;
    for (std::size_t i = 12; i < damaged.size(); i += 7) damaged[i] = static_cast<char>(damaged[i] ^ 0x5a);
    auto r = UnpackReplicatedBatch(damaged);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == make_error_code(StoreErrc::kCorruption));
  }
  SECTION("a size that is not what the frame holds") {
    std::string wrong = PackReplicatedBatch(OrderBatch(31), BatchPacking::kZstd);
    // The header of a batch of 32 orders on the frame of 31: the frame holds fewer bytes.
    std::size_t varint_end = 2;
    while (static_cast<unsigned char>(packed[varint_end]) & 0x80) ++varint_end;
    std::size_t wrong_end = 2;
    while (static_cast<unsigned char>(wrong[wrong_end]) & 0x80) ++wrong_end;
    std::string mixed = packed.substr(0, varint_end + 1) + wrong.substr(wrong_end + 1);
    CheckCorruption(UnpackReplicatedBatch(mixed), "does not hold");
  }
  SECTION("a size past any batch") {
    std::string huge = std::string("\0\x01", 2) + "\xff\xff\xff\xff\x0f" + packed.substr(5);
    CheckCorruption(UnpackReplicatedBatch(huge), "size");
  }
  SECTION("only the marker") {
    CheckCorruption(UnpackReplicatedBatch(std::string(1, '\0')), "header");
  }
  SECTION("a packed batch decoded without unpacking, as a node from before packing would") {
    auto view = DecodeReplicatedBatch(packed);
    REQUIRE_FALSE(view);
    CHECK(view.error().code == make_error_code(StoreErrc::kCorruption));
  }
}
