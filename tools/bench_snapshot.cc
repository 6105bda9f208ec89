// eventmart bench snapshot: reads the newest write-model snapshot of a store
// and decodes it, several times, timing each step; prints the median decode
// last. What a start spends on its snapshot, without the stores' opening
// beside it.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <vector>

#include "commands/snapshot_files.h"
#include "commands/write_model_codec.h"
#include "tools/cli_util.h"
#include "tools/verbs.h"

namespace eventmart::cli {
namespace {

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int BenchSnapshot(const BenchSnapshotOptions& o) {
  SnapshotFiles files(o.data_dir + "/snapshots");
  auto listed = files.List();
  if (!listed) {
    std::fprintf(stderr, "eventmart bench snapshot: %s\n", listed.error().Describe().c_str());
    return kExitFailure;
  }
  if (listed->empty()) {
    std::fprintf(stderr, "eventmart bench snapshot: no snapshot in %s\n", files.dir().c_str());
    return kExitFailure;
  }
  const SnapshotInfo& newest = listed->front();
  std::vector<double> reads, decodes;
  for (int run = 1; run <= o.runs; ++run) {
    auto start = std::chrono::steady_clock::now();
    auto contents = files.Read(newest, {kOldestWriteModelFormat, kWriteModelFormat});
    if (!contents) {
      std::fprintf(stderr, "eventmart bench snapshot: %s\n", contents.error().Describe().c_str());
      return kExitFailure;
    }
    reads.push_back(SecondsSince(start));
    start = std::chrono::steady_clock::now();
    auto model = WriteModelCodec::Decode(contents->payload, contents->format);
    decodes.push_back(SecondsSince(start));
    if (!model) {
      std::fprintf(stderr, "eventmart bench snapshot: %s\n", model.error().Describe().c_str());
      return kExitFailure;
    }
    auto counts = model->Counts();
    std::printf("run %d: read %.4f s, decoded %.4f s (format %u, %llu bytes, %zu users, %zu accounts, %zu products, "
                "%zu coupon holders, %zu orders)\n",
                run, reads.back(), decodes.back(), contents->format,
                static_cast<unsigned long long>(newest.bytes), counts.users, counts.accounts, counts.products,
                counts.coupon_holders, counts.orders);
  }
  std::printf("read_median_seconds=%.4f\n", Median(reads));
  std::printf("decode_median_seconds=%.4f\n", Median(decodes));
  return kExitOk;
}

}  // namespace eventmart::cli
