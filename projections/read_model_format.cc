#include "projections/read_model_format.h"

#include <rocksdb/write_batch.h>
#include <spdlog/spdlog.h>

#include "eventstore/envelope.h"
#include "projections/projector.h"

namespace eventmart {
namespace {

std::string Encoded(std::uint32_t format) {
  std::string out(4, '\0');
  for (int i = 0; i < 4; ++i) out[i] = static_cast<char>((format >> (8 * (3 - i))) & 0xff);
  return out;
}

}  // namespace

std::string FormatKey(std::string_view projection) { return "~format/" + std::string(projection); }

Result<std::uint32_t> StoredFormat(const ReadModelStore& views, std::string_view projection) {
  auto stored = views.Get(FormatKey(projection));
  if (!stored) return Fail(stored.error());
  if (!*stored || (*stored)->size() != 4) return std::uint32_t{0};
  std::uint32_t format = 0;
  for (unsigned char c : **stored) format = (format << 8) | c;
  return format;
}

Result<std::vector<std::string>> EnsureReadModelFormats(ReadModelStore& views,
                                                        const std::vector<std::unique_ptr<Projection>>& projections) {
  std::vector<std::string> dropped;
  rocksdb::WriteBatch formats;
  for (const auto& p : projections) {
    std::string name(p->name());
    auto stored = StoredFormat(views, name);
    if (!stored) return Fail(stored.error());
    if (*stored == p->format_version()) continue;
    auto checkpoint = views.Get(Projector::CheckpointKey(name));
    if (!checkpoint) return Fail(checkpoint.error());
    if (*checkpoint || *stored != 0) {
      spdlog::warn("read model {} was stored in format {}, this build's is {}: rebuilding it from the log", name,
                   *stored, p->format_version());
      if (auto gone = views.DropProjection(name); !gone) return Fail(gone.error());
      dropped.push_back(name);
    }
    formats.Put(FormatKey(name), Encoded(p->format_version()));
  }
  if (formats.Count() == 0) return dropped;
  if (auto written = views.Write(formats); !written) return Fail(written.error());
  return dropped;
}

}  // namespace eventmart
