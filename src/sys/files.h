#pragma once
// Small whole-file helpers for state files (specs, pid files, rulesets, tokens).
#include <string>
#include <vector>

#include "common/result.h"
#include "common/tls.h"

namespace openecs {

// The file's contents; "" if it cannot be read.
std::string ReadFile(const std::string& path);

// Replaces `path` atomically and durably (write <path>.tmp, fsync it, rename, fsync the
// directory): after a crash or power loss the file holds the old or the new data, never a
// torn or empty one. The file is created with `mode` from the start, so a 0600 secret is never
// readable by others, not even for a moment.
Status WriteFileAtomic(const std::string& path, const std::string& data, int mode = 0644);

// `path` made absolute (against the working directory) and normalised, without a trailing
// slash; "" stays "". Paths that reach other programs (qcow2 backing files, dnsmasq, QEMU) must
// be absolute: they resolve relative ones against other folders.
std::string AbsolutePath(const std::string& path);

// The secret kept in `path` (0600), made (32 random bytes, hex) the first time.
Result<std::string> LoadOrCreateSecret(const std::string& path);

// A TLS identity from a certificate chain file and its key file (PEM).
Result<TlsIdentity> LoadTlsIdentity(const std::string& cert_file, const std::string& key_file);

// The self-signed identity kept in <dir>/server.crt and <dir>/server.key (0600), made the
// first time (common/tls.h's MakeSelfSigned, naming `names` too) and kept across restarts so
// pinned fingerprints stay true; the fingerprint is also written to <dir>/server.fingerprint.
Result<TlsIdentity> LoadOrCreateSelfSigned(const std::string& dir,
                                           const std::vector<std::string>& names);

}  // namespace openecs
