#include "hypervisor/fake/fake_driver.h"

#include <gtest/gtest.h>
#include <unistd.h>

namespace openecs {
namespace {
DesiredVm Vm(const std::string& id) {
  DesiredVm vm;
  vm.instance_id = id;
  return vm;
}
}  // namespace

TEST(FakeDriver, LifecycleAndFailureInjection) {
  FakeDriver d({"", 0, {}});
  DesiredVm spec;
  spec.instance_id = "i-1";
  ASSERT_TRUE(d.Spawn(spec).ok());
  EXPECT_EQ(d.Info("i-1").power, PowerState::kShutoff);
  ASSERT_TRUE(d.PowerOn(Vm("i-1")).ok());
  EXPECT_EQ(d.Info("i-1").power, PowerState::kRunning);
  ASSERT_TRUE(d.Reboot(Vm("i-1"), false).ok());
  EXPECT_EQ(d.Info("i-1").boot_count, 2);
  ASSERT_TRUE(d.InjectFailures("power_off", 1).ok());
  EXPECT_FALSE(d.PowerOff("i-1", false, 1000).ok());
  EXPECT_EQ(d.Info("i-1").power, PowerState::kRunning);
  EXPECT_TRUE(d.PowerOff("i-1", false, 1000).ok());
  EXPECT_TRUE(d.Destroy("i-1", true).ok());
  EXPECT_TRUE(d.Destroy("i-1", true).ok());  // not found is done
  EXPECT_EQ(d.Info("i-1").power, PowerState::kAbsent);
  EXPECT_FALSE(d.PowerOn(Vm("i-1")).ok());
  EXPECT_FALSE(d.InjectFailures("explode", 1).ok());
}

TEST(FakeDriver, DiskLimitsFollowTheDesiredDisks) {
  FakeDriver d({"", 0, {}});
  DesiredVm vm = Vm("i-1");
  DesiredDisk sys;
  sys.disk_id = "d-sys";
  sys.iops = 2040;
  sys.throughput_mbps = 105;
  vm.disks.push_back(sys);
  ASSERT_TRUE(d.Spawn(vm).ok());
  EXPECT_TRUE(d.AppliedLimits("i-1").empty());  // not running
  ASSERT_TRUE(d.PowerOn(vm).ok());
  using L = FakeDriver::DiskLimits;
  EXPECT_EQ(d.AppliedLimits("i-1"), (std::map<std::string, L>{{"d-sys", L{2040, 105}}}));
  // A new performance level: the running guest's disk is re-throttled by the sync.
  vm.disks[0].iops = 2800;
  vm.disks[0].throughput_mbps = 130;
  std::map<std::string, std::string> refused;
  ASSERT_TRUE(d.SyncDisks(vm, &refused).ok());
  EXPECT_EQ(d.AppliedLimits("i-1"), (std::map<std::string, L>{{"d-sys", L{2800, 130}}}));
  ASSERT_TRUE(d.PowerOff("i-1", true, 0).ok());
  EXPECT_TRUE(d.AppliedLimits("i-1").empty());
}

TEST(FakeDriver, GuestsSurviveRestartThroughTheJournal) {
  std::string path = "/tmp/openecs-fake-journal-" + std::to_string(getpid());
  unlink(path.c_str());
  {
    FakeDriver d({path, 0, {}});
    DesiredVm a, b;
    a.instance_id = "i-a";
    b.instance_id = "i-b";
    ASSERT_TRUE(d.Spawn(a).ok());
    ASSERT_TRUE(d.Spawn(b).ok());
    ASSERT_TRUE(d.PowerOn(Vm("i-a")).ok());
    ASSERT_TRUE(d.Destroy("i-b", true).ok());
  }
  FakeDriver d({path, 0, {}});
  auto vms = d.List();
  ASSERT_EQ(vms.size(), 1u);
  EXPECT_EQ(vms[0].instance_id, "i-a");
  EXPECT_EQ(vms[0].power, PowerState::kRunning);
  EXPECT_EQ(vms[0].boot_count, 1);
  unlink(path.c_str());
}

}  // namespace openecs
