#pragma once
// The fixed catalogue: instance types (five ECS families plus burstable entry types), disk
// categories, and the built-in public images. Pure data, no I/O.
#include <string>
#include <string_view>
#include <vector>

namespace openecs {

struct InstanceType {
  std::string id;        // ecs.g7.large
  std::string family;    // ecs.g7
  std::string category;  // General-purpose | Compute-optimized | Memory-optimized | ...
  int cpu = 0;
  double memory_gib = 0;
  int gpu = 0;
  std::string gpu_spec;  // "" or e.g. "NVIDIA A10"
  double gpu_memory_gib = 0;
  int local_storage_amount = 0;        // number of local disks
  int local_storage_gib = 0;           // size of each local disk
  std::string local_storage_category;  // "" | ephemeral_ssd
  int eni_quantity = 2;
  int eni_private_ips = 6;
  double bandwidth_gbps = 1;
  int pps_k = 100;         // packets per second, thousands
  std::string generation;  // ecs-6 ...
  std::string processor;
  double hourly_price = 0;  // PostPaid list price (USD/hour), used by billing
};

struct Image {
  std::string id;
  std::string name;
  std::string os_name;
  std::string os_type;       // linux
  std::string platform;      // Debian
  std::string architecture;  // x86_64
  int size_gib = 0;          // minimum system disk size
  std::string description;
};

const std::vector<InstanceType>& AllInstanceTypes();
const InstanceType* FindInstanceType(std::string_view id);
const std::vector<Image>& BuiltinImages();
const Image* FindBuiltinImage(std::string_view id);

// Cloud disk categories users may ask for, and their size limits in GiB.
struct DiskCategory {
  std::string name;
  int min_system_gib, max_system_gib, min_data_gib, max_data_gib;
};
const std::vector<DiskCategory>& DiskCategories();
const DiskCategory* FindDiskCategory(std::string_view name);
// Local disks (ephemeral_ssd, local_ssd_pro, local_hdd_pro): raw files on the instance's host,
// made and released with the instance, never detached, resized or snapshotted.
bool IsLocalDiskCategory(std::string_view category);

// The IOPS and throughput (MB/s) ECS gives a disk of this category, performance level (ESSD:
// PL0..PL3) and size, by ECS's published formulas (e.g. ESSD PL1: min(1800 + 50 x GiB, 50000)
// IOPS, min(120 + 0.5 x GiB, 350) MB/s); {0, 0} for an unknown category.
struct DiskPerformance {
  int iops = 0;
  int throughput_mbps = 0;
};
DiskPerformance DiskPerformanceOf(std::string_view category, std::string_view level, int size_gib);

}  // namespace openecs
