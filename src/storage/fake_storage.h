#pragma once
// The emulator's storage (storage.h): no files. Each operation sleeps for the delay (the
// emulator's --fake-delay-ms, changed at run time through /openecs/fake/faults) and succeeds; a
// snapshot's checksum is a function of its id, and anything made from a snapshot must carry
// that checksum, so a corrupted-snapshot path can be walked without QEMU. For the emulator and
// tests; never the product's storage for real guests.
#include <atomic>

#include "storage/storage.h"

namespace openecs {

class FakeStorage final : public Storage {
 public:
  // `shared_id`: what the host reports as its storage (the emulator's --storage rbd:...: the
  // fake hosts that give the same spec share disks, as hosts of one RBD pool do).
  explicit FakeStorage(int delay_ms = 300, std::string shared_id = "")
      : delay_ms_(delay_ms), shared_id_(std::move(shared_id)) {}
  void set_delay_ms(int ms) { delay_ms_ = ms; }

  std::string Name() const override { return "fake"; }
  std::string SharedId() const override { return shared_id_; }
  // Any image boots (by its own loader).
  Result<ImageBoot> Boot(const std::string&) override { return ImageBoot{}; }
  // A volume named after the disk; nothing is made and no time passes (the driver's own delay
  // stands for the whole spawn or plug).
  Result<DiskVolume> Ensure(const DesiredDisk& d, bool* made = nullptr) override;
  Status Erase(const DesiredDisk&) override { return Ok(); }
  // After the delay; a snapshot source must carry the checksum MakeSnapshot gave it.
  Status Build(const DesiredDiskBuild& b) override;
  // Half the delay, 50 %, half the delay, done; `live` is not called.
  Result<SnapshotReport> MakeSnapshot(const DesiredSnapshot& s, const LiveCopy& live,
                                      const std::function<void(int)>& progress) override;
  // As MakeSnapshot (the same checksum rule for a snapshot source); made in the shared storage
  // when the host has one.
  Result<ImageReport> MakeImage(const DesiredImageBuild& b,
                                const std::function<void(int)>& progress) override;
  Status ExportImage(const DesiredImageExport& e) override;  // after the delay
  Status CollectImages(const std::set<std::string>&) override { return Ok(); }
  Status Collect(const std::set<std::string>&, const std::set<std::string>&) override {
    return Ok();
  }

  // The checksum FakeStorage gives snapshot `snapshot_id`.
  static std::string ChecksumOf(const std::string& snapshot_id);

 private:
  void Sleep(int divisor) const;
  std::atomic<int> delay_ms_;
  std::string shared_id_;
};

}  // namespace openecs
