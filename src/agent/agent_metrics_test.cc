// The agent's own metrics (agent_metrics.h) recorded into the process's registry: values only
// grow there, so each test compares before with after.
#include "agent/agent_metrics.h"

#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <thread>

#include "hypervisor/fake/fake_driver.h"

namespace openecs {
namespace {

HistogramFamily& DriverOps() {
  return DefaultMetrics().Histogram("openecs_agent_driver_operation_duration_seconds", "",
                                    {"operation"}, MetricsRegistry::SlowBuckets());
}

TEST(AgentMetrics, DriverOperationsAreTimedAndFailuresCounted) {
  // Registers the families first: the lookups below only find them (help is not compared).
  (void)agent_metrics::TimedDriverOp("reboot", [] { return Status(Ok()); });
  uint64_t before = DriverOps().Count({"reboot"});
  CounterFamily& failures =
      DefaultMetrics().Counter("openecs_agent_driver_operation_failures_total", "", {"operation"});
  double failed_before = failures.Value({"reboot"});
  EXPECT_TRUE(agent_metrics::TimedDriverOp("reboot", [] { return Status(Ok()); }).ok());
  EXPECT_FALSE(agent_metrics::TimedDriverOp("reboot", [] {
                 return Status(MakeError(ErrorCode::kInternalError, "no"));
               }).ok());
  EXPECT_EQ(DriverOps().Count({"reboot"}), before + 2);
  EXPECT_EQ(failures.Value({"reboot"}), failed_before + 1);
}

TEST(AgentMetrics, ReconcileLagEndsWithTheLastOperationOfThePass) {
  auto pass = agent_metrics::StartPass(false);  // registers the family
  HistogramFamily& lag = DefaultMetrics().Histogram("openecs_agent_reconcile_lag_seconds", "",
                                                    {"trigger"}, MetricsRegistry::SlowBuckets());
  uint64_t count = lag.Count({"change"});
  double sum = lag.Sum({"change"});
  std::promise<void> go;
  std::thread op([held = pass, started = go.get_future()]() mutable {
    started.wait();
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  });
  pass.reset();  // the pass itself is done; its operation is not
  EXPECT_EQ(lag.Count({"change"}), count);
  go.set_value();
  op.join();
  EXPECT_EQ(lag.Count({"change"}), count + 1);
  EXPECT_GE(lag.Sum({"change"}) - sum, 0.05);
}

TEST(AgentMetrics, GuestsAreCountedByPowerStateWhileTheGaugeLives) {
  FakeDriverOptions options;
  options.delay_ms = 0;
  FakeDriver driver(options);
  DesiredVm vm;
  vm.instance_id = "i-metrics";
  ASSERT_TRUE(driver.Spawn(vm).ok());
  std::string line = "openecs_agent_guests{power=\"shutoff\"} 1\n";
  {
    MetricsCallback gauge = agent_metrics::GuestsGauge(&driver);
    EXPECT_NE(DefaultMetrics().Render().find(line), std::string::npos);
    ASSERT_TRUE(driver.PowerOn(vm).ok());
    EXPECT_NE(DefaultMetrics().Render().find("openecs_agent_guests{power=\"running\"} 1\n"),
              std::string::npos);
  }
  EXPECT_EQ(DefaultMetrics().Render().find("openecs_agent_guests{"), std::string::npos);
}

}  // namespace
}  // namespace openecs
