#include "storage/disk_files.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <vector>

#include "sys/exec.h"

namespace openecs {
namespace fs = std::filesystem;

namespace {
Error Fail(const std::string& what) { return MakeError(ErrorCode::kInternalError, what); }
}  // namespace

Result<int64_t> DiskVirtualSize(const std::string& path) {
  OPENECS_ASSIGN_OR_RETURN(std::string out, Run({"qemu-img", "info", "-U", "--output=json", path}));
  auto j = nlohmann::json::parse(out, nullptr, false);
  if (j.is_discarded() || !j.contains("virtual-size")) return Fail("qemu-img info " + path);
  return j["virtual-size"].get<int64_t>();
}

Result<std::pair<std::string, int64_t>> FileChecksum(const std::string& path) {
  OPENECS_ASSIGN_OR_RETURN(std::string out, Run({"sha256sum", path}));
  std::string sum = out.substr(0, out.find(' '));
  if (sum.size() != 64) return Fail("sha256sum " + path + ": " + out);
  std::error_code ec;
  auto size = fs::file_size(path, ec);
  if (ec) return Fail("cannot stat " + path);
  return std::make_pair(sum, static_cast<int64_t>(size));
}

Status EraseAndRemove(const std::string& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return fs::exists(path) ? Fail("cannot open " + path + " to erase it") : Ok();
  off_t size = ::lseek(fd, 0, SEEK_END);
  std::vector<char> zeros(1 << 20, 0);
  bool ok = size >= 0;
  // Extent by extent (SEEK_DATA/SEEK_HOLE): the holes of a sparse file hold no data.
  for (off_t at = 0; ok && at < size;) {
    off_t data = ::lseek(fd, at, SEEK_DATA);
    if (data < 0 && errno == ENXIO) break;  // no data after `at`
    if (data < 0) data = at;                // cannot tell: overwrite the rest
    off_t hole = ::lseek(fd, data, SEEK_HOLE);
    if (hole < 0) hole = size;
    for (off_t pos = data; ok && pos < hole;) {
      size_t n = static_cast<size_t>(std::min<off_t>(hole - pos, zeros.size()));
      ssize_t w = ::pwrite(fd, zeros.data(), n, pos);
      ok = w > 0;
      pos += w > 0 ? w : 0;
    }
    at = hole;
  }
  ok = ok && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) return Fail("cannot erase " + path);
  std::error_code ec;
  fs::remove(path, ec);
  if (ec) return Fail("cannot remove " + path + ": " + ec.message());
  return Ok();
}

}  // namespace openecs
