// QemuDriver::Stats (qemu_driver.h): a running guest's CPU time from /proc and its disks' I/O
// from QMP query-blockstats.
#include <unistd.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "common/clock.h"
#include "hypervisor/qemu/qemu_driver.h"
#include "hypervisor/qemu/qmp.h"
#include "sys/files.h"

namespace openecs {
using json = nlohmann::json;

namespace {
// User + system CPU time of a process or thread from its /proc stat line, in nanoseconds (0 if
// it cannot be read). The command name (field 2) may hold spaces: count fields after its ')'.
int64_t CpuNanos(const std::string& stat_path) {
  std::string line = ReadFile(stat_path);
  size_t close = line.rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream in(line.substr(close + 2));
  std::string field;
  int64_t utime = 0, stime = 0;
  // After the name: state is field 3, utime field 14, stime field 15.
  for (int k = 3; k <= 15 && (in >> field); ++k) {
    if (k == 14) utime = std::atoll(field.c_str());
    if (k == 15) stime = std::atoll(field.c_str());
  }
  static const int64_t ticks = std::max<int64_t>(1, ::sysconf(_SC_CLK_TCK));
  return (utime + stime) * (1000000000 / ticks);
}

// The disk id of a query-blockstats entry: its device "/machine/peripheral/dev-<id>/..." or
// its node "t-<id>" / "q-<id>"; "" for anything else.
std::string DiskOfBlockstats(const json& entry) {
  std::string qdev = entry.value("qdev", "");
  if (size_t at = qdev.find("/dev-"); at != std::string::npos) {
    std::string rest = qdev.substr(at + 5);
    return rest.substr(0, rest.find('/'));
  }
  std::string node = entry.value("node-name", "");
  for (const char* prefix : {"t-", "q-"})
    if (node.rfind(prefix, 0) == 0) return node.substr(2);
  return "";
}
}  // namespace

Result<GuestSample> QemuDriver::Stats(const std::string& id) {
  int pid = Pid(id);
  if (!pid) return MakeError(ErrorCode::kInternalError, "no running guest " + id);
  QmpClient qmp;
  OPENECS_RETURN_IF_ERROR(qmp.Connect(Dir(id) + "/qmp.sock", 2000));
  GuestSample s;
  s.instance_id = id;
  s.at_ms = NowMillis();
  std::string proc = "/proc/" + std::to_string(pid);
  std::set<int64_t> threads;
  if (auto cpus = qmp.Execute("query-cpus-fast"); cpus.ok() && cpus->is_array()) {
    s.vcpus = static_cast<int>(cpus->size());
    for (const auto& c : *cpus)
      if (c.contains("thread-id")) threads.insert(c["thread-id"].get<int64_t>());
  }
  if (threads.empty()) {
    s.cpu_ns = CpuNanos(proc + "/stat");
  } else {
    for (int64_t tid : threads)
      s.cpu_ns += CpuNanos(proc + "/task/" + std::to_string(tid) + "/stat");
  }
  if (s.vcpus <= 0) s.vcpus = 1;
  OPENECS_ASSIGN_OR_RETURN(json blocks, qmp.Execute("query-blockstats"));
  for (const auto& b : blocks) {
    std::string disk = DiskOfBlockstats(b);
    if (disk.empty() || !b.contains("stats")) continue;
    const json& st = b["stats"];
    DiskIo& io = s.disks[disk];
    io.read_bytes = st.value("rd_bytes", int64_t{0});
    io.write_bytes = st.value("wr_bytes", int64_t{0});
    io.read_ops = st.value("rd_operations", int64_t{0});
    io.write_ops = st.value("wr_operations", int64_t{0});
    io.read_ns = st.value("rd_total_time_ns", int64_t{0});
    io.write_ns = st.value("wr_total_time_ns", int64_t{0});
  }
  return s;
}

}  // namespace openecs
