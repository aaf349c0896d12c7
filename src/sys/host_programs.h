#pragma once
// The programs OpenECS runs on a host and the Debian packages that provide them. The table is
// scripts/host-programs, embedded at build time: scripts/setup installs every package in it, and
// `ecsd dev` / `ecsd agent` call MissingPrograms at start so that a host without QEMU or
// nftables refuses to start with the fix in its message, instead of failing at the first
// instance (or silently falling back to the emulator).
#include <string>
#include <string_view>
#include <vector>

namespace openecs {

struct HostProgram {
  std::string program;  // as looked up in PATH
  std::string package;  // the Debian package that provides it
  std::string need;     // qemu | vpc | test (see scripts/host-programs)
};

// Parses the table's text: `program package need` per line; '#' starts a comment. Pure.
std::vector<HostProgram> ParseHostPrograms(std::string_view text);

// The embedded scripts/host-programs, parsed.
const std::vector<HostProgram>& HostPrograms();

// For each program of `table` needed by `need` that `have` says is missing, one line for the
// user: "qemu-system-x86_64 (Debian package qemu-system-x86)". Pure.
std::vector<std::string> MissingPrograms(const std::vector<HostProgram>& table,
                                         std::string_view need,
                                         bool (*have)(const std::string& program));

}  // namespace openecs
