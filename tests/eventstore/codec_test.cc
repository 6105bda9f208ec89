#include "eventstore/codec.h"

#include <catch2/catch.hpp>

#include "eventstore/envelope.h"
#include "eventstore/store_errors.h"

using namespace eventmart;

namespace {

std::string Hex(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 15]);
  }
  return out;
}

std::string Unhex(std::string_view hex) {
  std::string out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) out.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  return out;
}

}  // namespace

TEST_CASE("Events round-trip through the binary codec", "[eventstore][codec]") {
  DomainEvent original = PointsCharged{.user_id = 42, .amount = 1500, .balance_after = 9000};
  auto record = EncodeEvent(original, {.id = NewEventId(1), .occurred_at_ms = 5});
  CHECK(record.type == "account.PointsCharged");
  CHECK(record.schema_version == 1);
  auto decoded = DecodeEvent(record.type, record.schema_version, record.body);
  REQUIRE(decoded);
  auto& charged = std::get<PointsCharged>(*decoded);
  CHECK(charged.user_id == 42);
  CHECK(charged.amount == 1500);
  CHECK(charged.balance_after == 9000);

  auto user = EncodeEvent(UserRegistered{.user_id = 9, .name = "김철수"}, {});
  auto back = DecodeEvent(user.type, user.schema_version, user.body);
  REQUIRE(back);
  CHECK(std::get<UserRegistered>(*back).name == "김철수");
}

TEST_CASE("Bytes written by schema v1 still decode", "[eventstore][codec][compat]") {
  // Frozen encodings: if these fail, stored logs would no longer load.
  auto charged = EncodeEvent(PointsCharged{.user_id = 42, .amount = 1500, .balance_after = 9000}, {});
  CHECK(Hex(charged.body) == "012a00000000000000dc050000000000002823000000000000");
  auto decoded = DecodeEvent("account.PointsCharged", 1, Unhex("012a00000000000000dc050000000000002823000000000000"));
  REQUIRE(decoded);
  CHECK(std::get<PointsCharged>(*decoded).balance_after == 9000);
  auto user = DecodeEvent("user.UserRegistered", 1, Unhex("0109000000000000000300000000000000" "6b696d"));
  REQUIRE(user);
  CHECK(std::get<UserRegistered>(*user).name == "kim");
  CHECK(std::get<UserRegistered>(*user).subject.empty());  // v2's identity: absent, so none
  // v2 (a user bound to a token subject) appends issuer and subject.
  auto bound = EncodeEvent(UserRegistered{.user_id = 9, .name = "kim", .issuer = "i", .subject = "s"}, {});
  CHECK(bound.schema_version == 2);
  CHECK(Hex(bound.body) == "0109000000000000000300000000000000" "6b696d" "0100000000000000" "69" "0100000000000000" "73");
}

TEST_CASE("Bytes in the other byte order still decode", "[eventstore][codec][compat]") {
  // cereal's portable archive writes the writer's byte order and says which
  // in its first byte; numbers in this machine's order are read as they
  // are, the others through cereal, which swaps them.
  // PointsCharged{42, 1500, 9000} as a big-endian machine writes it.
  auto big = Unhex("00" "000000000000002a" "00000000000005dc" "0000000000002328");
  auto decoded = DecodeEvent("account.PointsCharged", 1, big);
  REQUIRE(decoded);
  auto& charged = std::get<PointsCharged>(*decoded);
  CHECK(charged.user_id == 42);
  CHECK(charged.amount == 1500);
  CHECK(charged.balance_after == 9000);
  auto user = DecodeEvent("user.UserRegistered", 1, Unhex("00" "0000000000000009" "0000000000000003" "6b696d"));
  REQUIRE(user);
  CHECK(std::get<UserRegistered>(*user).user_id == 9);
  CHECK(std::get<UserRegistered>(*user).name == "kim");
  // Cut short, it is refused as in this machine's order.
  auto cut = DecodeEvent("account.PointsCharged", 1, big.substr(0, big.size() - 1));
  REQUIRE_FALSE(cut);
  CHECK(cut.error().code == StoreErrc::kCorruption);
}

TEST_CASE("Corrupt or unknown bodies are errors, not crashes", "[eventstore][codec]") {
  auto record = EncodeEvent(UserRegistered{.user_id = 1, .name = "kim"}, {});
  SECTION("unknown type") {
    auto r = DecodeEvent("account.Teleported", 1, record.body);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == StoreErrc::kUnknownEventType);
  }
  SECTION("a schema version from the future") {
    auto r = DecodeEvent(record.type, 99, record.body);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == StoreErrc::kUnsupportedVersion);
  }
  SECTION("every truncation") {
    for (std::size_t n = 0; n < record.body.size(); ++n) {
      auto r = DecodeEvent(record.type, record.schema_version, std::string_view(record.body).substr(0, n));
      REQUIRE_FALSE(r);
      CHECK(r.error().code == StoreErrc::kCorruption);
    }
  }
  SECTION("a string length far past the end") {
    std::string body = record.body;
    body[9] = '\xff';
    body[10] = '\xff';
    body[16] = '\x7f';
    auto r = DecodeEvent(record.type, 1, body);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == StoreErrc::kCorruption);
  }
  SECTION("trailing garbage") {
    auto r = DecodeEvent(record.type, record.schema_version, record.body + "xx");
    REQUIRE_FALSE(r);
    CHECK(r.error().code == StoreErrc::kCorruption);
  }
}

TEST_CASE("Envelopes round-trip and reject damage", "[eventstore][envelope]") {
  EventRecord record{.id = NewEventId(1234), .type = "user.UserRegistered", .schema_version = 1,
                     .occurred_at_ms = 1'700'000'000'123, .correlation_id = "req-1", .causation_id = "RegisterUser",
                     .body = "body-bytes"};
  std::string value;
  EncodeEnvelope("user-7", 3, record, &value);
  auto view = DecodeEnvelope(99, value);
  REQUIRE(view);
  CHECK(view->stream == "user-7");
  CHECK(view->version == 3);
  CHECK(view->position == 99);
  CHECK(view->type == "user.UserRegistered");
  CHECK(view->occurred_at_ms == 1'700'000'000'123);
  CHECK(view->correlation_id == "req-1");
  CHECK(view->causation_id == "RegisterUser");
  CHECK(view->body == "body-bytes");
  CHECK(view->id == record.id);
  for (std::size_t n = 0; n < value.size(); ++n) {
    auto cut = DecodeEnvelope(99, std::string_view(value).substr(0, n));
    REQUIRE_FALSE(cut);
    CHECK(cut.error().code == StoreErrc::kCorruption);
  }
  CHECK_FALSE(DecodeEnvelope(1, "garbage that is not an envelope"));
}

TEST_CASE("Event ids are unique and time-ordered", "[eventstore][ids]") {
  auto a = NewEventId(1000), b = NewEventId(1000), c = NewEventId(2000);
  CHECK(a != b);
  CHECK(FormatEventId(a) < FormatEventId(c));
  CHECK(FormatEventId(a).size() == 36);
  CHECK(FormatEventId(a)[14] == '7');
}
