// Storage backends side by side (issue 21): the time each takes to make a system disk of an
// image (a qcow2 overlay on the image's base file; an RBD clone of the image's base in the
// pool), an empty data disk, a snapshot of a disk holding data (whole copy plus sha256), a
// disk from that snapshot, a custom image made from the snapshot (CreateImage: a qcow2 file in
// the host's image store; the image's base and boot files in the pool), and a system disk of
// that custom image. It calls the product's LocalStorage and RbdStorage, as the agent
// does, on this machine's files and on the pool of --storage.
//
//   build/bin/storage_bench --storage "$(scripts/ceph)" [--gib 20] [--runs 5] [--written-mib 256]
//
// The image is the built-in one (images/, scripts/build-image). Everything made is removed.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <iostream>
#include <string>
#include <vector>

#include "model/catalogue.h"
#include "storage/local_storage.h"
#include "storage/rbd_storage.h"
#include "sys/exec.h"

namespace fs = std::filesystem;
using namespace openecs;

namespace {

double Ms(const std::function<void()>& f) {
  auto t0 = std::chrono::steady_clock::now();
  f();
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

template <typename T>
void Check(const Result<T>& r, const std::string& what) {
  if (!r.ok()) {
    std::cerr << what << ": " << r.error().message << "\n";
    std::exit(1);
  }
}

struct Figures {
  double first_system = 0, system = 0, data = 0, snapshot = 0, from_snapshot = 0, image = 0,
         from_image = 0;
};

// Runs every step `runs` times on `s`; `write` puts `mib` of data into a disk's volume.
Figures Measure(Storage& s, const std::string& tag, int gib, int runs, int mib,
                const std::function<void(const DiskVolume&, int)>& write) {
  Figures f;
  std::string image = BuiltinImages().front().id;
  std::vector<double> sys, data, snap, from, made, of_image;
  auto disk = [&](const std::string& id, const std::string& type) {
    DesiredDisk d;
    d.disk_id = id;
    d.type = type;
    d.category = "cloud_essd";
    d.size_gib = gib;
    d.image_id = image;
    return d;
  };
  for (int i = 0; i <= runs; ++i) {
    std::string n = tag + std::to_string(getpid()) + "-" + std::to_string(i);
    DesiredDisk system = disk("d-bs" + n, "system");
    double ms = Ms([&] { Check(s.Ensure(system), "system disk"); });
    if (i == 0)
      f.first_system = ms;
    else
      sys.push_back(ms);
    DesiredDisk d = disk("d-bd" + n, "data");
    DiskVolume volume;
    data.push_back(Ms([&] {
      auto v = s.Ensure(d);
      Check(v, "data disk");
      volume = *v;
    }));
    write(volume, mib);
    DesiredSnapshot ds;
    ds.snapshot_id = "s-b" + n;
    ds.disk_id = d.disk_id;
    std::string checksum;
    snap.push_back(Ms([&] {
      auto r = s.MakeSnapshot(ds, nullptr, [](int) {});
      Check(r, "snapshot");
      checksum = r->checksum;
    }));
    DesiredDisk copy = disk("d-bc" + n, "data");
    copy.snapshot_id = ds.snapshot_id;
    copy.snapshot_checksum = checksum;
    from.push_back(Ms([&] { Check(s.Ensure(copy), "disk from snapshot"); }));
    DesiredImageBuild b;
    b.image_id = "m-b" + n;
    b.snapshot_id = ds.snapshot_id;
    b.snapshot_checksum = checksum;
    b.boot_image_id = image;
    made.push_back(Ms([&] { Check(s.MakeImage(b, [](int) {}), "custom image"); }));
    DesiredDisk custom = disk("d-bi" + n, "system");
    custom.image_id = b.image_id;
    of_image.push_back(Ms([&] { Check(s.Ensure(custom), "system disk of the custom image"); }));
  }
  f.system = Median(sys);
  f.data = Median(data);
  f.snapshot = Median(snap);
  f.from_snapshot = Median(from);
  f.image = Median(made);
  f.from_image = Median(of_image);
  Check(s.Collect({}, {}), "collect");
  Check(s.CollectImages({}), "collect images");
  return f;
}

std::string Arg(int argc, char** argv, const std::string& name, const std::string& def) {
  for (int i = 1; i + 1 < argc; ++i)
    if (argv[i] == "--" + name) return argv[i + 1];
  return def;
}

}  // namespace

int main(int argc, char** argv) {
  int gib = std::stoi(Arg(argc, argv, "gib", "20"));
  int runs = std::stoi(Arg(argc, argv, "runs", "5"));
  int mib = std::stoi(Arg(argc, argv, "written-mib", "256"));
  std::string images = fs::absolute(Arg(argc, argv, "image-dir", "images")).string();
  std::string spec = Arg(argc, argv, "storage", "");
  std::string root = "/tmp/openecs-storage-bench-" + std::to_string(getpid());
  auto local = [&] {
    return std::make_unique<LocalStorage>(root + "/disks", images, root + "/snapshots",
                                          root + "/images");
  };
  // Data written through qemu-io, into the qcow2 file or the RBD image.
  auto write = [](const DiskVolume& v, int mib) {
    std::string name = v.rbd.image.empty() ? v.path
                                           : "rbd:" + v.rbd.pool + "/" + v.rbd.image +
                                                 ":conf=" + v.rbd.conf + ":id=" + v.rbd.user;
    Check(RunOk({"qemu-io", "-f", v.format, "-c", "write -P 0x5a 0 " + std::to_string(mib) + "M",
                 name}),
          "qemu-io");
  };
  std::printf("%d GiB disks, %d MiB written before each snapshot, median of %d runs (ms)\n", gib,
              mib, runs);
  std::printf("%-14s %14s %12s %10s %10s %16s %8s %12s\n", "storage", "first system", "system",
              "data", "snapshot", "from snapshot", "image", "image disk");
  auto print = [](const char* name, const Figures& f) {
    std::printf("%-14s %14.0f %12.0f %10.0f %10.0f %16.0f %8.0f %12.0f\n", name, f.first_system,
                f.system, f.data, f.snapshot, f.from_snapshot, f.image, f.from_image);
  };
  {
    auto s = local();
    print("local qcow2", Measure(*s, "l", gib, runs, mib, write));
  }
  if (!spec.empty()) {
    auto parsed = ParseRbdSpec(spec);
    Check(parsed, "--storage");
    RbdStorage s(*parsed, "bench-" + std::to_string(getpid()), local());
    print("rbd (3 copies)", Measure(s, "r", gib, runs, mib, write));
  }
  std::printf(
      "(first system: the first disk of the image on this storage; on RBD it writes the "
      "image's base into the pool)\n");
  fs::remove_all(root);
  return 0;
}
