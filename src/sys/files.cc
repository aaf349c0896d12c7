#include "sys/files.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/crypto.h"
#include "common/text.h"

namespace openecs {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Status WriteFileAtomic(const std::string& path, const std::string& data, int mode) {
  std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  bool ok = fd >= 0;
  for (size_t done = 0; ok && done < data.size();) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    ok = n > 0;
    if (ok) done += static_cast<size_t>(n);
  }
  if (ok && ::fsync(fd) != 0) ok = false;  // the data before the name: never an empty file
  if (fd >= 0 && ::close(fd) != 0) ok = false;
  if (!ok || std::rename(tmp.c_str(), path.c_str()) != 0) {
    ::unlink(tmp.c_str());
    return MakeError(ErrorCode::kInternalError, "cannot write " + path);
  }
  // And the rename itself: the directory entry is on disk when this returns.
  std::string dir = std::filesystem::path(path).parent_path().string();
  int dfd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return Ok();
}

Result<std::string> LoadOrCreateSecret(const std::string& path) {
  if (std::string secret = Trim(ReadFile(path)); !secret.empty()) return secret;
  std::string secret = RandomHex(32);
  OPENECS_RETURN_IF_ERROR(WriteFileAtomic(path, secret + "\n", 0600));
  return secret;
}

Result<TlsIdentity> LoadTlsIdentity(const std::string& cert_file, const std::string& key_file) {
  std::string cert = ReadFile(cert_file);
  std::string key = ReadFile(key_file);
  if (cert.empty() || key.empty())
    return MakeError(ErrorCode::kInvalidParameter,
                     "cannot read the certificate " + cert_file + " and its key " + key_file);
  auto id = TlsIdentityFromPem(std::move(cert), std::move(key));
  if (!id.ok())
    return MakeError(ErrorCode::kInvalidParameter,
                     cert_file + " and " + key_file + ": " + id.error().message);
  return id;
}

Result<TlsIdentity> LoadOrCreateSelfSigned(const std::string& dir,
                                           const std::vector<std::string>& names) {
  const std::string cert_file = dir + "/server.crt";
  const std::string key_file = dir + "/server.key";
  TlsIdentity id;
  if (std::filesystem::exists(cert_file) || std::filesystem::exists(key_file)) {
    OPENECS_ASSIGN_OR_RETURN(id, LoadTlsIdentity(cert_file, key_file));
  } else {
    OPENECS_ASSIGN_OR_RETURN(id, MakeSelfSigned(names));
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    OPENECS_RETURN_IF_ERROR(WriteFileAtomic(key_file, id.key_pem, 0600));
    OPENECS_RETURN_IF_ERROR(WriteFileAtomic(cert_file, id.cert_pem, 0644));
  }
  OPENECS_RETURN_IF_ERROR(WriteFileAtomic(dir + "/server.fingerprint", id.fingerprint + "\n"));
  return id;
}

std::string AbsolutePath(const std::string& path) {
  if (path.empty()) return path;
  std::error_code ec;
  std::string out = std::filesystem::absolute(path, ec).lexically_normal().string();
  while (out.size() > 1 && out.back() == '/') out.pop_back();
  return out;
}

}  // namespace openecs
