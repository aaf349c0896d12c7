#pragma once
// Helpers for disk files on this host (qcow2 and raw), shared by the local storage backend and
// its tests.
#include <cstdint>
#include <string>
#include <utility>

#include "common/result.h"

namespace openecs {

// The virtual size of a disk file in bytes (qemu-img info -U: works while QEMU has it open).
Result<int64_t> DiskVirtualSize(const std::string& path);

// The file's sha256 (hex) and size in bytes.
Result<std::pair<std::string, int64_t>> FileChecksum(const std::string& path);

// Overwrites the file's data with zeros (only its allocated extents: a sparse file's holes hold
// nothing), syncs, then unlinks it. A file that does not exist is erased already.
Status EraseAndRemove(const std::string& path);

}  // namespace openecs
