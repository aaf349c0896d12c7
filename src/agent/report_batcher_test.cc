// ReportBatcher: reports made while one travels go out together, in order, each caller gets its
// own answer, and a refused coalesced report is sent again report by report.
#include "agent/report_batcher.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <set>
#include <string>
#include <thread>

#include "common/errors.h"

namespace openecs {
namespace {

Observation Obs(const std::string& id) {
  Observation o;
  o.instance_id = id;
  return o;
}

// A server stand-in: records each call's ids; the first call blocks until released, so the
// reports made meanwhile queue behind it. Refuses any call naming "i-bad".
struct FakeServer {
  std::mutex mu;
  std::vector<std::vector<std::string>> calls;
  std::atomic<bool> hold{true};
  Status Send(const std::vector<Observation>& obs) {
    std::vector<std::string> ids;
    bool bad = false;
    for (const auto& o : obs) {
      ids.push_back(o.instance_id);
      bad |= o.instance_id == "i-bad";
    }
    size_t n;
    {
      std::lock_guard<std::mutex> lock(mu);
      calls.push_back(ids);
      n = calls.size();
    }
    while (n == 1 && hold) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    if (bad) return MakeError(ErrorCode::kForbidden, "not on this host");
    return Ok();
  }
  size_t Calls() {
    std::lock_guard<std::mutex> lock(mu);
    return calls.size();
  }
};

// Posts `obs` and waits for its answer.
Status Report(ReportBatcher& batcher, std::vector<Observation> obs) {
  std::promise<Status> answer;
  std::future<Status> result = answer.get_future();
  batcher.Post(std::move(obs), [&answer](const Status& st) { answer.set_value(st); });
  return result.get();
}

// Starts `first` (which blocks in the server), then `others` one after another so their order
// in the queue is known, and releases the server once all of them wait.
std::vector<Status> ReportAll(FakeServer& server, ReportBatcher& batcher, const std::string& first,
                              const std::vector<std::string>& others) {
  std::vector<Status> results(others.size() + 1, Ok());
  std::vector<std::thread> threads;
  threads.emplace_back([&] { results[0] = Report(batcher, {Obs(first)}); });
  while (server.Calls() < 1) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  for (size_t k = 0; k < others.size(); ++k) {
    threads.emplace_back([&, k] { results[k + 1] = Report(batcher, {Obs(others[k])}); });
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // queued in this order
  }
  server.hold = false;
  for (auto& t : threads) t.join();
  return results;
}

TEST(ReportBatcher, ReportsMadeWhileOneTravelsGoOutTogetherInOrder) {
  FakeServer server;
  ReportBatcher batcher([&](const auto& obs) { return server.Send(obs); });
  auto results = ReportAll(server, batcher, "i-0", {"i-1", "i-2", "i-3"});
  for (const auto& r : results) EXPECT_TRUE(r.ok());
  ASSERT_EQ(server.calls.size(), 2u);
  EXPECT_EQ(server.calls[0], std::vector<std::string>{"i-0"});
  EXPECT_EQ(server.calls[1], (std::vector<std::string>{"i-1", "i-2", "i-3"}));
}

TEST(ReportBatcher, ARefusedReportIsOnlyItsCallersFailure) {
  FakeServer server;
  ReportBatcher batcher([&](const auto& obs) { return server.Send(obs); });
  auto results = ReportAll(server, batcher, "i-0", {"i-1", "i-bad", "i-3"});
  EXPECT_TRUE(results[0].ok());
  EXPECT_TRUE(results[1].ok());
  ASSERT_FALSE(results[2].ok());
  EXPECT_EQ(results[2].error().code, ErrorCode::kForbidden);
  EXPECT_TRUE(results[3].ok());
  // The coalesced call, refused, then each report on its own.
  ASSERT_EQ(server.calls.size(), 5u);
  EXPECT_EQ(server.calls[1], (std::vector<std::string>{"i-1", "i-bad", "i-3"}));
  EXPECT_EQ(server.calls[2], std::vector<std::string>{"i-1"});
  EXPECT_EQ(server.calls[3], std::vector<std::string>{"i-bad"});
  EXPECT_EQ(server.calls[4], std::vector<std::string>{"i-3"});
}

TEST(ReportBatcher, APostReturnsAtOnceAndItsAnswerComesLater) {
  FakeServer server;
  ReportBatcher batcher([&](const auto& obs) { return server.Send(obs); });
  std::atomic<int> answered{0};
  batcher.Post({Obs("i-0")}, [&](const Status& st) { answered += st.ok() ? 1 : 100; });
  batcher.Post({Obs("i-bad")}, [&](const Status& st) { answered += st.ok() ? 100 : 10; });
  EXPECT_EQ(answered, 0);  // the server still holds the first call
  server.hold = false;
  for (int k = 0; k < 1000 && answered != 11; ++k)
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  EXPECT_EQ(answered, 11);
}

TEST(ReportBatcher, WhatIsQueuedIsSentBeforeTheBatcherGoes) {
  FakeServer server;
  std::thread release;
  {
    ReportBatcher batcher([&](const auto& obs) { return server.Send(obs); });
    batcher.Post({Obs("i-0")});
    while (server.Calls() < 1) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    batcher.Post({Obs("i-1")});
    batcher.Post({Obs("i-2")});
    release = std::thread([&] {  // after the batcher's destructor has begun waiting
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      server.hold = false;
    });
  }
  release.join();
  ASSERT_EQ(server.calls.size(), 2u);
  EXPECT_EQ(server.calls[1], (std::vector<std::string>{"i-1", "i-2"}));
}

TEST(ReportBatcher, AnIdleReportGoesOutAtOnceAndBatchesAreBounded) {
  FakeServer server;
  server.hold = false;
  ReportBatcher batcher([&](const auto& obs) { return server.Send(obs); });
  EXPECT_TRUE(Report(batcher, {Obs("i-a")}).ok());
  EXPECT_EQ(server.Calls(), 1u);
  // Many threads at once: every observation arrives once, no call carries more than the limit.
  server.calls.clear();
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&, t] {
      for (int k = 0; k < 100; ++k) {
        std::vector<Observation> obs;
        for (int j = 0; j < 10; ++j) obs.push_back(Obs(std::to_string(t * 1000 + k * 10 + j)));
        EXPECT_TRUE(Report(batcher, std::move(obs)).ok());
      }
    });
  for (auto& t : threads) t.join();
  std::set<std::string> seen;
  for (const auto& call : server.calls) {
    EXPECT_LE(call.size(), ReportBatcher::kMaxObservations);
    for (const auto& id : call) EXPECT_TRUE(seen.insert(id).second) << id;
  }
  EXPECT_EQ(seen.size(), 8u * 100 * 10);
}

}  // namespace
}  // namespace openecs
