// Host loss and dedicated hosts against a real SQLite store, through RunInstances and the
// records: three 4-vCPU hosts, two sharing an RBD pool ("pool-1", "pool-2") and one with its own
// files ("files"); each test fills them with 4-vCPU instances, one per host.
#include "service/host_health.h"

#include <gtest/gtest.h>

#include "service/agent_service.h"
#include "service/capacity.h"
#include "service/cloud_test_fixture.h"
#include "service/dedicated_host_service.h"
#include "service/image_service.h"
#include "service/instance_service.h"

namespace openecs {
namespace {

constexpr int64_t kLostAfter = 60'000;

class HostHealthTest : public CloudTest {
 protected:
  void SetUp() override {
    CloudTest::SetUp();
    ASSERT_TRUE(cloud_
                    ->Write([](Txn& txn) -> Status {
                      for (const char* h : {"pool-1", "pool-2", "files"})
                        txn.Put(Host{.id = h,
                                     .name = h,
                                     .zone_id = "local-a",
                                     .vcpus = 4,
                                     .memory_mb = 32 * 1024,
                                     .storage = std::string(h) == "files" ? "" : "rbd:f/p"});
                      PutNetwork(txn, "acct", "local-a");
                      return Ok();
                    })
                    .ok());
  }
  RunRequest Run(const std::string& type = "ecs.g7.xlarge") {
    RunRequest r;
    r.account_id = "acct";
    r.region_id = "local";
    r.image_id = "debian_12_tiny_x64_openecs";
    r.instance_type = type;
    r.vswitch_id = "vsw-1";
    r.security_group_ids = {"sg-1"};
    r.system_disk = {.category = "cloud_essd", .size_gib = 20};
    r.data_disks = {{.category = "cloud_essd", .size_gib = 20}};
    return r;
  }
  Instance Get(const std::string& id) {
    return cloud_->Read<Instance>([&](const State& s) { return s.instances.at(id); });
  }
  // One 4-vCPU instance on each host, Running as its host would report it: host -> id.
  std::map<std::string, std::string> Fill() {
    std::map<std::string, std::string> on;
    for (int n = 0; n < 3; ++n) {
      auto ids = RunInstances(*cloud_, Run());
      EXPECT_TRUE(ids.ok()) << (ids.ok() ? "" : ids.error().message);
      if (!ids.ok()) return on;
      on[Get(ids->front()).host_id] = ids->front();
    }
    EXPECT_EQ(on.size(), 3u);
    for (const auto& [host, id] : on) Running(id);
    return on;
  }
  // As its host reports it once it runs.
  void Running(const std::string& id) {
    ASSERT_TRUE(cloud_
                    ->Write([&](Txn& txn) -> Status {
                      Instance& i = txn.state().instances.at(id);
                      i.status = InstanceStatus::kRunning;
                      i.task = InstanceTask::kNone;
                      i.power = PowerState::kRunning;
                      txn.Touch(i);
                      return Ok();
                    })
                    .ok());
  }
  void Release(const std::string& id) {
    ASSERT_TRUE(cloud_
                    ->Write([&](Txn& txn) -> Status {
                      ReleaseInstance(txn, id);
                      return Ok();
                    })
                    .ok());
  }
  // A pass with each host's age of contact (each heard from since the server started).
  HostLossPass Pass(int64_t pool1, int64_t pool2, int64_t files, bool heard = true) {
    return RunHostLossPass(
        *cloud_,
        {{"pool-1", {pool1, heard}}, {"pool-2", {pool2, heard}}, {"files", {files, heard}}},
        kLostAfter);
  }
  std::vector<std::string> Events(const std::string& id) {
    return cloud_->Read<std::vector<std::string>>([&](const State& s) {
      std::vector<std::string> out;
      for (const auto& [eid, e] : s.instance_events)
        if (e.instance_id == id) out.push_back(e.event_type);
      return out;
    });
  }
};

TEST_F(HostHealthTest, ALostHostsInstancesMoveWithTheirDisksOrStop) {
  auto on = Fill();
  ASSERT_EQ(on.size(), 3u);
  Release(on["pool-2"]);
  const std::string mover = on["pool-1"], local = on["files"];

  // A snapshot of the mover's disk that pool-1 is copying when it goes.
  ASSERT_TRUE(cloud_
                  ->Write([&](Txn& txn) -> Status {
                    Snapshot snap;
                    snap.id = "s-copying";
                    snap.account_id = "acct";
                    snap.region_id = "local";
                    snap.disk_id = txn.state().instances.at(mover).disk_ids.front();
                    snap.host_id = "pool-1";
                    txn.Put(snap);
                    return Ok();
                  })
                  .ok());

  // Contact within the limit: nothing is written.
  auto quiet = Pass(kLostAfter, 0, 0);
  EXPECT_TRUE(quiet.lost.empty() && quiet.back.empty());

  auto pass = Pass(kLostAfter + 1, 0, 0);
  EXPECT_EQ(pass.lost, std::vector<std::string>{"pool-1"});
  EXPECT_EQ(pass.moved, 1);
  Instance m = Get(mover);
  EXPECT_EQ(m.host_id, "pool-2");
  EXPECT_TRUE(m.claimed);
  EXPECT_EQ(m.status, InstanceStatus::kStarting);
  EXPECT_EQ(m.desired, DesiredPower::kRunning);
  cloud_->Read<int>([&](const State& s) {
    for (const auto& id : m.disk_ids) EXPECT_EQ(s.disks.at(id).host_id, "pool-2") << id;
    EXPECT_NE(s.hosts.at("pool-1").lost_since, 0);
    return 0;
  });
  EXPECT_EQ(Events(mover), std::vector<std::string>{"SystemFailure.Reboot"});
  Snapshot failed =
      cloud_->Read<Snapshot>([](const State& s) { return s.snapshots.at("s-copying"); });
  EXPECT_EQ(failed.status, "failed");
  EXPECT_NE(failed.error.find("host pool-1 stopped answering"), std::string::npos) << failed.error;
  // Lost already: a second pass changes nothing.
  auto again = Pass(kLostAfter + 5000, 0, 0);
  EXPECT_TRUE(again.lost.empty() && again.moved == 0);

  // pool-1 is empty now but lost: a new instance finds no room.
  auto refused = RunInstances(*cloud_, Run());
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::kNoStock);

  // The host with its own files goes while its instance plugs a disk in and its data disk out:
  // the instance cannot leave, and stops; the disks settle as on a stopped instance.
  std::string detaching, attaching = "d-plugging";
  ASSERT_TRUE(cloud_
                  ->Write([&](Txn& txn) -> Status {
                    Instance& i = txn.state().instances.at(local);
                    Disk& data = txn.state().disks.at(i.disk_ids.back());
                    detaching = data.id;
                    data.status = "Detaching";
                    txn.Touch(data);
                    Disk plug{.id = attaching,
                              .account_id = "acct",
                              .region_id = "local",
                              .zone_id = "local-a",
                              .type = "data",
                              .category = "cloud_essd",
                              .size_gib = 20};
                    plug.status = "Attaching";
                    plug.instance_id = local;
                    plug.host_id = "files";
                    txn.Put(plug);
                    i.disk_ids.push_back(attaching);
                    txn.Touch(i);
                    return Ok();
                  })
                  .ok());
  auto files = Pass(kLostAfter + 9000, 0, kLostAfter + 1);
  EXPECT_EQ(files.lost, std::vector<std::string>{"files"});
  EXPECT_EQ(files.stopped, 1);
  Instance l = Get(local);
  EXPECT_EQ(l.status, InstanceStatus::kStopped);
  EXPECT_EQ(l.desired, DesiredPower::kStopped);
  EXPECT_FALSE(l.claimed);
  EXPECT_EQ(l.host_id, "files");  // its disks are there
  EXPECT_EQ(l.stopped_mode, "StopCharging");
  EXPECT_EQ(Events(local), std::vector<std::string>{"SystemFailure.Stop"});
  cloud_->Read<int>([&](const State& s) {
    EXPECT_EQ(s.disks.at(attaching).status, "In_use");
    EXPECT_EQ(s.disks.at(detaching).status, "Available");
    EXPECT_EQ(s.instances.at(local).disk_ids.size(), 2u);  // the system disk and the new one
    return 0;
  });
  // While its host is lost it cannot start.
  PowerRequest start_local{
      .account_id = "acct", .instance_ids = {local}, .mode = BatchMode::kSuccessFirst};
  auto start = StartInstances(*cloud_, start_local);
  ASSERT_TRUE(start.ok());
  ASSERT_TRUE(start->at(0).error.has_value());
  EXPECT_EQ(start->at(0).error->code, ErrorCode::kNoStock);

  // After a server restart nothing has been heard from them: they stay lost.
  auto restarted = Pass(0, 0, 0, /*heard=*/false);
  EXPECT_TRUE(restarted.back.empty());
  // Both come back; the instance starts where its disks are, and pool-1 takes new work.
  auto back = Pass(0, 0, 0);
  EXPECT_EQ(back.back.size(), 2u);
  start = StartInstances(*cloud_, start_local);
  ASSERT_TRUE(start.ok());
  EXPECT_FALSE(start->at(0).error.has_value()) << start->at(0).error->message;
  EXPECT_EQ(Get(local).host_id, "files");
  auto ids = RunInstances(*cloud_, Run());
  ASSERT_TRUE(ids.ok());
  EXPECT_EQ(Get(ids->front()).host_id, "pool-1");

  // Released while its host is lost: the release does not wait for the host that is gone.
  ASSERT_TRUE(cloud_
                  ->Write([&](Txn& txn) -> Status {
                    Instance& i = txn.state().instances.at(local);
                    i.status = InstanceStatus::kRunning;
                    i.task = InstanceTask::kNone;
                    txn.Touch(i);
                    return Ok();
                  })
                  .ok());
  ASSERT_TRUE(Pass(0, 0, kLostAfter + 1).lost.size() == 1);
  auto deleted = DeleteInstances(*cloud_, {.account_id = "acct", .instance_ids = {local}});
  ASSERT_TRUE(deleted.ok()) << deleted.error().message;
  auto swept = Pass(0, 0, kLostAfter + 2);
  EXPECT_EQ(swept.released, 1);
  EXPECT_FALSE(cloud_->Read<bool>([&](const State& s) { return s.instances.count(local) > 0; }));
}

TEST_F(HostHealthTest, ManySilentAtOnceAreHeldBackAndTheRestStopWithoutRoom) {
  auto on = Fill();
  ASSERT_EQ(on.size(), 3u);
  ASSERT_TRUE(cloud_
                  ->Write([&](Txn& txn) -> Status {
                    Instance& i = txn.state().instances.at(on["pool-1"]);
                    i.maintenance_action = "Stop";
                    txn.Touch(i);
                    return Ok();
                  })
                  .ok());
  // Two of three hosts silent at once: held back, nobody is declared lost.
  auto held = Pass(kLostAfter + 1, kLostAfter + 1, 0);
  EXPECT_TRUE(held.held_back);
  EXPECT_TRUE(held.lost.empty());
  EXPECT_EQ(Get(on["pool-1"]).status, InstanceStatus::kRunning);
  // One at a time: pool-1's instance stops (its maintenance action), then pool-2's has no room
  // left on the pool.
  auto first = Pass(kLostAfter + 1, 0, 0);
  auto second = Pass(kLostAfter + 1, kLostAfter + 1, 0);
  EXPECT_EQ(first.lost.size() + second.lost.size(), 2u);
  EXPECT_EQ(first.moved + second.moved, 0);
  EXPECT_EQ(first.stopped + second.stopped, 2);
  for (const char* h : {"pool-1", "pool-2"}) {
    EXPECT_EQ(Get(on[h]).status, InstanceStatus::kStopped) << h;
    EXPECT_EQ(Get(on[h]).host_id, h);
  }
}

// Custom images made by pool-1: one into the pool it shares (its report says so), one in its own
// files. The first starts anywhere on the pool and its instances move when pool-1 is lost; the
// second is bound to pool-1. A report naming a storage pool-1 does not share is not believed.
TEST_F(HostHealthTest, AnImageMadeIntoThePoolGoesWhereThePoolIs) {
  ASSERT_TRUE(
      cloud_
          ->Write([&](Txn& txn) -> Status {
            for (const char* id : {"m-pooled", "m-files", "m-liar"})
              txn.Put(CustomImage{.id = id,
                                  .account_id = "acct",
                                  .region_id = "local",
                                  .name = id,
                                  .boot_image_id = "debian_12_tiny_x64_openecs",
                                  .host_id = "pool-1",
                                  .size_gib = 1});
            ImageReport r{.progress = 100, .done = true};
            for (auto [id, storage] :
                 {std::pair{"m-pooled", "rbd:f/p"}, {"m-files", ""}, {"m-liar", "rbd:other/p"}}) {
              r.image_id = id;
              r.storage = storage;
              ApplyImageReport(txn, "pool-1", r);
            }
            return Ok();
          })
          .ok());
  cloud_->Read<int>([](const State& s) {
    EXPECT_EQ(s.images.at("m-pooled").status, "Available");
    EXPECT_EQ(s.images.at("m-pooled").storage, "rbd:f/p");
    EXPECT_EQ(s.images.at("m-files").storage, "");
    EXPECT_EQ(s.images.at("m-liar").storage, "");
    // Every host of the pool keeps the pooled image (the boot files it fetched); the files host
    // does not. A copy being made keeps its source, even one deleted meanwhile.
    auto kept = [&](const std::string& host, const std::string& image) {
      auto list = ImagesKeptBy(s, host);
      return std::find(list.begin(), list.end(), image) != list.end();
    };
    EXPECT_TRUE(kept("pool-2", "m-pooled"));
    EXPECT_FALSE(kept("files", "m-pooled"));
    EXPECT_TRUE(kept("pool-1", "m-files"));
    EXPECT_FALSE(kept("pool-2", "m-files"));
    return 0;
  });
  ASSERT_TRUE(cloud_
                  ->Write([&](Txn& txn) -> Status {
                    txn.Put(CustomImage{.id = "m-copy",
                                        .account_id = "acct",
                                        .region_id = "local",
                                        .name = "m-copy",
                                        .import_url = "image:m-deleted",
                                        .host_id = "pool-1"});
                    return Ok();
                  })
                  .ok());
  cloud_->Read<int>([](const State& s) {
    for (const char* host : {"pool-1", "pool-2"}) {
      auto list = ImagesKeptBy(s, host);
      EXPECT_NE(std::find(list.begin(), list.end(), "m-deleted"), list.end()) << host;
    }
    return 0;
  });
  auto run = [&](const std::string& image) -> Result<std::string> {
    RunRequest r = Run("ecs.g7.large");
    r.image_id = image;
    OPENECS_ASSIGN_OR_RETURN(auto ids, RunInstances(*cloud_, r));
    Running(ids.front());
    return ids.front();
  };
  // pool-2 silent: the pooled image's instance goes to pool-1, the one host of the pool left.
  ASSERT_EQ(Pass(0, kLostAfter + 1, 0).lost, std::vector<std::string>{"pool-2"});
  auto pooled = run("m-pooled");
  ASSERT_TRUE(pooled.ok()) << pooled.error().message;
  EXPECT_EQ(Get(*pooled).host_id, "pool-1");
  ASSERT_EQ(Pass(0, 0, 0).back, std::vector<std::string>{"pool-2"});
  auto files = run("m-files");
  ASSERT_TRUE(files.ok()) << files.error().message;
  EXPECT_EQ(Get(*files).host_id, "pool-1");

  // pool-1 lost: the pooled image's instance starts on pool-2, the other stops; new instances
  // of the pooled image go to pool-2, of the other nowhere.
  auto pass = Pass(kLostAfter + 1, 0, 0);
  EXPECT_EQ(pass.moved, 1);
  EXPECT_EQ(pass.stopped, 1);
  EXPECT_EQ(Get(*pooled).host_id, "pool-2");
  EXPECT_EQ(Get(*pooled).status, InstanceStatus::kStarting);
  EXPECT_EQ(Get(*files).status, InstanceStatus::kStopped);
  EXPECT_FALSE(run("m-files").ok());
  EXPECT_FALSE(run("m-liar").ok());
  auto another = run("m-pooled");
  ASSERT_TRUE(another.ok()) << another.error().message;
  EXPECT_EQ(Get(*another).host_id, "pool-2");
}

TEST_F(HostHealthTest, DedicatedHostsTakeOnlyTheirAccountsInstancesPlacedThere) {
  ASSERT_NE(FindDedicatedHostType("ddh.g7"), nullptr);
  EXPECT_EQ(FindDedicatedHostType("ddh.g7")->family, "ecs.g7");
  auto bad = AllocateDedicatedHosts(
      *cloud_, {.account_id = "acct", .region_id = "local", .type = "ddh.nothere"});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidDedicatedHostTypeNotFound);

  auto dh = AllocateDedicatedHosts(*cloud_, {.account_id = "acct",
                                             .region_id = "local",
                                             .zone_id = "local-a",
                                             .type = "ddh.g7",
                                             .name = "mine"});
  ASSERT_TRUE(dh.ok()) << dh.error().message;
  ASSERT_EQ(dh->size(), 1u);
  std::string machine = cloud_->Read<std::string>(
      [&](const State& s) { return s.dedicated_hosts.at(dh->front()).host_id; });
  // Two shared hosts are left: a third 4-vCPU instance has no room.
  ASSERT_TRUE(RunInstances(*cloud_, Run()).ok());
  ASSERT_TRUE(RunInstances(*cloud_, Run()).ok());
  auto full = RunInstances(*cloud_, Run());
  ASSERT_FALSE(full.ok());
  EXPECT_EQ(full.error().code, ErrorCode::kNoStock);
  // Placed there by name: family, account and zone are checked.
  RunRequest there = Run("ecs.g7.large");
  there.dedicated_host_id = dh->front();
  auto placed = RunInstances(*cloud_, there);
  ASSERT_TRUE(placed.ok()) << placed.error().message;
  Instance i = Get(placed->front());
  EXPECT_EQ(i.host_id, machine);
  EXPECT_EQ(i.dedicated_host_id, dh->front());
  RunRequest other_family = Run("ecs.c7.large");
  other_family.dedicated_host_id = dh->front();
  EXPECT_EQ(RunInstances(*cloud_, other_family).error().code, ErrorCode::kInvalidInstanceType);
  auto not_theirs = cloud_->Read<Result<DedicatedHost>>([&](const State& s) {
    return DedicatedHostFor(s, "someone-else", dh->front(), "local-a",
                            *FindInstanceType("ecs.g7.large"));
  });
  EXPECT_EQ(not_theirs.error().code, ErrorCode::kInvalidDedicatedHostIdNotFound);
  // It stays on its host: a restart cannot move it.
  EXPECT_TRUE(
      cloud_->Read<Demand>([&](const State& s) { return RestartDemandOf(s, i); }).storage.empty());
  // No other host is free to dedicate.
  auto none = AllocateDedicatedHosts(
      *cloud_, {.account_id = "acct", .region_id = "local", .type = "ddh.g7"});
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().code, ErrorCode::kNoStock);
  // Released only once empty; then the machine is shared again.
  EXPECT_EQ(ReleaseDedicatedHost(*cloud_, "acct", dh->front()).error().code,
            ErrorCode::kDedicatedHostInstanceExist);
  Release(i.id);
  ASSERT_TRUE(ReleaseDedicatedHost(*cloud_, "acct", dh->front()).ok());
  auto shared = RunInstances(*cloud_, Run());
  ASSERT_TRUE(shared.ok()) << shared.error().message;
  EXPECT_EQ(Get(shared->front()).host_id, machine);
}

}  // namespace
}  // namespace openecs
