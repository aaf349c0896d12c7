// ReportApplier (and so common/batch_queue.h): reports posted while a batch is applied are
// applied together, in order, each caller gets its own status, a report larger than the limit is
// a batch alone, what is queued is applied before the applier goes, and an `apply` that answers
// too few leaves nobody waiting.
#include "service/report_applier.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <string>
#include <thread>

#include "common/errors.h"

namespace openecs {
namespace {

using Report = HostReport;

// Records each batch's hosts; the first batch blocks until released, so reports posted meanwhile
// queue behind it. Refuses the reports of host "h-bad".
struct FakeCloud {
  std::mutex mu;
  std::vector<std::vector<std::string>> batches;
  std::atomic<bool> hold{true};
  std::vector<Status> Apply(const std::vector<Report>& reports) {
    std::vector<std::string> hosts;
    std::vector<Status> out;
    for (const auto& r : reports) {
      hosts.push_back(r.host_id);
      out.push_back(r.host_id == "h-bad" ? MakeError(ErrorCode::kForbidden, "not its guest")
                                         : Ok());
    }
    size_t n;
    {
      std::lock_guard<std::mutex> lock(mu);
      batches.push_back(hosts);
      n = batches.size();
    }
    while (n == 1 && hold) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    return out;
  }
  size_t Batches() {
    std::lock_guard<std::mutex> lock(mu);
    return batches.size();
  }
};

std::vector<Observation> Observations(size_t n) { return std::vector<Observation>(n); }

TEST(ReportApplierTest, ReportsQueuedMeanwhileAreAppliedTogetherInOrderEachWithItsStatus) {
  FakeCloud cloud;
  std::vector<std::promise<Status>> answers(4);
  {
    ReportApplier applier([&](const std::vector<Report>& r) { return cloud.Apply(r); });
    auto post = [&](int k, const std::string& host) {
      applier.Post({host, Observations(1)},
                   [&answers, k](const Status& st) { answers[k].set_value(st); });
    };
    post(0, "h-1");
    while (cloud.Batches() < 1) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    post(1, "h-2");
    post(2, "h-bad");
    post(3, "h-3");
    cloud.hold = false;
    for (int k = 0; k < 4; ++k) {
      Status st = answers[k].get_future().get();
      EXPECT_EQ(st.ok(), k != 2) << k;
    }
  }
  ASSERT_EQ(cloud.batches.size(), 2u);
  EXPECT_EQ(cloud.batches[0], std::vector<std::string>{"h-1"});
  EXPECT_EQ(cloud.batches[1], (std::vector<std::string>{"h-2", "h-bad", "h-3"}));
}

TEST(ReportApplierTest, ABatchKeepsToTheLimitButTakesAnOversizedReportAlone) {
  FakeCloud cloud;
  {
    ReportApplier applier([&](const std::vector<Report>& r) { return cloud.Apply(r); });
    applier.Post({"h-0", Observations(1)});
    while (cloud.Batches() < 1) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    const size_t half = ReportApplier::kMaxObservations / 2;
    applier.Post({"h-1", Observations(half)});
    applier.Post({"h-2", Observations(half)});
    applier.Post({"h-3", Observations(1)});
    applier.Post({"h-4", Observations(3 * ReportApplier::kMaxObservations)});
    cloud.hold = false;
  }  // the destructor applies what is queued
  ASSERT_EQ(cloud.batches.size(), 4u);
  EXPECT_EQ(cloud.batches[1], (std::vector<std::string>{"h-1", "h-2"}));
  EXPECT_EQ(cloud.batches[2], std::vector<std::string>{"h-3"});
  EXPECT_EQ(cloud.batches[3], std::vector<std::string>{"h-4"});
}

TEST(ReportApplierTest, ManyThreadsEveryReportAnsweredOnce) {
  std::atomic<int> applied{0}, answered{0};
  {
    ReportApplier applier([&](const std::vector<Report>& r) {
      applied += static_cast<int>(r.size());
      return std::vector<Status>(r.size(), Ok());
    });
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t)
      threads.emplace_back([&] {
        for (int k = 0; k < 200; ++k)
          applier.Post({"h", Observations(1)}, [&](const Status& st) {
            if (st.ok()) ++answered;
          });
      });
    for (auto& t : threads) t.join();
  }
  EXPECT_EQ(applied.load(), 1600);
  EXPECT_EQ(answered.load(), 1600);
}

// An `apply` that answers fewer reports than it got (a bug in it): the others are answered with
// an internal error, not left waiting.
TEST(ReportApplierTest, AnApplyThatAnswersTooFewLeavesNobodyWaiting) {
  FakeCloud cloud;
  std::vector<std::promise<Status>> answers(3);
  {
    ReportApplier applier([&](const std::vector<Report>& r) {
      auto out = cloud.Apply(r);
      out.resize(1);
      return out;
    });
    applier.Post({"h-0", Observations(1)});
    while (cloud.Batches() < 1) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    for (int k = 0; k < 3; ++k)
      applier.Post({"h-" + std::to_string(k + 1), Observations(1)},
                   [&answers, k](const Status& st) { answers[k].set_value(st); });
    cloud.hold = false;
    EXPECT_TRUE(answers[0].get_future().get().ok());
    for (int k = 1; k < 3; ++k)
      EXPECT_EQ(answers[k].get_future().get().error().code, ErrorCode::kInternalError) << k;
  }
}

}  // namespace
}  // namespace openecs
