#include "model/catalogue.h"

#include <algorithm>

namespace openecs {
namespace {

struct FamilySpec {
  std::string family, category, generation, processor;
  double mem_per_cpu;  // GiB per vCPU
  double price_per_cpu;
  std::vector<std::pair<std::string, int>> sizes;  // suffix, vCPUs
};

std::vector<InstanceType> Build() {
  std::vector<InstanceType> out;
  auto add_family = [&](const FamilySpec& f) {
    for (auto& [suffix, cpu] : f.sizes) {
      InstanceType t;
      t.id = f.family + "." + suffix;
      t.family = f.family;
      t.category = f.category;
      t.generation = f.generation;
      t.processor = f.processor;
      t.cpu = cpu;
      t.memory_gib = cpu * f.mem_per_cpu;
      t.eni_quantity = cpu <= 2 ? 2 : (cpu <= 4 ? 3 : (cpu <= 8 ? 4 : 8));
      t.eni_private_ips = cpu <= 2 ? 6 : 10;
      t.bandwidth_gbps = cpu <= 2 ? 2 : cpu * 0.75;
      t.pps_k = cpu * 150;
      t.hourly_price = cpu * f.price_per_cpu;
      out.push_back(t);
    }
  };
  const std::vector<std::pair<std::string, int>> std_sizes = {{"large", 2},    {"xlarge", 4},
                                                              {"2xlarge", 8},  {"3xlarge", 12},
                                                              {"4xlarge", 16}, {"8xlarge", 32}};
  add_family({"ecs.g7", "General-purpose", "ecs-6", "Intel Xeon (Ice Lake) Platinum 8369B", 4,
              0.036, std_sizes});
  add_family({"ecs.c7", "Compute-optimized", "ecs-6", "Intel Xeon (Ice Lake) Platinum 8369B", 2,
              0.030, std_sizes});
  add_family({"ecs.r7", "Memory-optimized", "ecs-6", "Intel Xeon (Ice Lake) Platinum 8369B", 8,
              0.048, std_sizes});
  // Burstable and shared entry types: the small end, down to 1 vCPU / 0.5 GiB.
  auto add_one = [&](std::string id, std::string family, std::string category, int cpu, double mem,
                     double price) {
    InstanceType t;
    t.id = std::move(id);
    t.family = std::move(family);
    t.category = std::move(category);
    t.generation = "ecs-5";
    t.processor = "Intel Xeon (Skylake) Platinum 8163";
    t.cpu = cpu;
    t.memory_gib = mem;
    t.eni_quantity = 1;
    t.eni_private_ips = 2;
    t.bandwidth_gbps = 0.1;
    t.pps_k = 50;
    t.hourly_price = price;
    out.push_back(t);
  };
  add_one("ecs.t5-lc2m1.nano", "ecs.t5", "Shared", 1, 0.5, 0.004);
  add_one("ecs.t6-c1m1.large", "ecs.t6", "Shared", 2, 2, 0.015);
  add_one("ecs.t6-c1m2.large", "ecs.t6", "Shared", 2, 4, 0.025);
  add_one("ecs.e-c1m1.large", "ecs.e", "Shared", 2, 2, 0.018);
  // Storage-optimised with local NVMe SSDs (pinned to their host).
  struct LocalSize {
    const char* suffix;
    int cpu, disks;
  };
  for (auto [suffix, cpu, disks] : {LocalSize{"xlarge", 4, 1}, LocalSize{"2xlarge", 8, 1},
                                    LocalSize{"4xlarge", 16, 2}, LocalSize{"8xlarge", 32, 4}}) {
    InstanceType t;
    t.id = std::string("ecs.i3.") + suffix;
    t.family = "ecs.i3";
    t.category = "Storage-optimized";
    t.generation = "ecs-6";
    t.processor = "Intel Xeon (Ice Lake) Platinum 8369B";
    t.cpu = cpu;
    t.memory_gib = cpu * 8.0;
    t.local_storage_amount = disks;
    t.local_storage_gib = 1788;
    t.local_storage_category = "ephemeral_ssd";
    t.eni_quantity = cpu <= 4 ? 3 : 4;
    t.eni_private_ips = 10;
    t.bandwidth_gbps = cpu * 0.75;
    t.pps_k = cpu * 150;
    t.hourly_price = cpu * 0.07;
    out.push_back(t);
  }
  // GPU: offered only where a host declares GPUs.
  struct GpuSize {
    const char* id;
    int cpu;
    double mem;
    int gpus;
  };
  for (auto [id, cpu, mem, gpus] :
       {GpuSize{"ecs.gn7i-c8g1.2xlarge", 8, 30, 1}, GpuSize{"ecs.gn7i-c16g1.4xlarge", 16, 60, 1},
        GpuSize{"ecs.gn7i-c32g1.8xlarge", 32, 188, 1},
        GpuSize{"ecs.gn7i-2x.8xlarge", 32, 128, 2}}) {
    InstanceType t;
    t.id = id;
    t.family = "ecs.gn7i";
    t.category = "GPU";
    t.generation = "ecs-6";
    t.processor = "Intel Xeon (Ice Lake) Platinum 8369B";
    t.cpu = cpu;
    t.memory_gib = mem;
    t.gpu = gpus;
    t.gpu_spec = "NVIDIA A10";
    t.gpu_memory_gib = 24;
    t.eni_quantity = 4;
    t.eni_private_ips = 10;
    t.bandwidth_gbps = 16;
    t.pps_k = 1600;
    t.hourly_price = 1.2 * gpus + cpu * 0.03;
    out.push_back(t);
  }
  return out;
}

}  // namespace

const std::vector<InstanceType>& AllInstanceTypes() {
  static const std::vector<InstanceType> kTypes = Build();
  return kTypes;
}

const InstanceType* FindInstanceType(std::string_view id) {
  for (const auto& t : AllInstanceTypes())
    if (t.id == id) return &t;
  return nullptr;
}

const std::vector<Image>& BuiltinImages() {
  static const std::vector<Image> kImages = {
      {"debian_12_tiny_x64_openecs", "debian_12_tiny_x64_openecs",
       "Debian 12 tiny (OpenECS) 64-bit", "linux", "Debian", "x86_64", 1,
       "Debian 12 kernel with a busybox userland and dropbear SSH; boots in seconds under TCG."},
  };
  return kImages;
}

const Image* FindBuiltinImage(std::string_view id) {
  for (const auto& i : BuiltinImages())
    if (i.id == id) return &i;
  return nullptr;
}

const std::vector<DiskCategory>& DiskCategories() {
  static const std::vector<DiskCategory> kCategories = {
      {"cloud_essd", 1, 2048, 1, 65536},
      {"cloud_ssd", 1, 2048, 20, 32768},
      {"cloud_efficiency", 1, 2048, 20, 32768},
      {"cloud", 1, 500, 5, 2000},
  };
  return kCategories;
}

bool IsLocalDiskCategory(std::string_view category) {
  return category == "ephemeral_ssd" || category == "local_ssd_pro" || category == "local_hdd_pro";
}

const DiskCategory* FindDiskCategory(std::string_view name) {
  for (const auto& c : DiskCategories())
    if (c.name == name) return &c;
  return nullptr;
}

DiskPerformance DiskPerformanceOf(std::string_view category, std::string_view level, int size_gib) {
  auto perf = [&](double iops_base, double iops_per_gib, int iops_max, double mbps_base,
                  double mbps_per_gib, int mbps_max) {
    return DiskPerformance{
        static_cast<int>(std::min<double>(iops_base + iops_per_gib * size_gib, iops_max)),
        static_cast<int>(std::min<double>(mbps_base + mbps_per_gib * size_gib, mbps_max))};
  };
  if (category == "cloud_essd") {
    if (level == "PL0") return perf(1800, 12, 10000, 100, 0.25, 180);
    if (level == "PL2") return perf(1800, 50, 100000, 120, 0.5, 750);
    if (level == "PL3") return perf(1800, 50, 1000000, 120, 0.5, 4000);
    return perf(1800, 50, 50000, 120, 0.5, 350);  // PL1
  }
  if (category == "cloud_ssd") return perf(1800, 30, 25000, 120, 0.5, 300);
  if (category == "cloud_efficiency") return perf(1800, 8, 5000, 100, 0.15, 140);
  if (category == "cloud") return {300, 30};
  return {};
}

}  // namespace openecs
