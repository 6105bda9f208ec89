#include "commands/write_model_codec.h"

#include <algorithm>
#include <array>
#include <future>
#include <numeric>

#include "eventstore/fields_codec.h"

namespace eventmart {
namespace {

using fields_internal::Reader;
using fields_internal::Writer;

// Seven tables and the bound subjects (checked in Encode).
constexpr std::size_t kSections = 8;
// Below this, a second thread costs more than it saves.
constexpr std::size_t kParallelFrom = 256 << 10;

// The highest ids, in a fixed order.
template <class Ids, class Visit>
void EachId(Ids& ids, Visit&& visit) {
  visit(ids.user);
  visit(ids.product);
  visit(ids.option);
  visit(ids.coupon);
  visit(ids.user_coupon);
  visit(ids.order);
  visit(ids.payment);
  visit(ids.coupon_request);
}

template <class Table>
void WriteTable(Writer& w, const Table& table) {
  w.Write(static_cast<std::uint64_t>(table.size()));
  table.ForEach([&](auto id, const auto& entry) {
    w.Write(id);
    w.Write(entry.version);
    w.Write(entry.state);
  });
}

template <class Table>
void ReadTable(Reader& r, fields_internal::MemorySource& source, Table& table) {
  std::uint64_t n = 0;
  r.Read(n);
  // Every entry takes more than a byte, so a larger count is corrupt.
  if (n > source.remaining()) throw fields_internal::Corrupt{"table size past the end"};
  table.Reserve(static_cast<std::size_t>(n));
  for (; n > 0; --n) {
    typename Table::Id id{};
    typename Table::Entry entry{};
    r.Read(id);
    r.Read(entry.version);
    // A stream's first event is version 1: an entry below it was never written.
    if (entry.version == 0) throw fields_internal::Corrupt{"an entry at version 0"};
    r.Read(entry.state);
    table.Put(id, std::move(entry));
  }
}

// Writes through one archive into `out`.
template <class Write>
void Encoded(std::string* out, Write write) {
  fields_internal::StringSink sink(out);
  std::ostream& stream = ThreadOutputStream(&sink);
  cereal::PortableBinaryOutputArchive ar(stream);
  Writer w(ar);
  write(w);
}

// Reads `bytes` through one archive, which must consume them all.
template <class Read>
Result<void> Decoded(std::string_view bytes, Read read) {
  fields_internal::MemorySource source(bytes);
  std::istream& stream = ThreadInputStream(&source);
  try {
    cereal::PortableBinaryInputArchive ar(stream);
    Reader r(ar, source, ~std::uint32_t{0});
    read(r, source);
  } catch (const fields_internal::Corrupt& e) {
    return Fail(StoreErrc::kCorruption, std::string("write model: ") + e.what);
  } catch (const std::exception& e) {
    return Fail(StoreErrc::kCorruption, std::string("write model: ") + e.what());
  }
  if (source.remaining() != 0) return Fail(StoreErrc::kCorruption, "write model: trailing bytes");
  return {};
}

// Section i of the model: table i, or the bound subjects after the tables.
template <std::size_t I = 0, class Tables, class Subjects, class Visit>
void VisitSection(std::size_t i, Tables& tables, Subjects& subjects, Visit&& visit) {
  if constexpr (I < std::tuple_size_v<std::remove_const_t<Tables>>) {
    if (i == I) return visit(std::get<I>(tables), std::false_type{});
    return VisitSection<I + 1>(i, tables, subjects, visit);
  } else {
    visit(subjects, std::true_type{});
  }
}

// A section's entry count, its first field after cereal's endianness byte
// (0 for a section too short to hold one: it decodes as corrupt anyway).
std::uint64_t EntriesIn(std::string_view section) {
  if (section.size() < 9) return 0;
  std::uint64_t n = 0;
  for (int i = 8; i >= 1; --i) n = n << 8 | static_cast<std::uint8_t>(section[i]);
  return n;
}

// Sections split into two groups of about equal work, largest first. Work
// is counted in entries, not bytes: each entry costs its fields' reads and
// its put into a table whatever its size (a user is 16 bytes, an account 24,
// a product with its options several times that).
std::array<std::vector<std::size_t>, 2> Balanced(const std::array<std::string_view, kSections>& sections) {
  std::array<std::uint64_t, kSections> entries{};
  for (std::size_t i = 0; i < kSections; ++i) entries[i] = EntriesIn(sections[i]);
  std::array<std::size_t, kSections> order{};
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](auto a, auto b) { return entries[a] > entries[b]; });
  std::array<std::vector<std::size_t>, 2> groups;
  std::array<std::uint64_t, 2> work{};
  for (std::size_t i : order) {
    std::size_t lighter = work[0] <= work[1] ? 0 : 1;
    groups[lighter].push_back(i);
    work[lighter] += entries[i];
  }
  return groups;
}

std::string EncodeSections(const LastIds& ids, const auto& tables, const auto& subjects) {
  std::array<std::string, kSections> sections;
  for (std::size_t i = 0; i < kSections; ++i) {
    VisitSection(i, tables, subjects, [&](const auto& part, auto is_subjects) {
      Encoded(&sections[i], [&](Writer& w) {
        if constexpr (decltype(is_subjects)::value) {
          w.Write(part);
        } else {
          WriteTable(w, part);
        }
      });
    });
  }
  std::string out;
  Encoded(&out, [&](Writer& w) {
    EachId(ids, [&](const auto& id) { w.Write(id); });
    for (const auto& section : sections) w.Write(static_cast<std::uint64_t>(section.size()));
  });
  for (const auto& section : sections) out += section;
  return out;
}

}  // namespace

std::string WriteModelCodec::Encode(const Aggregates& model, std::uint32_t format) {
  static_assert(std::tuple_size_v<Aggregates::States> + 1 == kSections, "a section for each table");
  if (format == kWriteModelFormat) return EncodeSections(model.last_ids_, model.tables_, model.subjects_);
  std::string out;
  Encoded(&out, [&](Writer& w) {
    EachId(model.last_ids_, [&](const auto& id) { w.Write(id); });
    std::apply([&](const auto&... table) { (WriteTable(w, table), ...); }, model.tables_);
    w.Write(model.subjects_);
  });
  return out;
}

Result<Aggregates> WriteModelCodec::Decode(std::string_view bytes, std::uint32_t format) {
  if (format < kOldestWriteModelFormat || format > kWriteModelFormat) {
    return Fail(StoreErrc::kInvalidArgument, "write model: format " + std::to_string(format) + " is not read here");
  }
  Aggregates model;
  if (format == kOldestWriteModelFormat) {
    auto read = Decoded(bytes, [&](Reader& r, fields_internal::MemorySource& source) {
      EachId(model.last_ids_, [&](auto& id) { r.Read(id); });
      std::apply([&](auto&... table) { (ReadTable(r, source, table), ...); }, model.tables_);
      r.Read(model.subjects_);
    });
    if (!read) return Fail(read.error());
  } else {
    // The head: ids and section lengths, in an archive of its own.
    // cereal's endianness byte, eight ids, the section lengths: all fixed size.
    constexpr std::size_t kHeadBytes = 1 + 8 * 8 + kSections * 8;
    if (bytes.size() < kHeadBytes) return Fail(StoreErrc::kCorruption, "write model: truncated head");
    std::array<std::uint64_t, kSections> lengths{};
    auto head = Decoded(bytes.substr(0, kHeadBytes), [&](Reader& r, fields_internal::MemorySource&) {
      EachId(model.last_ids_, [&](auto& id) { r.Read(id); });
      for (auto& length : lengths) r.Read(length);
    });
    if (!head) return Fail(head.error());
    std::array<std::string_view, kSections> sections;
    std::string_view rest = bytes.substr(kHeadBytes);
    for (std::size_t i = 0; i < kSections; ++i) {
      if (lengths[i] > rest.size()) return Fail(StoreErrc::kCorruption, "write model: a section past the end");
      sections[i] = rest.substr(0, lengths[i]);
      rest.remove_prefix(lengths[i]);
    }
    if (!rest.empty()) return Fail(StoreErrc::kCorruption, "write model: trailing bytes");
    auto decode_group = [&](const std::vector<std::size_t>& group) -> Result<void> {
      for (std::size_t i : group) {
        Result<void> read;
        VisitSection(i, model.tables_, model.subjects_, [&](auto& part, auto is_subjects) {
          read = Decoded(sections[i], [&](Reader& r, fields_internal::MemorySource& source) {
            if constexpr (decltype(is_subjects)::value) {
              r.Read(part);
            } else {
              ReadTable(r, source, part);
            }
          });
        });
        if (!read) return read;
      }
      return {};
    };
    auto groups = Balanced(sections);
    // Each group fills its own tables; the model is not touched otherwise.
    std::future<Result<void>> other;
    if (bytes.size() >= kParallelFrom) other = std::async(std::launch::async, decode_group, std::cref(groups[1]));
    auto mine = decode_group(groups[0]);
    auto theirs = other.valid() ? other.get() : decode_group(groups[1]);
    if (!mine) return Fail(mine.error());
    if (!theirs) return Fail(theirs.error());
  }
  std::get<Aggregates::TableOf<OrderState>>(model.tables_).ForEach([&](OrderId id, const auto& order) {
    if (order.state.status == OrderStatus::kNotPaid) model.deadlines_.emplace(order.state.expires_at_ms, id);
  });
  std::get<Aggregates::TableOf<CouponRequestState>>(model.tables_).ForEach(
      [&](CouponRequestId id, const auto& request) {
        if (!request.state.decided) model.pending_requests_.insert(id);
      });
  return model;
}

}  // namespace eventmart
