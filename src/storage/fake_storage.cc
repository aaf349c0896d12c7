#include "storage/fake_storage.h"

#include <chrono>
#include <thread>

#include "common/crypto.h"

namespace openecs {

namespace {
Status CheckSource(const std::string& snapshot_id, const std::string& checksum) {
  if (snapshot_id.empty() || checksum == FakeStorage::ChecksumOf(snapshot_id)) return Ok();
  return MakeError(ErrorCode::kInternalError,
                   "snapshot " + snapshot_id + " does not match its checksum");
}
}  // namespace

std::string FakeStorage::ChecksumOf(const std::string& snapshot_id) {
  return Sha256Hex("fake snapshot " + snapshot_id);
}

void FakeStorage::Sleep(int divisor) const {
  std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms_.load() / divisor));
}

Result<DiskVolume> FakeStorage::Ensure(const DesiredDisk& d, bool* made) {
  if (made) *made = false;
  return DiskVolume{"fake:" + d.disk_id, "raw"};
}

Status FakeStorage::Build(const DesiredDiskBuild& b) {
  Sleep(1);
  return CheckSource(b.snapshot_id, b.snapshot_checksum);
}

Result<SnapshotReport> FakeStorage::MakeSnapshot(const DesiredSnapshot& s, const LiveCopy&,
                                                 const std::function<void(int)>& progress) {
  Sleep(2);
  progress(50);
  Sleep(2);
  SnapshotReport r;
  r.snapshot_id = s.snapshot_id;
  r.progress = 100;
  r.done = true;
  r.checksum = ChecksumOf(s.snapshot_id);
  return r;
}

Result<ImageReport> FakeStorage::MakeImage(const DesiredImageBuild& b,
                                           const std::function<void(int)>& progress) {
  Sleep(2);
  progress(50);
  Sleep(2);
  OPENECS_RETURN_IF_ERROR(CheckSource(b.snapshot_id, b.snapshot_checksum));
  ImageReport r;
  r.image_id = b.image_id;
  r.progress = 100;
  r.done = true;
  r.storage = shared_id_;  // as RbdStorage makes images in its pool
  return r;
}

Status FakeStorage::ExportImage(const DesiredImageExport&) {
  Sleep(1);
  return Ok();
}

}  // namespace openecs
