#include "projections/balance_projection.h"

#include "eventstore/coding.h"
#include "eventstore/envelope.h"
#include "projections/keys.h"

namespace eventmart {
namespace {

using keys::Tagged;

std::string HistoryKey(UserId user, GlobalPosition position) {
  return Tagged('h', user, static_cast<std::int64_t>(position));
}

std::string SubjectKey(const std::string& issuer, const std::string& subject) {
  std::string key(1, 's');
  PutFixed64BE(&key, issuer.size());
  return key.append(issuer).append(subject);
}

std::string EncodeMoney(Money m) {
  std::string out;
  PutFixed64BE(&out, static_cast<std::uint64_t>(m));
  return out;
}

// entry := type(1) varint amount varint balance_after varint order_id varint occurred_at
std::string EncodeEntry(const HistoryEntry& e) {
  std::string out(1, static_cast<char>(e.type));
  coding::PutVarint(&out, static_cast<std::uint64_t>(e.amount));
  coding::PutVarint(&out, static_cast<std::uint64_t>(e.balance_after));
  coding::PutVarint(&out, static_cast<std::uint64_t>(e.order_id));
  coding::PutVarint(&out, static_cast<std::uint64_t>(e.occurred_at_ms));
  return out;
}

std::optional<HistoryEntry> DecodeEntry(std::string_view bytes, GlobalPosition position) {
  if (bytes.empty() || static_cast<unsigned char>(bytes[0]) > 1) return std::nullopt;
  HistoryEntry e;
  e.type = static_cast<HistoryType>(bytes[0]);
  e.position = position;
  coding::Reader in(bytes.substr(1));
  std::uint64_t amount, balance, order, at;
  if (!in.Varint(&amount) || !in.Varint(&balance) || !in.Varint(&order) || !in.Varint(&at)) {
    return std::nullopt;
  }
  e.amount = static_cast<Money>(amount);
  e.balance_after = static_cast<Money>(balance);
  e.order_id = static_cast<std::int64_t>(order);
  e.occurred_at_ms = static_cast<TimeMs>(at);
  return e;
}

}  // namespace

namespace {

struct BalanceFolder {
  const RecordedEventView& view;
  ReadModelWriter& out;
  void operator()(const UserRegistered& e) {
    out.Put(Tagged('u', e.user_id), e.name);
    out.Put(Tagged('b', e.user_id), EncodeMoney(0));
    if (!e.subject.empty()) out.Put(SubjectKey(e.issuer, e.subject), EncodeMoney(e.user_id.value()));
  }
  void operator()(const PointsCharged& e) {
    out.Put(Tagged('b', e.user_id), EncodeMoney(e.balance_after));
    out.Put(HistoryKey(e.user_id, view.position),
            EncodeEntry({.type = HistoryType::kCharge, .amount = e.amount,
                         .balance_after = e.balance_after, .order_id = 0,
                         .occurred_at_ms = view.occurred_at_ms, .position = view.position}));
  }
  void operator()(const PointsSpent& e) {
    out.Put(Tagged('b', e.user_id), EncodeMoney(e.balance_after));
    out.Put(HistoryKey(e.user_id, view.position),
            EncodeEntry({.type = HistoryType::kPayment, .amount = e.amount, .balance_after = e.balance_after,
                         .order_id = e.order_id, .occurred_at_ms = view.occurred_at_ms, .position = view.position}));
  }
  void operator()(const auto&) {}  // not about balances
};

}  // namespace

Result<void> BalanceProjection::Apply(const RecordedEventView& view, const DomainEvent& event,
                                      ReadModelWriter& out) {
  std::visit(BalanceFolder{view, out}, event);  // writes only: nothing stored is read
  return {};
}

Result<std::optional<std::string>> BalanceQueries::UserName(UserId user) const {
  return reader_.Get(Tagged('u', user));
}

Result<std::optional<Money>> BalanceQueries::Balance(UserId user) const {
  std::string key = Tagged('b', user);
  auto value = reader_.Get(key);
  if (!value) return Fail(value.error());
  if (!*value) return std::optional<Money>();
  if ((*value)->size() != 8) return CorruptRecord(reader_.prefix(), key, "balance");
  return std::optional<Money>(static_cast<Money>(DecodeFixed64BE((*value)->data())));
}

Result<std::optional<UserId>> BalanceQueries::UserBySubject(const Subject& subject) const {
  std::string key = SubjectKey(subject.issuer, subject.subject);
  auto value = reader_.Get(key);
  if (!value) return Fail(value.error());
  if (!*value) return std::optional<UserId>();
  if ((*value)->size() != 8) return CorruptRecord(reader_.prefix(), key, "subject");
  return std::optional<UserId>(static_cast<std::int64_t>(DecodeFixed64BE((*value)->data())));
}

Result<HistoryPage> BalanceQueries::History(UserId user, std::size_t limit, GlobalPosition before) const {
  HistoryPage page;
  std::string prefix = Tagged('h', user);
  std::string start = HistoryKey(user, before == 0 ? ~GlobalPosition{0} : before - 1);
  auto scanned = reader_.Scan(prefix, start, /*reverse=*/true,
                              [&](std::string_view key, std::string_view value) -> Result<bool> {
    if (key.size() != prefix.size() + 8) return CorruptRecord(reader_.prefix(), key, "history key");
    GlobalPosition position = DecodeFixed64BE(key.data() + prefix.size());
    if (page.items.size() == limit) {
      page.next = page.items.back().position;  // there is at least one more
      return false;
    }
    auto entry = DecodeEntry(value, position);
    if (!entry) return CorruptRecord(reader_.prefix(), key, "history entry");
    page.items.push_back(*entry);
    return true;
  });
  if (!scanned) return Fail(scanned.error());
  return page;
}

}  // namespace eventmart
