// tests/support/storm.h
// Storms of real concurrent HTTP clients against a TestServer: each client
// has its own connection, checked before the start, and all are released
// at once so that their requests really race. Catch2's assertions are not
// thread-safe: bodies record what they saw and the test checks it after.
#pragma once

#include <catch2/catch.hpp>
#include <atomic>
#include <chrono>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/http_client.h"
#include "tests/support/server_fixture.h"
#include "tests/support/start_line.h"

namespace eventmart::testing {

using SteadyTime = std::chrono::steady_clock::time_point;
inline SteadyTime Now() { return std::chrono::steady_clock::now(); }

// Runs body(client, i) on n threads, each with its own connection, all
// released at once; `also(start)`, if given, on one more thread that waits
// at the same start line.
template <class Body, class Also>
void Race(TestServer& server, int n, Body body, Also also) {
  StartLine start;
  std::vector<std::thread> threads;
  for (int i = 0; i < n; ++i) {
    threads.emplace_back([&, i] {
      HttpClient c("127.0.0.1", server.port());
      REQUIRE(c.Get("/healthz").status == 200);
      start.Wait();
      body(c, i);
    });
  }
  std::thread other([&] { also(start); });
  start.Go();
  for (auto& t : threads) t.join();
  other.join();
}

template <class Body>
void Race(TestServer& server, int n, Body body) {
  Race(server, n, body, [](StartLine&) {});
}

// How a race's answers came out: created (201), refused with the one
// expected code (409), anything else.
struct Tally {
  int created = 0;
  int refused = 0;
  int other = 0;
};

// Race() in which each client sends one request, `send(client, i)`; counts
// its answers, a 409 as refused when its code is `refusal`.
template <class Send>
Tally RaceAndTally(TestServer& server, int n, const std::string& refusal, Send send) {
  std::atomic<int> created{0}, refused{0}, other{0};
  Race(server, n, [&](HttpClient& client, int i) {
    auto r = send(client, i);
    if (r.status == 201) ++created;
    else if (r.status == 409 && r.json()["code"] == refusal) ++refused;
    else ++other;
  });
  return Tally{.created = created, .refused = refused, .other = other};
}

// One request a storm client sent: when it left, when its answer came, what it was.
struct Sent {
  SteadyTime sent;
  SteadyTime answered;
  int status = 0;
  std::string code;
  std::int64_t id = 0;  // what a success made (`id_field` of its answer)
};

// Sends one request (`send()` returns its Response) and records it.
template <class Send>
Sent Record(Send send, const std::string& id_field) {
  Sent s{.sent = Now()};
  auto r = send();
  s.answered = Now();
  s.status = r.status;
  if (r.status == 201) {
    s.id = r.json()[id_field].template get<std::int64_t>();
  } else {
    s.code = r.json().value("code", "");
  }
  return s;
}

// An admin request sent in the middle of a storm, and when its answer came.
struct Interruption {
  std::atomic<bool> acknowledged{false};
  SteadyTime sent{};
  SteadyTime answered{};
  Response reply;
};

// Race(), with one admin client that waits until `ready()` holds (at most
// 60 seconds) and then sends `request(admin)`, recording it in `interruption`.
template <class Ready, class Request, class Body>
void RaceInterrupted(TestServer& server, int n, Interruption& interruption, Ready ready, Request request, Body body) {
  Race(server, n, body, [&](StartLine& start) {
    HttpClient admin("127.0.0.1", server.port());
    start.Wait();
    auto give_up = Now() + std::chrono::seconds(60);
    while (!ready() && Now() < give_up) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    interruption.sent = Now();
    interruption.reply = request(admin);
    interruption.answered = Now();
    interruption.acknowledged = true;
  });
}

// One request of a storm client: sends it, records it in `out` and counts a
// success in `successes`. False once a request has left after the
// interruption was acknowledged: then the client has sent its last.
template <class Send>
bool SendOnce(const Interruption& interruption, std::vector<Sent>& out, std::atomic<int>& successes, Send send,
              const std::string& id_field) {
  bool after = interruption.acknowledged.load();
  Sent s = Record(send, id_field);
  if (s.status == 201) ++successes;
  out.push_back(s);
  return !after;
}

// The interruption's answer, which must be a 200.
inline nlohmann::json Acknowledged(const Interruption& interruption) {
  REQUIRE(interruption.reply.status == 200);
  return interruption.reply.json();
}

// What the clients of an interrupted storm were told.
struct StormAnswers {
  std::set<std::int64_t> accepted;  // ids of the successes
  int sent_after_ack = 0;           // requests sent after the interruption's answer came
  int refused_after_ack = 0;        // of those, the ones refused
};

// Checks every answer of the storm: a success (201) or a refusal (409,
// `refusal`); no refusal answered before the interruption was sent; every
// request sent after its acknowledgement refused.
inline StormAnswers CheckStormAnswers(const std::vector<std::vector<Sent>>& sent, const Interruption& interruption,
                                      const std::string& refusal) {
  StormAnswers out;
  for (const auto& client : sent) {
    for (const auto& s : client) {
      INFO("status " << s.status << " " << s.code);
      // Only two answers are possible: accepted, or refused because of the interruption.
      CHECK((s.status == 201 || (s.status == 409 && s.code == refusal)));
      // Nothing is refused before the interruption was asked for.
      if (s.status == 409) CHECK(s.answered > interruption.sent);
      // Sent after the interruption's acknowledgement: decided after it, refused.
      if (s.sent > interruption.answered) {
        ++out.sent_after_ack;
        CHECK(s.status == 409);
        out.refused_after_ack += s.status == 409;
      }
      if (s.status == 201) out.accepted.insert(s.id);
    }
  }
  return out;
}

}  // namespace eventmart::testing
