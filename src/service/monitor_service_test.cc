#include "service/monitor_service.h"

#include <gtest/gtest.h>

namespace openecs {
namespace {

const int64_t kStart = 1767225600;  // 2026-01-01T00:00:00Z, a multiple of 3600

class MonitorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = MetricStore::Open(":memory:");
    ASSERT_TRUE(store.ok());
    store_ = std::move(*store);
    monitor_ = std::make_unique<Monitor>(store_.get(), &clock_);
    ASSERT_TRUE(monitor_->Flush().ok());  // the first start sets the rollup marks
  }
  // A guest with 2 vCPUs, one disk and one interface, `s` seconds into the test, its counters
  // as if it had run at `cpu_percent` (and 1 MB/s read, 100 kB/s of traffic each way, half of
  // it public) since the start.
  GuestSample Sample(double s, double cpu_percent, const std::string& public_ip = "198.18.0.9") {
    GuestSample g;
    g.instance_id = "i-1";
    g.at_ms = static_cast<int64_t>(s * 1000) + 5000000;  // the host's clock is its own
    g.vcpus = 2;
    cpu_s_ += (s - last_s_) * 2 * cpu_percent / 100;
    last_s_ = s;
    g.cpu_ns = static_cast<int64_t>(cpu_s_ * 1e9);
    DiskIo& d = g.disks["d-1"];
    d.read_bytes = static_cast<int64_t>(s * 1000000);
    d.read_ops = static_cast<int64_t>(s * 100);
    d.read_ns = d.read_ops * 250000;
    NicIo& n = g.nics["eni-1"];
    n.rx_bytes = n.tx_bytes = static_cast<int64_t>(s * 100000);
    n.rx_packets = n.tx_packets = static_cast<int64_t>(s * 100);
    n.public_ip = public_ip;
    n.public_rx_bytes = n.public_tx_bytes = static_cast<int64_t>(s * 50000);
    n.public_rx_packets = n.public_tx_packets = static_cast<int64_t>(s * 50);
    return g;
  }
  // Feeds samples every 10 s for `seconds`, moving the cloud's clock along.
  void Run(double seconds, double cpu_percent,
           const std::map<std::string, std::string>& eips = {}) {
    for (double t = 0; t < seconds; t += 10) {
      monitor_->Ingest({Sample(now_s_, cpu_percent)}, eips);
      clock_.Advance(10);
      now_s_ += 10;
      ASSERT_TRUE(monitor_->Flush().ok());
    }
  }
  ManualClock clock_{kStart};
  std::unique_ptr<MetricStore> store_;
  std::unique_ptr<Monitor> monitor_;
  double now_s_ = 0, last_s_ = 0, cpu_s_ = 0;
};

TEST_F(MonitorTest, MinutePointsCarryRatesOfEveryResource) {
  Run(120, 50, {{"198.18.0.9", "eip-1"}});
  auto points = monitor_->Query("i-1", 60, kStart, kStart + 3600);
  ASSERT_TRUE(points.ok());
  ASSERT_EQ(points->size(), 2u);  // the minute under way is not written yet
  const MetricPoint& second = (*points)[1];
  EXPECT_EQ(second.ts, kStart + 60);
  MetricValues v = second.values;
  EXPECT_NEAR(v[metric::kCpu].avg(), 50, 0.01);
  EXPECT_NEAR(v[metric::kDiskReadBytes].avg(), 1000000, 1);
  EXPECT_NEAR(v[metric::kIntranetRx].avg(), 50000, 1);  // private: all less public
  EXPECT_NEAR(v[metric::kInternetTx].avg(), 50000, 1);
  EXPECT_DOUBLE_EQ(v[metric::kCpu].seconds, 60);
  // The first minute's first sample was only a baseline: 50 s of data.
  EXPECT_DOUBLE_EQ((*points)[0].values[metric::kCpu].seconds, 50);

  auto disk = monitor_->Query("d-1", 60, kStart, kStart + 3600);
  ASSERT_EQ(disk->size(), 2u);
  MetricValues d = (*disk)[1].values;
  EXPECT_NEAR(d[metric::kReadOps].avg(), 100, 0.01);
  EXPECT_NEAR(d[metric::kReadNanos].sum / d[metric::kReadOps].sum, 250000, 1);  // latency
  auto eni = monitor_->Query("eni-1", 60, kStart, kStart + 3600);
  ASSERT_EQ(eni->size(), 2u);
  EXPECT_NEAR((*eni)[1].values[metric::kTxBytes].avg(), 50000, 1);
  auto eip = monitor_->Query("eip-1", 60, kStart, kStart + 3600);
  ASSERT_EQ(eip->size(), 2u);
  EXPECT_NEAR((*eip)[1].values[metric::kTxBytes].avg(), 50000, 1);
  EXPECT_NEAR((*eip)[1].values[metric::kRxPackets].avg(), 50, 0.01);
  // Public traffic out, for billing: by the EIP that holds the address, taken once.
  auto out = monitor_->TakePublicTrafficOut();
  EXPECT_EQ(out.count("i-1"), 0u);
  EXPECT_NEAR(static_cast<double>(out["eip-1"]), 110 * 50000, 1);
  EXPECT_TRUE(monitor_->TakePublicTrafficOut().empty());
}

TEST_F(MonitorTest, RollupsMergeMinutesAndKeepTheExtremes) {
  Run(300, 20);
  Run(300, 80);
  Run(60, 20);  // past the end of the first 600 s (plus the rollup's lag)
  auto tens = monitor_->Query("i-1", 600, kStart, kStart + 3600);
  ASSERT_TRUE(tens.ok());
  ASSERT_EQ(tens->size(), 1u);
  MetricStat cpu = (*tens)[0].values[metric::kCpu];
  EXPECT_DOUBLE_EQ(cpu.seconds, 590);
  EXPECT_NEAR(cpu.avg(), (290 * 20 + 300 * 80) / 590.0, 0.01);
  EXPECT_NEAR(cpu.min, 20, 0.01);
  EXPECT_NEAR(cpu.max, 80, 0.01);
  // An hour later the 3600 s point holds it all.
  Run(3000, 20);
  auto hours = monitor_->Query("i-1", 3600, kStart, kStart + 7200);
  ASSERT_EQ(hours->size(), 1u);
  EXPECT_DOUBLE_EQ(hours->front().values[metric::kCpu].seconds, 3590);
  EXPECT_EQ(monitor_->Query("i-1", 600, kStart, kStart + 3600)->size(), 6u);
}

TEST_F(MonitorTest, CountersThatRestartAndLongGapsAreNotSpikes) {
  Run(60, 10);
  // The guest's QEMU restarted: its counters start again near zero.
  cpu_s_ = 0;
  GuestSample restarted = Sample(now_s_, 10);
  restarted.cpu_ns = 1000000000;  // 1 s of CPU in 10 s on 2 vCPUs: 5 %
  restarted.disks["d-1"].read_bytes = 0;
  monitor_->Ingest({restarted}, {});
  clock_.Advance(60);
  ASSERT_TRUE(monitor_->Flush().ok());
  auto points = monitor_->Query("i-1", 60, kStart + 60, kStart + 120);
  ASSERT_EQ(points->size(), 1u);
  EXPECT_NEAR(points->front().values[metric::kCpu].max, 5, 0.01);  // not a huge rate
  // After a gap longer than kMaxSampleGapSeconds the next sample is only a baseline.
  clock_.Advance(Monitor::kMaxSampleGapSeconds + 60);
  now_s_ += Monitor::kMaxSampleGapSeconds + 60;
  monitor_->Ingest({Sample(now_s_, 90)}, {});
  clock_.Advance(60);
  ASSERT_TRUE(monitor_->Flush().ok());
  int64_t t = clock_.NowSeconds();
  EXPECT_TRUE(monitor_->Query("i-1", 60, t - 120, t)->empty());
}

TEST_F(MonitorTest, PointsArePrunedAfterTheirRetention) {
  Run(120, 50);
  ASSERT_EQ(monitor_->Query("i-1", 60, kStart, kStart + 3600)->size(), 2u);
  clock_.Advance(monitor_->Retention(60) + 600);
  ASSERT_TRUE(monitor_->Flush().ok());
  EXPECT_TRUE(monitor_->Query("i-1", 60, kStart, kStart + 3600)->empty());
  // The hour's rollup outlives the minutes (31 days against 7).
  EXPECT_EQ(monitor_->Query("i-1", 3600, kStart, kStart + 3600)->size(), 1u);
}

// An ended minute's points go to the store over the Flushes that follow, some each, and
// WrittenThrough moves past the minute only when all of them are there; rollups wait for it.
TEST_F(MonitorTest, AMinutesPointsAreWrittenOverSeveralFlushesAndWrittenThroughWaits) {
  MonitorOptions options;
  options.points_per_flush = 10;
  monitor_ = std::make_unique<Monitor>(store_.get(), &clock_, options);
  ASSERT_TRUE(monitor_->Flush().ok());
  EXPECT_EQ(monitor_->WrittenThrough(), kStart);
  auto guests = [&](double s) {  // 30 guests: 90 points a minute (instance, disk, interface)
    std::vector<GuestSample> out;
    for (int k = 0; k < 30; ++k) {
      GuestSample g = Sample(s, 50);
      std::string n = std::to_string(k);
      g.instance_id = "i-" + n;
      g.disks = {{"d-" + n, g.disks.begin()->second}};
      g.nics = {{"eni-" + n, g.nics.begin()->second}};
      out.push_back(std::move(g));
    }
    return out;
  };
  auto written = [&] {
    auto all = store_->QueryAll(60, kStart, kStart + 60);
    return all.ok() ? all->size() : 0;
  };
  for (double s : {0, 10, 20, 30, 40, 50}) {
    monitor_->Ingest(guests(s), {});
    clock_.Advance(10);
  }
  ASSERT_TRUE(monitor_->Flush().ok());
  EXPECT_EQ(written(), 10u);
  EXPECT_EQ(monitor_->WrittenThrough(), kStart);  // not yet: 80 points wait
  for (int k = 0; k < 7; ++k) ASSERT_TRUE(monitor_->Flush().ok());
  EXPECT_EQ(written(), 80u);
  EXPECT_EQ(monitor_->WrittenThrough(), kStart);
  ASSERT_TRUE(monitor_->Flush().ok());
  EXPECT_EQ(written(), 90u);
  EXPECT_EQ(monitor_->WrittenThrough(), kStart + 60);
  // `all` writes what waits at once (ecsd's stop).
  for (double s : {60, 70}) {
    monitor_->Ingest(guests(s), {});
    clock_.Advance(10);
  }
  clock_.Advance(40);
  ASSERT_TRUE(monitor_->Flush(/*all=*/true).ok());
  EXPECT_EQ(store_->QueryAll(60, kStart + 60, kStart + 120)->size(), 90u);
  EXPECT_EQ(monitor_->WrittenThrough(), kStart + 120);
}

}  // namespace
}  // namespace openecs
