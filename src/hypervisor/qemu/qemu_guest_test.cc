// The qemu driver's guest agent and screen against a real guest: boots the built-in image
// under QEMU. Skipped unless OPENECS_TEST_IMAGE_DIR names an image store holding
// debian_12_tiny_x64_openecs (e.g. images/, as scripts/build-image makes it), since it needs
// QEMU and takes ~10 s under TCG:
//   OPENECS_TEST_IMAGE_DIR=$PWD/images build/tests/hypervisor_test --gtest_filter='QemuGuest*'
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <thread>

#include "hypervisor/qemu/qemu_driver.h"
#include "storage/local_storage.h"

namespace openecs {
namespace {

namespace fs = std::filesystem;

int64_t Ms(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                               since)
      .count();
}

TEST(QemuGuest, AgentCommandsFilesScreenAndNmi) {
  const char* images = std::getenv("OPENECS_TEST_IMAGE_DIR");
  if (!images || !*images) GTEST_SKIP() << "OPENECS_TEST_IMAGE_DIR not set";
  std::string root = fs::temp_directory_path() / ("qemu-guest-test-" + std::to_string(getpid()));
  fs::remove_all(root);
  LocalStorage storage(root + "/disks", images, root + "/snapshots", root + "/images",
                       root + "/exchange");
  QemuDriverOptions o;
  o.state_dir = root + "/state";
  o.storage = &storage;
  auto driver = std::make_unique<QemuDriver>(o);
  DesiredVm vm;
  vm.instance_id = "i-qgatest" + std::to_string(getpid());
  vm.image_id = "debian_12_tiny_x64_openecs";
  vm.cpu = 1;
  vm.memory_mb = 256;
  vm.host_name = "qga-test";
  vm.disks.push_back({.disk_id = "d-qgatest" + std::to_string(getpid()),
                      .type = "system",
                      .category = "cloud_essd",
                      .size_gib = 1,
                      .image_id = vm.image_id});
  ASSERT_TRUE(driver->Spawn(vm).ok());
  ASSERT_TRUE(driver->PowerOn(vm).ok());
  const std::string& id = vm.instance_id;

  auto t0 = std::chrono::steady_clock::now();
  while (!driver->GuestAgentAlive(id) && Ms(t0) < 120000)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  ASSERT_TRUE(driver->GuestAgentAlive(id)) << driver->ConsoleOutput(id);
  std::cout << "agent up " << Ms(t0) << " ms after PowerOn returned\n";

  std::atomic<bool> stop{false};
  int started = 0;
  GuestCommand cmd;
  cmd.script = "echo hello; pwd; echo oops >&2; exit 3";
  auto t1 = std::chrono::steady_clock::now();
  auto r = driver->RunGuestCommand(id, cmd, stop, [&] { ++started; });
  ASSERT_TRUE(r.ok()) << r.error().message;
  std::cout << "RunGuestCommand round trip " << Ms(t1) << " ms\n";
  EXPECT_EQ(r->exit_code, 3);
  EXPECT_EQ(r->output, "hello\n/root\noops\n");
  EXPECT_EQ(started, 1);
  EXPECT_FALSE(r->timed_out || r->stopped);

  // Working directory, interpreter, and output beyond kGuestOutputMax.
  cmd.script = "pwd; head -c 30000 /dev/zero | tr '\\0' x";
  cmd.working_dir = "/var";
  r = driver->RunGuestCommand(id, cmd, stop, nullptr);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->output.size(), kGuestOutputMax);
  EXPECT_EQ(r->output.substr(0, 5), "/var\n");
  EXPECT_EQ(r->dropped, 30005 - static_cast<int64_t>(kGuestOutputMax));

  // Timeout kills the whole tree (the sleep is a child of the script).
  cmd.script = "sleep 100; echo never";
  cmd.working_dir = "";
  cmd.timeout_s = 1;
  auto t2 = std::chrono::steady_clock::now();
  r = driver->RunGuestCommand(id, cmd, stop, nullptr);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_TRUE(r->timed_out);
  EXPECT_EQ(r->exit_code, -1);
  EXPECT_LT(Ms(t2), 8000);

  // Stop.
  cmd.timeout_s = 60;
  std::thread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(800));
    stop = true;
  });
  r = driver->RunGuestCommand(id, cmd, stop, nullptr);
  stopper.join();
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_TRUE(r->stopped);
  EXPECT_EQ(r->exit_code, -1);
  stop = false;
  // Nothing of the killed scripts is left running, and their files are gone.
  cmd.script = "ps | grep -c '[s]leep 100'; ls /tmp | grep -c openecs-cmd";
  cmd.timeout_s = 20;
  r = driver->RunGuestCommand(id, cmd, stop, nullptr);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->output, "0\n1\n");  // the one running now

  // Files: made with mode and owner; refused when present unless overwrite.
  GuestFile f;
  f.directory = "/opt/openecs-test/sub";
  f.name = "big.bin";
  f.content = std::string(150 * 1024, 'a') + "end";
  f.mode = "0640";
  auto t3 = std::chrono::steady_clock::now();
  ASSERT_TRUE(driver->WriteGuestFile(id, f).ok());
  std::cout << "WriteGuestFile 150 KiB " << Ms(t3) << " ms\n";
  EXPECT_FALSE(driver->WriteGuestFile(id, f).ok());
  f.overwrite = true;
  f.content = "second";
  ASSERT_TRUE(driver->WriteGuestFile(id, f).ok());
  cmd.script =
      "stat -c '%a %U %s' /opt/openecs-test/sub/big.bin; cat /opt/openecs-test/sub/big.bin";
  r = driver->RunGuestCommand(id, cmd, stop, nullptr);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->output, "640 root 6\nsecond");

  auto t4 = std::chrono::steady_clock::now();
  auto png = driver->Screenshot(id);
  ASSERT_TRUE(png.ok()) << png.error().message;
  std::cout << "Screenshot " << png->size() << " bytes in " << Ms(t4) << " ms\n";
  EXPECT_EQ(png->substr(0, 4), "\x89PNG");
  EXPECT_TRUE(driver->DiagnosticInterrupt(id).ok());

  EXPECT_TRUE(driver->PowerOff(id, true, 0).ok());
  EXPECT_FALSE(driver->GuestAgentAlive(id));
  EXPECT_FALSE(driver->RunGuestCommand(id, cmd, stop, nullptr).ok());
  EXPECT_TRUE(driver->Destroy(id, true).ok());
  driver.reset();
  fs::remove_all(root);
}

}  // namespace
}  // namespace openecs
