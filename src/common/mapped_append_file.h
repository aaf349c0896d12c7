#pragma once
// An append-only file written through a shared memory mapping: an append is a copy into the
// page cache, with no system call, and it survives a kill of the process as a write() would
// (not a power loss: nothing is synced). For journals written on every request (the API's
// replay nonces, api/auth.h), where a write() per line cost more than the line's work.
//
// The file is grown in steps with posix_fallocate, so its blocks exist before the mapping is
// written (a write into a hole on a full disk would be SIGBUS); past the data it holds NUL
// bytes until Close() truncates them. A reader must stop at the first NUL or at a last line
// without '\n' (a line torn by a kill): std::getline does, reading the padding as one
// unterminated line. Not thread-safe: the caller serialises Append.
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "common/result.h"

namespace openecs {

class MappedAppendFile {
 public:
  // Opens `path` (made if missing) to append after what it holds (up to its first NUL byte).
  static Result<std::unique_ptr<MappedAppendFile>> Open(const std::string& path);
  ~MappedAppendFile();  // Close()
  MappedAppendFile(const MappedAppendFile&) = delete;
  MappedAppendFile& operator=(const MappedAppendFile&) = delete;

  // Appends `data` whole, or nothing when the file cannot grow to hold it (a full disk): false,
  // and errno says why.
  bool Append(std::string_view data);
  size_t size() const { return end_; }
  // Unmaps and truncates the padding; later appends fail.
  void Close();

 private:
  MappedAppendFile(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  bool Reserve(size_t capacity);

  int fd_;
  std::string path_;
  char* map_ = nullptr;
  size_t capacity_ = 0, end_ = 0;
};

}  // namespace openecs
