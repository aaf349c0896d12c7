// RbdStorage: the spec parser always; the rest against a real Ceph cluster, the one
// OPENECS_TEST_RBD names (scripts/test starts scripts/ceph and sets it). Every image a test makes
// is named after this process, and removed at the end.
#include "storage/rbd_storage.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "sys/exec.h"
#include "sys/files.h"

namespace openecs {
namespace {
namespace fs = std::filesystem;

// Fence cuts off the clients of other hosts only: what `rbd status` lists from an address of
// this host stays (its own QEMU, a copy of a snapshot in progress).
TEST(RbdFence, ForeignWatchersAreTheOnesFromOtherHostsAddresses) {
  std::string status = R"({"watchers":[
      {"address":"192.168.252.2:0/3312","client":4171,"cookie":1},
      {"address":"v1:192.168.252.1:0/88","client":4172,"cookie":2},
      {"address":"[fd00::2]:0/9","client":4173,"cookie":3},
      {"client":4174}]})";
  EXPECT_EQ(ForeignWatchers(status, {"127.0.0.1", "192.168.252.1"}),
            (std::vector<std::string>{"192.168.252.2:0/3312", "[fd00::2]:0/9"}));
  EXPECT_EQ(ForeignWatchers(status, {"192.168.252.1", "192.168.252.2", "fd00::2"}),
            std::vector<std::string>{});
  EXPECT_TRUE(ForeignWatchers(R"({"watchers":[]})", {}).empty());
  EXPECT_TRUE(ForeignWatchers("not json", {}).empty());
  EXPECT_TRUE(ForeignWatchers(R"({"watchers":{"address":"1.2.3.4:0/1"}})", {}).empty());
}

TEST(RbdSpec, ParsesWhatScriptsCephPrints) {
  auto s = ParseRbdSpec("rbd:pool=openecs,conf=/v/ceph.conf,keyring=/v/k.keyring,user=admin");
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->pool, "openecs");
  EXPECT_EQ(s->conf, "/v/ceph.conf");
  EXPECT_EQ(s->keyring, "/v/k.keyring");
  EXPECT_EQ(s->user, "admin");
  auto d = ParseRbdSpec("rbd:pool=p");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->conf, "/etc/ceph/ceph.conf");
  EXPECT_EQ(d->user, "admin");
  for (const char* bad : {"pool=p", "rbd:", "rbd:conf=/c", "rbd:pool=", "rbd:pool=p,size=3",
                          "rbd:pool=p,conf=/a b", "rbd:pool=p:x", "rbd:pool=p,conf='/c'"})
    EXPECT_FALSE(ParseRbdSpec(bad).ok()) << bad;
}

class RbdStorageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* spec = std::getenv("OPENECS_TEST_RBD");
    if (!spec || !*spec) GTEST_SKIP() << "OPENECS_TEST_RBD is not set (scripts/ceph prints it)";
    auto parsed = ParseRbdSpec(spec);
    ASSERT_TRUE(parsed.ok()) << parsed.error().message;
    spec_ = *parsed;
    tag_ = "ut" + std::to_string(::getpid());
    char tmpl[] = "/tmp/openecs-rbd-XXXXXX";
    root_ = ::mkdtemp(tmpl);
    // An image whose disk holds 0x5a in its first 64 KiB.
    std::string dir = root_ + "/images/img-" + tag_;
    fs::create_directories(dir);
    ASSERT_TRUE(
        openecs::Run({"qemu-img", "create", "-q", "-f", "qcow2", dir + "/base.qcow2", "1G"}).ok());
    ASSERT_TRUE(
        openecs::Run({"qemu-io", "-f", "qcow2", "-c", "write -P 0x5a 0 64k", dir + "/base.qcow2"})
            .ok());
    // It boots with a kernel and an initrd (custom images made from it carry them).
    ASSERT_TRUE(WriteFileAtomic(dir + "/image.json",
                                R"({"disk":"base.qcow2","build_id":"b1","kernel":"vmlinuz",)"
                                R"("initrd":"initrd.img","cmdline":"console=ttyS0 quiet"})")
                    .ok());
    ASSERT_TRUE(WriteFileAtomic(dir + "/vmlinuz", "KERNEL").ok());
    ASSERT_TRUE(WriteFileAtomic(dir + "/initrd.img", "INITRD").ok());
  }
  void TearDown() override {
    if (root_.empty()) return;
    // Everything this test's hosts made; then the image's base, which nothing collects.
    for (const char* host : {"a", "b"}) (void)Storage(host)->Collect({}, {});
    for (const char* host : {"a", "b"}) (void)Storage(host)->CollectImages({});
    std::string base = spec_.pool + "/base.img-" + tag_ + ".b1";
    (void)openecs::Run(Rbd({"snap", "unprotect", base + "@base"}));
    (void)openecs::Run(Rbd({"snap", "purge", base}));
    (void)openecs::Run(Rbd({"rm", base}));
    fs::remove_all(root_);
  }
  // `own_files`: the host has its own image store and exchange directory (another machine);
  // otherwise the hosts share one.
  std::unique_ptr<RbdStorage> Storage(const std::string& host, bool own_files = false) {
    std::string mine = own_files ? "-" + host : "";
    auto local =
        std::make_unique<LocalStorage>(root_ + "/pool", root_ + "/images", root_ + "/snapshots",
                                       root_ + "/custom" + mine, root_ + "/exchange" + mine);
    return std::make_unique<RbdStorage>(spec_, tag_ + "-" + host, std::move(local));
  }
  std::vector<std::string> Rbd(std::vector<std::string> args) {
    std::vector<std::string> a = {"rbd", "--conf", spec_.conf, "--id", spec_.user};
    if (!spec_.keyring.empty()) a.insert(a.end(), {"--keyring", spec_.keyring});
    a.insert(a.end(), args.begin(), args.end());
    return a;
  }
  std::string Id(const std::string& what) { return what.substr(0, 2) + tag_ + what.substr(1); }
  DesiredDisk Disk(const std::string& id, const std::string& type, int gib) {
    DesiredDisk d;
    d.disk_id = id;
    d.type = type;
    d.category = "cloud_essd";
    d.size_gib = gib;
    d.image_id = "img-" + tag_;
    return d;
  }
  std::string QemuName(const std::string& image) {
    return "rbd:" + spec_.pool + "/" + image + ":conf=" + spec_.conf + ":id=" + spec_.user;
  }
  // qemu-io on the image: writes `byte` over its first 64 KiB, or says whether they hold it.
  void Write(const std::string& image, const char* byte) {
    auto r = openecs::Run({"qemu-io", "-f", "raw", "-c", std::string("write -P ") + byte + " 0 64k",
                           QemuName(image)});
    ASSERT_TRUE(r.ok()) << r.error().message;
  }
  bool Holds(const std::string& image, const char* byte) {
    auto r = openecs::Run(
        {"qemu-io", "-f", "raw", "-c", std::string("read -P ") + byte + " 0 64k", QemuName(image)});
    return r.ok() && r->find("verification failed") == std::string::npos &&
           r->find("read 65536/65536") != std::string::npos;
  }
  bool Exists(const std::string& image) {
    return openecs::Run(Rbd({"info", spec_.pool + "/" + image})).ok();
  }
  int64_t Size(const std::string& image) {
    auto r = openecs::Run(Rbd({"info", "--format", "json", spec_.pool + "/" + image}));
    if (!r.ok()) return -1;
    return std::stoll(r->substr(r->find("\"size\":") + 7));
  }
  RbdSpec spec_;
  std::string tag_, root_;
};

TEST_F(RbdStorageTest, SystemDisksAreClonesOfTheImageDataDisksAreThinAndBothGrow) {
  auto s = Storage("a");
  bool made = false;
  auto sys = s->Ensure(Disk(Id("d-sys"), "system", 2), &made);
  ASSERT_TRUE(sys.ok()) << sys.error().message;
  EXPECT_TRUE(made);
  EXPECT_EQ(sys->rbd.pool, spec_.pool);
  EXPECT_EQ(sys->rbd.image, Id("d-sys"));
  EXPECT_EQ(sys->format, "raw");
  EXPECT_TRUE(Holds(Id("d-sys"), "0x5a")) << "the image's content";
  EXPECT_EQ(Size(Id("d-sys")), int64_t{2} << 30);
  auto info = openecs::Run(Rbd({"info", "--format", "json", spec_.pool + "/" + Id("d-sys")}));
  ASSERT_TRUE(info.ok());
  EXPECT_NE(info->find("\"parent\""), std::string::npos) << "a clone: " << *info;
  // A second system disk of the same image reuses its base.
  ASSERT_TRUE(s->Ensure(Disk(Id("d-sys2"), "system", 1)).ok());
  EXPECT_TRUE(Holds(Id("d-sys2"), "0x5a"));
  // Writing to one disk changes neither the other nor the base.
  Write(Id("d-sys"), "0x11");
  EXPECT_TRUE(Holds(Id("d-sys2"), "0x5a"));

  ASSERT_TRUE(s->Ensure(Disk(Id("d-data"), "data", 1), &made).ok());
  EXPECT_TRUE(made);
  EXPECT_TRUE(Holds(Id("d-data"), "0x00")) << "a data disk starts empty";
  ASSERT_TRUE(s->Ensure(Disk(Id("d-data"), "data", 3), &made).ok());
  EXPECT_FALSE(made);
  EXPECT_EQ(Size(Id("d-data")), int64_t{3} << 30) << "grown";
  ASSERT_TRUE(s->Ensure(Disk(Id("d-data"), "data", 2)).ok());
  EXPECT_EQ(Size(Id("d-data")), int64_t{3} << 30) << "never shrunk";

  ASSERT_TRUE(s->Erase(Disk(Id("d-data"), "data", 3)).ok());
  EXPECT_FALSE(Exists(Id("d-data")));
  EXPECT_TRUE(s->Erase(Disk(Id("d-data"), "data", 3)).ok()) << "erased already";
}

TEST_F(RbdStorageTest, SnapshotsAreWholeCopiesCheckedBeforeUseAndOutliveTheirDisk) {
  auto s = Storage("a");
  ASSERT_TRUE(s->Ensure(Disk(Id("d-src"), "system", 1)).ok());
  Write(Id("d-src"), "0x7e");
  DesiredSnapshot snap;
  snap.snapshot_id = Id("s-1");
  snap.disk_id = Id("d-src");
  int last = -1;
  auto r = s->MakeSnapshot(snap, nullptr, [&](int p) { last = p; });
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_TRUE(r->done);
  EXPECT_EQ(r->checksum.size(), 64u);
  EXPECT_GE(last, 1);
  // The disk keeps no RBD snapshot; the copy has no parent; the checksum is stable.
  auto snaps =
      openecs::Run(Rbd({"snap", "ls", "--format", "json", spec_.pool + "/" + Id("d-src")}));
  ASSERT_TRUE(snaps.ok());
  EXPECT_EQ(*snaps, "[]\n");
  auto info = openecs::Run(Rbd({"info", "--format", "json", spec_.pool + "/" + Id("s-1")}));
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->find("\"parent\""), std::string::npos) << *info;
  EXPECT_EQ(s->Checksum(Id("s-1"))->first, r->checksum);
  // Asked again (a stale desired state): not remade, the same checksum.
  auto again = s->MakeSnapshot(snap, nullptr, [](int) {});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->checksum, r->checksum);

  // The disk goes; the snapshot stays and a new disk is made from it.
  Write(Id("d-src"), "0x00");
  ASSERT_TRUE(s->Erase(Disk(Id("d-src"), "system", 1)).ok());
  DesiredDisk from = Disk(Id("d-copy"), "data", 2);
  from.snapshot_id = Id("s-1");
  from.snapshot_checksum = r->checksum;
  ASSERT_TRUE(s->Ensure(from).ok());
  EXPECT_TRUE(Holds(Id("d-copy"), "0x7e"));
  EXPECT_EQ(Size(Id("d-copy")), int64_t{2} << 30);

  // A snapshot whose content changed is refused; the disk being made anew keeps its content.
  Write(Id("s-1"), "0x33");
  DesiredDiskBuild b;
  b.disk_id = Id("d-copy");
  b.snapshot_id = Id("s-1");
  b.snapshot_checksum = r->checksum;
  b.size_gib = 2;
  Status refused = s->Build(b);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("corrupted"), std::string::npos);
  EXPECT_TRUE(Holds(Id("d-copy"), "0x7e"));
  EXPECT_FALSE(Exists(Id("d-copy") + ".part"));
  // Made anew from its image instead: the image's content, the old one gone.
  DesiredDiskBuild reinit;
  reinit.disk_id = Id("d-copy");
  reinit.image_id = "img-" + tag_;
  reinit.size_gib = 2;
  ASSERT_TRUE(s->Build(reinit).ok());
  EXPECT_TRUE(Holds(Id("d-copy"), "0x5a"));
  EXPECT_FALSE(Exists(Id("d-copy") + ".old"));
}

TEST_F(RbdStorageTest, CollectRemovesOnlyThisHostsImagesThatAreGone) {
  auto a = Storage("a"), b = Storage("b");
  for (const char* d : {"d-keep", "d-gone"}) ASSERT_TRUE(a->Ensure(Disk(Id(d), "data", 1)).ok());
  ASSERT_TRUE(b->Ensure(Disk(Id("d-other"), "data", 1)).ok());
  DesiredSnapshot snap;
  snap.snapshot_id = Id("s-gone");
  snap.disk_id = Id("d-keep");
  ASSERT_TRUE(a->MakeSnapshot(snap, nullptr, [](int) {}).ok());
  ASSERT_TRUE(a->Collect({Id("d-keep")}, {}).ok());
  EXPECT_TRUE(Exists(Id("d-keep")));
  EXPECT_FALSE(Exists(Id("d-gone")));
  EXPECT_FALSE(Exists(Id("s-gone")));
  EXPECT_TRUE(Exists(Id("d-other"))) << "another host's disk is never this host's to remove";
}

// A custom image is made into the pool: its disk a protected base, its boot files beside it.
// Another host, which has none of its files, boots it and makes system disks of it; images are
// copied and exported from the pool; the maker removes it once it is gone and no disk is a clone.
TEST_F(RbdStorageTest, CustomImagesLiveInThePoolAndBootOnEveryHost) {
  auto a = Storage("a", true), b = Storage("b", true);
  ASSERT_TRUE(a->Ensure(Disk(Id("d-src"), "system", 1)).ok());
  Write(Id("d-src"), "0x42");
  DesiredSnapshot snap;
  snap.snapshot_id = Id("s-img");
  snap.disk_id = Id("d-src");
  auto made = a->MakeSnapshot(snap, nullptr, [](int) {});
  ASSERT_TRUE(made.ok()) << made.error().message;
  std::string image = "m-" + tag_;
  DesiredImageBuild build;
  build.image_id = image;
  build.snapshot_id = snap.snapshot_id;
  build.snapshot_checksum = made->checksum;
  build.boot_image_id = "img-" + tag_;
  build.os_name = "Test Linux";
  int last = 0;
  auto r = a->MakeImage(build, [&](int p) { last = p; });
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_TRUE(r->done);
  EXPECT_EQ(r->storage, a->SharedId());
  EXPECT_FALSE(r->storage.empty()) << "scripts/ceph's conf names the cluster's fsid";
  EXPECT_EQ(r->size_gib, 1);
  EXPECT_GT(r->size_bytes, 0);
  EXPECT_GE(last, 80);
  EXPECT_TRUE(Exists("base." + image));
  EXPECT_TRUE(Exists("boot." + image));
  EXPECT_FALSE(fs::exists(root_ + "/custom-a/" + image + "/base.qcow2")) << "not in files";
  auto again = a->MakeImage(build, [](int) {});  // a stale desired state: not made again
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(again->size_bytes, r->size_bytes);

  // Host b: nothing of it in its files; Boot fetches the boot files, with their content.
  EXPECT_FALSE(fs::exists(root_ + "/custom-b/" + image));
  auto boot = b->Boot(image);
  ASSERT_TRUE(boot.ok()) << boot.error().message;
  EXPECT_EQ(boot->kernel, root_ + "/custom-b/" + image + "/vmlinuz");
  EXPECT_EQ(ReadFile(boot->kernel), "KERNEL");
  EXPECT_EQ(ReadFile(boot->initrd), "INITRD");
  EXPECT_EQ(boot->cmdline, "console=ttyS0 quiet");
  EXPECT_FALSE(b->Boot("m-" + tag_ + "x").ok()) << "an image the pool does not hold";
  DesiredDisk sys = Disk(Id("d-img"), "system", 2);
  sys.image_id = image;
  auto volume = b->Ensure(sys);
  ASSERT_TRUE(volume.ok()) << volume.error().message;
  EXPECT_TRUE(Holds(Id("d-img"), "0x42")) << "the snapshot's content";
  auto info = openecs::Run(Rbd({"info", "--format", "json", spec_.pool + "/" + Id("d-img")}));
  ASSERT_TRUE(info.ok());
  EXPECT_NE(info->find("base." + image), std::string::npos) << "a clone of the base: " << *info;

  // CopyImage on host b, from the pool into the pool; ExportImage there too.
  DesiredImageBuild copy;
  copy.image_id = image + "c";
  copy.source_url = "image:" + image;
  copy.boot_image_id = "img-" + tag_;
  ASSERT_TRUE(b->MakeImage(copy, [](int) {}).ok());
  EXPECT_TRUE(Exists("base." + image + "c"));
  DesiredImageExport out{image, "t-1", "acct/bucket/" + image + ".qcow2", "qcow2"};
  ASSERT_TRUE(b->ExportImage(out).ok());
  auto exported = openecs::Run({"qemu-io", "-f", "qcow2", "-c", "read -P 0x42 0 64k",
                                root_ + "/exchange-b/acct/bucket/" + image + ".qcow2"});
  ASSERT_TRUE(exported.ok()) << exported.error().message;
  EXPECT_EQ(exported->find("verification failed"), std::string::npos) << *exported;
  // ImportImage of that file (a user's: read under limits, then put in the pool).
  DesiredImageBuild imported;
  imported.image_id = image + "i";
  imported.source_url = "exchange:acct/bucket/" + image + ".qcow2";
  imported.source_format = "qcow2";
  auto in = b->MakeImage(imported, [](int) {});
  ASSERT_TRUE(in.ok()) << in.error().message;
  EXPECT_EQ(in->storage, b->SharedId());
  EXPECT_TRUE(Holds("base." + image + "i", "0x42"));
  EXPECT_FALSE(fs::exists(root_ + "/custom-b/" + image + "i/disk.raw"));

  // Gone from the records: the maker keeps it while a disk is its clone, then removes it; the
  // copy is host b's to remove; each host drops the boot files it fetched.
  ASSERT_TRUE(a->CollectImages({}).ok());
  EXPECT_TRUE(Exists("base." + image)) << "d-img is a clone of it";
  EXPECT_TRUE(Exists("boot." + image));
  EXPECT_TRUE(Exists("base." + image + "c")) << "host b's image";
  Status erased = b->Erase(sys);
  ASSERT_TRUE(erased.ok())
      << erased.error().message;  // once seen failing under load, cause unknown
  ASSERT_TRUE(a->CollectImages({}).ok());
  EXPECT_FALSE(Exists("base." + image));
  EXPECT_FALSE(Exists("boot." + image));
  EXPECT_FALSE(fs::exists(root_ + "/custom-a/" + image));
  ASSERT_TRUE(b->CollectImages({}).ok());
  EXPECT_FALSE(Exists("base." + image + "c"));
  EXPECT_FALSE(Exists("base." + image + "i"));
  EXPECT_FALSE(fs::exists(root_ + "/custom-b/" + image));
}

// Fence reads the real `rbd status` output: a watcher of this host (here qemu-io holding the
// image open, as a QEMU of this host would) is seen, and left alone: nothing is blocklisted.
TEST_F(RbdStorageTest, FenceSeesWatchersAndLeavesThisHostsAlone) {
  auto a = Storage("a");
  DesiredDisk d = Disk(Id("d-fence"), "data", 1);
  ASSERT_TRUE(a->Ensure(d).ok());
  std::string image = spec_.pool + "/" + d.disk_id, pid_file = root_ + "/watch.pid";
  std::string open = "qemu-io -f raw -c 'sleep 30000' " + QemuName(d.disk_id);
  ASSERT_EQ(std::system((open + " >/dev/null 2>&1 & echo $! > " + pid_file).c_str()), 0);
  std::string status;
  for (int n = 0; n < 100 && ForeignWatchers(status, {}).empty(); ++n) {
    ::usleep(100'000);
    auto r = openecs::Run(Rbd({"status", "--format", "json", image}));
    ASSERT_TRUE(r.ok()) << r.error().message;
    status = *r;
  }
  auto seen = ForeignWatchers(status, {});
  ASSERT_EQ(seen.size(), 1u) << status;
  EXPECT_TRUE(a->Fence(d).ok());
  std::vector<std::string> ls = {"ceph", "--conf", spec_.conf, "--id", spec_.user};
  if (!spec_.keyring.empty()) ls.insert(ls.end(), {"--keyring", spec_.keyring});
  ls.insert(ls.end(), {"osd", "blocklist", "ls"});
  auto blocked = openecs::Run(ls);
  ASSERT_TRUE(blocked.ok()) << blocked.error().message;
  EXPECT_EQ(blocked->find(seen[0]), std::string::npos) << *blocked;
  (void)std::system(("kill $(cat " + pid_file + ")").c_str());
}

}  // namespace
}  // namespace openecs
