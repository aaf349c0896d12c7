// LocalStorage on real qcow2 files (qemu-img) in a temporary directory.
#include "storage/local_storage.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "storage/disk_files.h"
#include "sys/exec.h"
#include "sys/files.h"

namespace openecs {
namespace {
namespace fs = std::filesystem;

class LocalStorageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!HaveProgram("qemu-img")) GTEST_SKIP() << "qemu-img is not installed";
    char tmpl[] = "/tmp/openecs-pool-XXXXXX";
    root_ = ::mkdtemp(tmpl);
    fs::create_directories(root_ + "/images/img-1");
    ASSERT_TRUE(openecs::Run({"qemu-img", "create", "-q", "-f", "qcow2",
                              root_ + "/images/img-1/base.qcow2", "1G"})
                    .ok());
    ASSERT_TRUE(
        WriteFileAtomic(root_ + "/images/img-1/image.json", R"({"disk":"base.qcow2"})").ok());
  }
  void TearDown() override {
    if (!root_.empty()) fs::remove_all(root_);
  }
  DesiredDisk Disk(const std::string& id, const std::string& type, int gib) {
    DesiredDisk d;
    d.disk_id = id;
    d.type = type;
    d.size_gib = gib;
    d.image_id = "img-1";
    return d;
  }
  std::string root_;
};

TEST_F(LocalStorageTest, MakesGrowsAndAdoptsDiskFiles) {
  LocalStorage pool(root_ + "/pool", root_ + "/images", root_ + "/snapshots");
  bool made = false;
  ASSERT_TRUE(pool.Ensure(Disk("d-data", "data", 2), &made).ok());
  EXPECT_TRUE(made);
  EXPECT_EQ(*DiskVirtualSize(pool.PathOf("d-data")), int64_t{2} << 30);
  // Again: nothing to make; larger: grown in place; smaller: never shrunk.
  ASSERT_TRUE(pool.Ensure(Disk("d-data", "data", 2), &made).ok());
  EXPECT_FALSE(made);
  ASSERT_TRUE(pool.Ensure(Disk("d-data", "data", 5)).ok());
  EXPECT_EQ(*DiskVirtualSize(pool.PathOf("d-data")), int64_t{5} << 30);
  ASSERT_TRUE(pool.Ensure(Disk("d-data", "data", 3)).ok());
  EXPECT_EQ(*DiskVirtualSize(pool.PathOf("d-data")), int64_t{5} << 30);

  // A system disk is an overlay on its image's base.
  ASSERT_TRUE(pool.Ensure(Disk("d-sys", "system", 20)).ok());
  auto info = openecs::Run({"qemu-img", "info", "-U", pool.PathOf("d-sys")});
  ASSERT_TRUE(info.ok());
  EXPECT_NE(info->find("backing file: " + root_ + "/images/img-1/base.qcow2"), std::string::npos)
      << *info;
  DesiredDisk missing = Disk("d-sys2", "system", 20);
  missing.image_id = "no-such-image";
  EXPECT_FALSE(pool.Ensure(missing).ok());
  EXPECT_FALSE(fs::exists(pool.PathOf("d-sys2")));

  // A file an older version kept in the instance directory moves into the pool.
  fs::create_directories(root_ + "/inst");
  ASSERT_TRUE(
      openecs::Run({"qemu-img", "create", "-q", "-f", "qcow2", root_ + "/inst/d-old.qcow2", "1G"})
          .ok());
  pool.AdoptLegacyDisks(root_ + "/inst");
  ASSERT_TRUE(pool.Ensure(Disk("d-old", "data", 1), &made).ok());
  EXPECT_FALSE(made);
  EXPECT_TRUE(fs::exists(pool.PathOf("d-old")));
  EXPECT_FALSE(fs::exists(root_ + "/inst/d-old.qcow2"));
}

TEST_F(LocalStorageTest, CollectErasesTheBlocksOfDisksThatAreGone) {
  LocalStorage pool(root_ + "/pool", root_ + "/images", root_ + "/snapshots");
  ASSERT_TRUE(pool.Ensure(Disk("d-keep", "data", 1)).ok());
  ASSERT_TRUE(pool.Ensure(Disk("d-gone", "data", 1)).ok());
  // Data in the doomed disk, and a second name for its inode to look at its blocks afterwards.
  ASSERT_TRUE(
      openecs::Run({"qemu-io", "-f", "qcow2", "-c", "write -P 0x5a 0 1M", pool.PathOf("d-gone")})
          .ok());
  std::string witness = root_ + "/witness";
  ASSERT_EQ(::link(pool.PathOf("d-gone").c_str(), witness.c_str()), 0);
  std::string before = ReadFile(witness);
  ASSERT_NE(before.find(std::string(4096, '\x5a')), std::string::npos);

  ASSERT_TRUE(pool.Collect({"d-keep"}, {}).ok());
  EXPECT_TRUE(fs::exists(pool.PathOf("d-keep")));
  EXPECT_FALSE(fs::exists(pool.PathOf("d-gone")));
  std::string after = ReadFile(witness);
  EXPECT_EQ(after.size(), before.size());
  EXPECT_EQ(after, std::string(after.size(), '\0')) << "every byte of the file was zeroed";
}

TEST_F(LocalStorageTest, CollectRemovesSnapshotsThatAreGoneAndTheirPartialFiles) {
  LocalStorage pool(root_ + "/pool", root_ + "/images", root_ + "/snapshots");
  for (const char* name : {"s-keep.qcow2", "s-gone.qcow2", "s-half.qcow2.part", "notes.txt"})
    ASSERT_TRUE(WriteFileAtomic(root_ + "/snapshots/" + name, "data").ok());
  ASSERT_TRUE(pool.Collect({}, {"s-keep"}).ok());
  EXPECT_TRUE(fs::exists(pool.SnapshotPathOf("s-keep")));
  EXPECT_FALSE(fs::exists(pool.SnapshotPathOf("s-gone")));
  EXPECT_FALSE(fs::exists(root_ + "/snapshots/s-half.qcow2.part"));
  EXPECT_TRUE(fs::exists(root_ + "/snapshots/notes.txt")) << "not a snapshot: left alone";
  auto sum = FileChecksum(pool.SnapshotPathOf("s-keep"));
  ASSERT_TRUE(sum.ok());
  EXPECT_EQ(sum->first, "3a6eb0790f39ac87c94f3856b2dd2c5d110e6811602261a9a923d3bb23adc8b7");
  EXPECT_EQ(sum->second, 4);
}

// Writes `text` at offset 0 of a qcow2 disk (qemu-io) and reads it back.
void WritePattern(const std::string& path, const std::string& text) {
  ASSERT_TRUE(
      openecs::Run({"qemu-io", "-f", "qcow2", "-c", "write -P 0x" + text + " 0 64k", path}).ok());
}
bool HasPattern(const std::string& path, const std::string& text) {
  auto r = openecs::Run({"qemu-io", "-f", "qcow2", "-c", "read -P 0x" + text + " 0 64k", path});
  return r.ok() && r->find("Pattern verification failed") == std::string::npos;
}

TEST_F(LocalStorageTest, BuildRestoresASnapshotAndRefusesACorruptedOne) {
  if (!HaveProgram("qemu-io")) GTEST_SKIP() << "qemu-io is not installed";
  LocalStorage pool(root_ + "/pool", root_ + "/images", root_ + "/snapshots");
  ASSERT_TRUE(pool.Ensure(Disk("d-data", "data", 1)).ok());
  std::string disk = pool.PathOf("d-data"), snap = pool.SnapshotPathOf("s-1");
  WritePattern(disk, "5a");
  ASSERT_TRUE(openecs::Run({"qemu-img", "convert", "-O", "qcow2", disk, snap}).ok());
  auto sum = FileChecksum(snap);
  ASSERT_TRUE(sum.ok());
  WritePattern(disk, "a5");  // written after the snapshot

  DesiredDiskBuild b;
  b.disk_id = "d-data";
  b.generation = 1;
  b.snapshot_id = "s-1";
  b.snapshot_checksum = sum->first;
  b.size_gib = 2;  // grown past the snapshot's size
  ASSERT_TRUE(pool.Build(b).ok());
  EXPECT_TRUE(HasPattern(disk, "5a"));
  EXPECT_EQ(*DiskVirtualSize(disk), int64_t{2} << 30);
  EXPECT_FALSE(fs::exists(disk + ".part"));
  EXPECT_FALSE(fs::exists(disk + ".old"));

  // One flipped byte in the snapshot: the build fails naming it, and the disk keeps its data.
  WritePattern(disk, "a5");
  {
    std::fstream f(snap, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(fs::file_size(snap) / 2));
    char c = 0;
    f.read(&c, 1);
    f.seekp(-1, std::ios::cur);
    c = static_cast<char>(c ^ 0x01);
    f.write(&c, 1);
  }
  auto st = pool.Build(b);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("s-1 is corrupted"), std::string::npos) << st.error().message;
  EXPECT_TRUE(HasPattern(disk, "a5"));

  // No snapshot: a data disk is made empty, a system disk an overlay on its image.
  b.snapshot_id.clear();
  ASSERT_TRUE(pool.Build(b).ok());
  EXPECT_TRUE(HasPattern(disk, "00"));
  b.image_id = "img-1";
  ASSERT_TRUE(pool.Build(b).ok());
  auto info = openecs::Run({"qemu-img", "info", "-U", disk});
  ASSERT_TRUE(info.ok());
  EXPECT_NE(info->find("backing file"), std::string::npos);

  // A build that stopped between its renames left the file as <id>.qcow2.old: it is put back
  // (never made anew, never erased).
  WritePattern(disk, "c3");
  fs::rename(disk, disk + ".old");
  ASSERT_TRUE(pool.Ensure(Disk("d-data", "data", 2)).ok());
  EXPECT_TRUE(HasPattern(disk, "c3"));
  fs::rename(disk, disk + ".old");
  b.image_id.clear();
  b.snapshot_id = "s-missing";  // this build fails: the restored file must be left as it was
  EXPECT_FALSE(pool.Build(b).ok());
  EXPECT_TRUE(HasPattern(disk, "c3"));
}

TEST_F(LocalStorageTest, LocalDisksAreSparseRawFilesErasedExtentByExtent) {
  LocalStorage pool(root_ + "/pool", root_ + "/images", root_ + "/snapshots");
  DesiredDisk d = Disk("d-local", "data", 1000);
  d.category = "ephemeral_ssd";
  bool made = false;
  ASSERT_TRUE(pool.Ensure(d, &made).ok());
  EXPECT_TRUE(made);
  std::string raw = pool.FileOf(d);
  EXPECT_EQ(raw, root_ + "/pool/d-local.raw");
  EXPECT_EQ(fs::file_size(raw), uintmax_t{1000} << 30);
  // A tenant's data half-way in; the second link lets the test look after the removal.
  {
    std::fstream f(raw, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(int64_t{500} << 30));
    f << "SECRET";
  }
  std::string link = root_ + "/link";
  fs::create_hard_link(raw, link);
  ASSERT_TRUE(pool.Collect({}, {}).ok());
  EXPECT_FALSE(fs::exists(raw));
  std::ifstream in(link, std::ios::binary);
  in.seekg(static_cast<std::streamoff>(int64_t{500} << 30));
  char got[6] = {1, 1, 1, 1, 1, 1};
  in.read(got, 6);
  EXPECT_EQ(std::string(got, 6), std::string(6, '\0')) << "the data was erased";
  struct stat st {};
  ASSERT_EQ(::stat(link.c_str(), &st), 0);
  EXPECT_LT(st.st_blocks * 512, 64 << 20) << "only the data's extent was written, not 1000 GiB";
}

TEST_F(LocalStorageTest, SnapshotsAreWholeCopiesOfflineOrThroughTheLiveCopy) {
  if (!HaveProgram("qemu-io")) GTEST_SKIP() << "qemu-io is not installed";
  LocalStorage pool(root_ + "/pool", root_ + "/images", root_ + "/snapshots");
  ASSERT_TRUE(pool.Ensure(Disk("d-data", "data", 1)).ok());
  WritePattern(pool.PathOf("d-data"), "5a");
  auto none = [](int) {};

  // Not in use: storage copies the file itself.
  DesiredSnapshot s;
  s.disk_id = "d-data";
  s.snapshot_id = "s-off";
  auto r = pool.MakeSnapshot(s, nullptr, none);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_TRUE(r->done);
  EXPECT_EQ(r->checksum, FileChecksum(pool.SnapshotPathOf("s-off"))->first);
  EXPECT_TRUE(HasPattern(pool.SnapshotPathOf("s-off"), "5a"));
  auto info = openecs::Run({"qemu-img", "info", "-U", pool.SnapshotPathOf("s-off")});
  EXPECT_EQ(info->find("backing file"), std::string::npos) << "a whole copy";

  // In use: the hypervisor's copy writes into the volume storage hands it.
  s.snapshot_id = "s-live";
  DiskVolume seen;
  r = pool.MakeSnapshot(
      s,
      [&](const DiskVolume& target, const std::function<void(int)>&) {
        seen = target;
        WritePattern(target.path, "7e");
        return Ok();
      },
      none);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(seen.path, pool.SnapshotPathOf("s-live") + ".part");
  EXPECT_EQ(seen.format, "qcow2");
  EXPECT_TRUE(HasPattern(pool.SnapshotPathOf("s-live"), "7e"));
  EXPECT_EQ(*DiskVirtualSize(pool.SnapshotPathOf("s-live")), int64_t{1} << 30);

  // A copy that fails leaves nothing behind.
  s.snapshot_id = "s-fail";
  r = pool.MakeSnapshot(
      s,
      [](const DiskVolume&, const std::function<void(int)>&) -> Status {
        return MakeError(ErrorCode::kInternalError, "the block job failed");
      },
      none);
  EXPECT_FALSE(r.ok());
  EXPECT_FALSE(fs::exists(pool.SnapshotPathOf("s-fail")));
  EXPECT_FALSE(fs::exists(pool.SnapshotPathOf("s-fail") + ".part"));

  // Made already: never made again (its checksum stays the recorded one).
  s.snapshot_id = "s-off";
  bool copied = false;
  WritePattern(pool.PathOf("d-data"), "11");
  r = pool.MakeSnapshot(
      s,
      [&](const DiskVolume&, const std::function<void(int)>&) {
        copied = true;
        return Ok();
      },
      none);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(copied);
  EXPECT_TRUE(HasPattern(pool.SnapshotPathOf("s-off"), "5a"));
}

TEST_F(LocalStorageTest, BootComesFromTheImagesDescription) {
  LocalStorage pool(root_ + "/pool", root_ + "/images", root_ + "/snapshots");
  auto own = pool.Boot("img-1");  // no kernel: the disk's own loader
  ASSERT_TRUE(own.ok());
  EXPECT_EQ(own->kernel, "");
  fs::create_directories(root_ + "/images/img-k");
  ASSERT_TRUE(WriteFileAtomic(root_ + "/images/img-k/image.json",
                              R"({"disk":"base.qcow2","kernel":"vmlinuz","initrd":"initrd.img",)"
                              R"("cmdline":"console=ttyS0 quiet","boot_complete_marker":"up!"})")
                  .ok());
  auto k = pool.Boot("img-k");
  ASSERT_TRUE(k.ok());
  EXPECT_EQ(k->kernel, root_ + "/images/img-k/vmlinuz");
  EXPECT_EQ(k->initrd, root_ + "/images/img-k/initrd.img");
  EXPECT_EQ(k->cmdline, "console=ttyS0 quiet");
  EXPECT_EQ(k->boot_complete_marker, "up!");
  EXPECT_FALSE(pool.Boot("img-none").ok());
}

}  // namespace
}  // namespace openecs
