#include "common/mapped_append_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace openecs {
namespace {
constexpr size_t kStep = 256 << 10;  // grown 256 KiB at a time, at least
}

Result<std::unique_ptr<MappedAppendFile>> MappedAppendFile::Open(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return MakeError(ErrorCode::kInternalError, path + ": " + std::strerror(errno));
  std::unique_ptr<MappedAppendFile> f(new MappedAppendFile(fd, path));
  struct stat st {};
  if (::fstat(fd, &st) != 0)
    return MakeError(ErrorCode::kInternalError, path + ": " + std::strerror(errno));
  // What the file holds already (padding a killed process left included) needs no new blocks:
  // on a full disk the journal still opens, and appends into that padding.
  auto held = static_cast<size_t>(st.st_size);
  if (!f->Reserve(std::max(held, kStep)))
    return MakeError(ErrorCode::kInternalError, path + ": " + std::strerror(errno));
  // The data ends at the first NUL: padding left by a process that was killed.
  const void* nul = std::memchr(f->map_, '\0', held);
  f->end_ = nul ? static_cast<size_t>(static_cast<const char*>(nul) - f->map_) : held;
  return f;
}

MappedAppendFile::~MappedAppendFile() { Close(); }

bool MappedAppendFile::Reserve(size_t capacity) {
  capacity = (capacity + kStep - 1) / kStep * kStep;
  if (capacity <= capacity_) return true;
  if (int e = ::posix_fallocate(fd_, 0, static_cast<off_t>(capacity)); e != 0) {
    errno = e;
    return false;
  }
  void* m = map_ ? ::mremap(map_, capacity_, capacity, MREMAP_MAYMOVE)
                 : ::mmap(nullptr, capacity, PROT_READ | PROT_WRITE, MAP_SHARED, fd_, 0);
  if (m == MAP_FAILED) return false;
  map_ = static_cast<char*>(m);
  capacity_ = capacity;
  return true;
}

bool MappedAppendFile::Append(std::string_view data) {
  if (fd_ < 0) {
    errno = EBADF;
    return false;
  }
  if (end_ + data.size() > capacity_ && !Reserve(std::max(end_ + data.size(), 2 * capacity_)))
    return false;
  std::memcpy(map_ + end_, data.data(), data.size());
  end_ += data.size();
  return true;
}

void MappedAppendFile::Close() {
  // Only a file that was mapped has a known end: one that failed to open is left as it is.
  if (map_) {
    ::munmap(map_, capacity_);
    if (::ftruncate(fd_, static_cast<off_t>(end_)) != 0) {
      // The padding stays; readers stop at it.
    }
  }
  map_ = nullptr;
  capacity_ = 0;
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

}  // namespace openecs
