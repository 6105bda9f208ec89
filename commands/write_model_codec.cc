#include "commands/write_model_codec.h"

#include "eventstore/fields_codec.h"

namespace eventmart {
namespace {

using fields_internal::Reader;
using fields_internal::Writer;

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
  for (const auto& [id, entry] : table) {
    w.Write(id);
    w.Write(entry.version);
    w.Write(entry.state);
  }
}

template <class Table>
void ReadTable(Reader& r, const fields_internal::MemorySource& source, Table& table) {
  std::uint64_t n = 0;
  r.Read(n);
  // Every entry takes more than a byte, so a larger count is corrupt.
  if (n > source.remaining()) throw fields_internal::Corrupt{"table size past the end"};
  table.reserve(static_cast<std::size_t>(n));
  for (; n > 0; --n) {
    typename Table::key_type id{};
    typename Table::mapped_type entry{};
    r.Read(id);
    r.Read(entry.version);
    r.Read(entry.state);
    table.insert_or_assign(id, std::move(entry));
  }
}

}  // namespace

std::string WriteModelCodec::Encode(const Aggregates& model) {
  std::string out;
  fields_internal::StringSink sink(&out);
  std::ostream& stream = ThreadOutputStream(&sink);
  cereal::PortableBinaryOutputArchive ar(stream);
  Writer w(ar);
  EachId(model.last_ids_, [&](const auto& id) { w.Write(id); });
  std::apply([&](const auto&... table) { (WriteTable(w, table), ...); }, model.tables_);
  w.Write(model.subjects_);
  return out;
}

Result<Aggregates> WriteModelCodec::Decode(std::string_view bytes) {
  fields_internal::MemorySource source(bytes);
  std::istream& stream = ThreadInputStream(&source);
  Aggregates model;
  try {
    cereal::PortableBinaryInputArchive ar(stream);
    Reader r(ar, source, ~std::uint32_t{0});
    EachId(model.last_ids_, [&](auto& id) { r.Read(id); });
    std::apply([&](auto&... table) { (ReadTable(r, source, table), ...); }, model.tables_);
    r.Read(model.subjects_);
  } catch (const fields_internal::Corrupt& e) {
    return Fail(StoreErrc::kCorruption, std::string("write model: ") + e.what);
  } catch (const std::exception& e) {
    return Fail(StoreErrc::kCorruption, std::string("write model: ") + e.what());
  }
  if (source.remaining() != 0) return Fail(StoreErrc::kCorruption, "write model: trailing bytes");
  for (const auto& [id, order] : std::get<Aggregates::TableOf<OrderState>>(model.tables_)) {
    if (order.state.status == OrderStatus::kNotPaid) model.deadlines_.emplace(order.state.expires_at_ms, id);
  }
  for (const auto& [id, request] : std::get<Aggregates::TableOf<CouponRequestState>>(model.tables_)) {
    if (!request.state.decided) model.pending_requests_.insert(id);
  }
  return model;
}

}  // namespace eventmart
