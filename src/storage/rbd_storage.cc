#include "storage/rbd_storage.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "common/log.h"
#include "model/catalogue.h"
#include "sys/exec.h"

namespace openecs {
using json = nlohmann::json;

namespace {
Error Fail(const std::string& what) { return MakeError(ErrorCode::kInternalError, what); }
constexpr const char* kOwnerKey = "openecs.host";

bool Missing(const Error& e) {
  return e.message.find("No such file or directory") != std::string::npos;
}
bool Exists(const Error& e) { return e.message.find("File exists") != std::string::npos; }
std::string Mib(int64_t bytes) { return std::to_string((bytes + (1 << 20) - 1) >> 20) + "M"; }

// Every address of this host's interfaces (in its network namespace), as text.
std::set<std::string> LocalAddresses() {
  std::set<std::string> out;
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return out;
  for (ifaddrs* a = list; a; a = a->ifa_next) {
    if (!a->ifa_addr) continue;
    char text[INET6_ADDRSTRLEN] = {};
    if (a->ifa_addr->sa_family == AF_INET)
      inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(a->ifa_addr)->sin_addr, text, sizeof text);
    else if (a->ifa_addr->sa_family == AF_INET6)
      inet_ntop(AF_INET6, &reinterpret_cast<sockaddr_in6*>(a->ifa_addr)->sin6_addr, text,
                sizeof text);
    if (*text) out.insert(text);
  }
  freeifaddrs(list);
  return out;
}
}  // namespace

Result<RbdSpec> ParseRbdSpec(const std::string& text) {
  if (text.rfind("rbd:", 0) != 0) return Fail("an RBD spec starts with rbd: (" + text + ")");
  RbdSpec spec;
  std::stringstream in(text.substr(4));
  for (std::string item; std::getline(in, item, ',');) {
    size_t eq = item.find('=');
    std::string key = item.substr(0, eq),
                value = eq == std::string::npos ? "" : item.substr(eq + 1);
    if (value.empty()) return Fail("rbd spec: " + key + " has no value");
    if (value.find_first_of(":=@ '\"\\,\t") != std::string::npos)
      return Fail("rbd spec: " + key + " holds a character it may not (: = @ , space, quote)");
    if (key == "pool")
      spec.pool = value;
    else if (key == "conf")
      spec.conf = value;
    else if (key == "keyring")
      spec.keyring = value;
    else if (key == "user")
      spec.user = value;
    else
      return Fail("rbd spec: unknown key " + key + " (pool, conf, keyring, user)");
  }
  if (spec.pool.empty()) return Fail("rbd spec: pool= is required");
  return spec;
}

std::string RbdSharedId(const RbdSpec& spec) {
  std::ifstream in(spec.conf);
  for (std::string line; std::getline(in, line);) {
    size_t eq = line.find('=');
    if (eq == std::string::npos) continue;
    std::string key = line.substr(0, eq), value = line.substr(eq + 1);
    auto trim = [](std::string& t) {
      t.erase(0, t.find_first_not_of(" \t"));
      t.erase(t.find_last_not_of(" \t\r") + 1);
    };
    trim(key);
    trim(value);
    if (key == "fsid" && !value.empty()) return "rbd:" + value + "/" + spec.pool;
  }
  return "";  // no fsid: nothing tells that two hosts' confs name one cluster
}

RbdStorage::RbdStorage(RbdSpec spec, std::string host, std::unique_ptr<LocalStorage> local)
    : spec_(std::move(spec)), host_(std::move(host)), local_(std::move(local)) {
  // A custom image made from a snapshot reads the snapshot's image in the pool.
  local_->SetSnapshotSource(
      [this](const std::string& id, const std::string& checksum) -> Result<SnapshotSource> {
        OPENECS_RETURN_IF_ERROR(VerifySnapshot(id, checksum));
        return SnapshotSource{QemuName(id), "raw"};
      });
}

std::vector<std::string> RbdStorage::Ceph(const char* program,
                                          const std::vector<std::string>& args) const {
  std::vector<std::string> a = {program, "--conf", spec_.conf, "--id", spec_.user};
  if (!spec_.keyring.empty()) a.insert(a.end(), {"--keyring", spec_.keyring});
  a.insert(a.end(), args.begin(), args.end());
  return a;
}

std::vector<std::string> RbdStorage::Rbd(std::vector<std::string> args) const {
  std::vector<std::string> a = Ceph("rbd", {});
  // The commands that print progress (to stderr, which Run keeps) take --no-progress; the
  // others refuse it.
  static const std::set<std::string> kProgress = {"rm",     "cp",          "resize",  "export-diff",
                                                  "create", "snap create", "snap rm", "import",
                                                  "export", "snap purge"};
  bool progress = !args.empty() && (kProgress.count(args[0]) ||
                                    (args.size() > 1 && kProgress.count(args[0] + " " + args[1])));
  a.insert(a.end(), args.begin(), args.end());
  if (progress) a.push_back("--no-progress");
  return a;
}

std::string RbdStorage::QemuName(const std::string& name) const {
  std::string n = "rbd:" + Spec(name) + ":conf=" + spec_.conf + ":id=" + spec_.user;
  if (!spec_.keyring.empty()) n += ":keyring=" + spec_.keyring;
  return n;
}

DiskVolume RbdStorage::VolumeOf(const std::string& name) const {
  DiskVolume v;
  v.format = "raw";
  v.rbd = RbdImage{spec_.pool, name, spec_.conf, spec_.user};
  return v;
}

Result<std::optional<int64_t>> RbdStorage::SizeOf(const std::string& name) {
  auto out = Run(Rbd({"info", "--format", "json", Spec(name)}));
  if (!out.ok()) {
    if (Missing(out.error())) return std::optional<int64_t>();
    return out.error();
  }
  auto j = json::parse(*out, nullptr, false);
  if (j.is_discarded() || !j.contains("size") || !j["size"].is_number_integer())
    return Fail("rbd info " + Spec(name) + ": " + *out);
  return std::optional<int64_t>(j["size"].get<int64_t>());
}

Status RbdStorage::Remove(const std::string& name) {
  // Protected snapshots (an image's base) are unprotected first; a clone of one keeps it.
  auto snaps = Run(Rbd({"snap", "ls", "--format", "json", Spec(name)}));
  if (!snaps.ok()) return Missing(snaps.error()) ? Ok() : Status(snaps.error());
  auto list = json::parse(*snaps, nullptr, false);
  if (list.is_array() && !list.empty()) {
    for (const auto& s : list)
      if (s.contains("name") && s["name"].is_string())
        (void)Run(Rbd({"snap", "unprotect", Spec(name) + "@" + s["name"].get<std::string>()}));
    OPENECS_RETURN_IF_ERROR(RunOk(Rbd({"snap", "purge", Spec(name)})));
  }
  auto removed = Run(Rbd({"rm", Spec(name)}));
  if (!removed.ok() && !Missing(removed.error())) return removed.error();
  return Ok();
}

Status RbdStorage::Rename(const std::string& from, const std::string& to) {
  return RunOk(Rbd({"rename", Spec(from), Spec(to)}));
}

Status RbdStorage::Grow(const std::string& name, int64_t have, int64_t want) {
  if (have >= want) return Ok();
  return RunOk(Rbd({"resize", "--size", Mib(want), Spec(name)}));
}

Status RbdStorage::MarkOwner(const std::string& name) {
  return RunOk(Rbd({"image-meta", "set", Spec(name), kOwnerKey, host_}));
}

bool RbdStorage::OwnedHere(const std::string& name) {
  auto owner = Run(Rbd({"image-meta", "get", Spec(name), kOwnerKey}));
  return owner.ok() && owner->substr(0, owner->find_last_not_of("\r\n") + 1) == host_;
}

Result<std::string> RbdStorage::EnsureBase(const std::string& image_id) {
  std::lock_guard<std::mutex> lock(base_mu_);
  // A custom image has no build id, and one made into the pool has its base there already
  // (rbd_images.cc): this host may hold only its boot files.
  bool custom = IsCustomImage(image_id);
  if (custom) {
    OPENECS_ASSIGN_OR_RETURN(auto have, SizeOf("base." + image_id));
    if (have) return "base." + image_id;
  }
  OPENECS_ASSIGN_OR_RETURN(LocalStorage::ImageBase base, local_->BaseOf(image_id));
  if (!base.pool.empty())
    return Fail("image " + image_id + " has no disk in pool " + spec_.pool + " (base." + image_id +
                ")");
  std::string name = "base." + image_id + (base.build_id.empty() ? "" : "." + base.build_id);
  if (!custom) {
    OPENECS_ASSIGN_OR_RETURN(auto have, SizeOf(name));
    if (have) return name;
  }
  std::string part = name + ".part." + host_;
  OPENECS_RETURN_IF_ERROR(Remove(part));
  auto fail = [&](Error e) -> Result<std::string> {
    (void)Remove(part);
    return e;
  };
  LOG_INFO("rbd: writing image {} into pool {} (once; its disks are clones)", image_id, spec_.pool);
  if (auto r = Run({"qemu-img", "convert", "-f", "qcow2", "-O", "raw", base.path, QemuName(part)});
      !r.ok())
    return fail(r.error());
  for (const char* step : {"create", "protect"})
    if (Status st = RunOk(Rbd({"snap", step, Spec(part) + "@base"})); !st.ok())
      return fail(st.error());
  if (Status st = Rename(part, name); !st.ok()) {
    auto now = SizeOf(name);  // another host put its copy in place first: use that one
    if (now.ok() && *now) {
      (void)Remove(part);
      return name;
    }
    return fail(st.error());
  }
  return name;
}

Status RbdStorage::Create(const std::string& name, const std::string& image_id, int64_t bytes) {
  Status st = Ok();
  if (image_id.empty()) {
    st = RunOk(Rbd({"create", "--size", Mib(bytes), Spec(name)}));
  } else {
    auto base = EnsureBase(image_id);
    if (!base.ok()) return base.error();
    st = RunOk(Rbd({"clone", Spec(*base) + "@base", Spec(name)}));
    if (st.ok()) {
      auto have = SizeOf(name);
      st = !have.ok() ? Status(have.error()) : Grow(name, have->value_or(0), bytes);
    }
  }
  if (st.ok()) st = MarkOwner(name);
  if (!st.ok()) (void)Remove(name);
  return st;
}

Result<DiskVolume> RbdStorage::Ensure(const DesiredDisk& d, bool* made) {
  if (IsLocalDiskCategory(d.category)) return local_->Ensure(d, made);
  if (made) *made = false;
  // A host that kept its disks in files before it was given the pool: never a blank image in
  // place of such a disk.
  if (std::error_code ec; std::filesystem::exists(local_->PathOf(d.disk_id), ec))
    return Fail("disk " + d.disk_id + " is a file in this host's pool (" +
                local_->PathOf(d.disk_id) + "), not in RBD pool " + spec_.pool +
                ": start this host with --storage local, or copy the disk into the pool");
  const std::string& name = d.disk_id;
  int64_t want = int64_t{d.size_gib} << 30;
  OPENECS_ASSIGN_OR_RETURN(auto have, SizeOf(name));
  if (!have) {  // a build that stopped between its two renames left the disk aside
    OPENECS_ASSIGN_OR_RETURN(auto old, SizeOf(name + ".old"));
    if (old) {
      OPENECS_RETURN_IF_ERROR(Rename(name + ".old", name));
      have = old;
    }
  }
  if (have) {
    OPENECS_RETURN_IF_ERROR(Grow(name, *have, want));
    // It may come from another host of the pool (its instance moved): this host removes it
    // when it is deleted.
    OPENECS_RETURN_IF_ERROR(MarkOwner(name));
    return VolumeOf(name);
  }
  if (!d.snapshot_id.empty()) {
    OPENECS_RETURN_IF_ERROR(Build(SnapshotBuildOf(d)));
  } else {
    OPENECS_RETURN_IF_ERROR(Create(name, d.type == "system" ? d.image_id : "", want));
  }
  if (made) *made = true;
  LOG_INFO("rbd: disk {} made in pool {} ({} GiB)", name, spec_.pool, d.size_gib);
  return VolumeOf(name);
}

std::vector<std::string> ForeignWatchers(const std::string& status_json,
                                         const std::set<std::string>& local_ips) {
  std::vector<std::string> out;
  auto j = json::parse(status_json, nullptr, false);
  if (!j.is_object() || !j.contains("watchers") || !j["watchers"].is_array()) return out;
  for (const auto& w : j["watchers"]) {
    if (!w.is_object() || !w.contains("address") || !w["address"].is_string()) continue;
    std::string address = w["address"].get<std::string>();
    std::string bare = address;
    for (const char* prefix : {"v1:", "v2:", "any:"})
      if (bare.rfind(prefix, 0) == 0) bare = bare.substr(std::string(prefix).size());
    // ip:port/nonce; an IPv6 ip is in brackets.
    std::string ip =
        bare[0] == '[' ? bare.substr(1, bare.find(']') - 1) : bare.substr(0, bare.find(':'));
    if (ip.empty() || local_ips.count(ip)) continue;
    out.push_back(bare);
  }
  return out;
}

Status RbdStorage::Fence(const DesiredDisk& d) {
  if (IsLocalDiskCategory(d.category)) return Ok();
  OPENECS_ASSIGN_OR_RETURN(std::string status,
                           Run(Rbd({"status", "--format", "json", Spec(d.disk_id)})));
  for (const auto& address : ForeignWatchers(status, LocalAddresses())) {
    LOG_WARN("rbd: disk {} is still open at {} (another host): cutting that client off", d.disk_id,
             address);
    // For a week (Ceph's default is an hour): the old host's agent destroys the guest when it is
    // back, and a client must not come back to the disk before that.
    OPENECS_RETURN_IF_ERROR(RunOk(Ceph("ceph", {"osd", "blocklist", "add", address, "604800"})));
  }
  return Ok();
}

Status RbdStorage::Erase(const DesiredDisk& d) {
  if (IsLocalDiskCategory(d.category)) return local_->Erase(d);
  return Remove(d.disk_id);
}

Result<std::pair<std::string, int64_t>> RbdStorage::Checksum(const std::string& name) {
  // Names and paths hold no quote or space (ParseRbdSpec, ids): safe in the shell line.
  std::string rbd;
  for (const auto& a : Rbd({"export-diff", Spec(name), "-"})) rbd += "'" + a + "' ";
  OPENECS_ASSIGN_OR_RETURN(std::string out,
                           Run({"bash", "-o", "pipefail", "-c", rbd + "| sha256sum"}));
  std::string sum = out.substr(0, out.find(' '));
  if (sum.size() != 64) return Fail("checksum of " + Spec(name) + ": " + out);
  OPENECS_ASSIGN_OR_RETURN(int64_t used, UsedBytes(name));
  return std::make_pair(sum, used);
}

Result<int64_t> RbdStorage::UsedBytes(const std::string& name) {
  OPENECS_ASSIGN_OR_RETURN(std::string du, Run(Rbd({"du", "--format", "json", Spec(name)})));
  auto j = json::parse(du, nullptr, false);
  int64_t used = 0;  // {"images":[{"name":..., "used_size": N}]}
  if (j.is_object() && j.contains("images") && j["images"].is_array())
    for (const auto& i : j["images"])
      if (i.is_object() && i.contains("used_size") && i["used_size"].is_number_integer())
        used += i["used_size"].get<int64_t>();
  return used;
}

Status RbdStorage::VerifySnapshot(const std::string& snapshot_id, const std::string& checksum) {
  OPENECS_ASSIGN_OR_RETURN(auto have, SizeOf(snapshot_id));
  if (!have) return Fail("snapshot " + snapshot_id + " has no image in pool " + spec_.pool);
  OPENECS_ASSIGN_OR_RETURN(auto sum, Checksum(snapshot_id));
  if (sum.first != checksum)
    return Fail("snapshot " + snapshot_id + " is corrupted: its image's sha256 is " + sum.first +
                ", recorded " + checksum + " when it was made; nothing was made from it");
  return Ok();
}

Status RbdStorage::Build(const DesiredDiskBuild& b) {
  std::string name = b.disk_id, part = name + ".part", old = name + ".old";
  OPENECS_RETURN_IF_ERROR(Remove(part));
  OPENECS_ASSIGN_OR_RETURN(auto aside, SizeOf(old));
  if (aside) {  // an earlier build stopped between its renames
    OPENECS_ASSIGN_OR_RETURN(auto now, SizeOf(name));
    OPENECS_RETURN_IF_ERROR(now ? Remove(old) : Rename(old, name));
  }
  int64_t want = int64_t{b.size_gib} << 30;
  auto fail = [&](Error e) -> Status {
    (void)Remove(part);
    return e;
  };
  if (!b.snapshot_id.empty()) {
    OPENECS_RETURN_IF_ERROR(VerifySnapshot(b.snapshot_id, b.snapshot_checksum));
    Status st = RunOk(Rbd({"cp", Spec(b.snapshot_id), Spec(part)}));
    if (st.ok()) {
      auto have = SizeOf(part);
      st = have.ok() ? Grow(part, have->value_or(0), want) : Status(have.error());
    }
    if (st.ok()) st = MarkOwner(part);
    if (!st.ok()) return fail(st.error());
  } else if (Status st = Create(part, b.image_id, want); !st.ok()) {
    return fail(st.error());
  }
  OPENECS_ASSIGN_OR_RETURN(auto now, SizeOf(name));
  if (now)
    if (Status st = Rename(name, old); !st.ok()) return fail(st.error());
  if (Status st = Rename(part, name); !st.ok()) {
    if (now) (void)Rename(old, name);
    return fail(st.error());
  }
  // The new content is in place: the build succeeded. An old image left over is removed by the
  // next build or with the disk.
  if (now)
    if (Status st = Remove(old); !st.ok())
      LOG_WARN("rbd: {} was made anew, but its old image stays: {}", name, st.error().message);
  return Ok();
}

Result<SnapshotReport> RbdStorage::MakeSnapshot(const DesiredSnapshot& s, const LiveCopy& live,
                                                const std::function<void(int)>& progress) {
  (void)live;
  const std::string& id = s.snapshot_id;
  std::string part = id + ".part", at = Spec(s.disk_id) + "@" + id;
  auto done = [&](const std::pair<std::string, int64_t>& sum) {
    SnapshotReport r;
    r.snapshot_id = id;
    r.progress = 100;
    r.done = true;
    r.checksum = sum.first;
    r.size_bytes = sum.second;
    return r;
  };
  OPENECS_ASSIGN_OR_RETURN(auto made, SizeOf(id));
  if (made) {  // never remade: its checksum stays what was recorded
    OPENECS_ASSIGN_OR_RETURN(auto sum, Checksum(id));
    return done(sum);
  }
  OPENECS_ASSIGN_OR_RETURN(auto disk, SizeOf(s.disk_id));
  if (!disk) return Fail("disk " + s.disk_id + " has no image in pool " + spec_.pool);
  OPENECS_RETURN_IF_ERROR(Remove(part));
  progress(1);
  auto fail = [&](Error e) -> Result<SnapshotReport> {
    (void)RunOk(Rbd({"snap", "rm", at}));
    (void)Remove(part);
    return e;
  };
  if (auto r = Run(Rbd({"snap", "create", at})); !r.ok() && !Exists(r.error()))
    return fail(r.error());
  progress(10);
  if (Status st = RunOk(Rbd({"cp", at, Spec(part)})); !st.ok()) return fail(st.error());
  progress(90);
  if (Status st = RunOk(Rbd({"snap", "rm", at})); !st.ok()) return fail(st.error());
  if (Status st = MarkOwner(part); !st.ok()) return fail(st.error());
  auto sum = Checksum(part);
  if (!sum.ok()) return fail(sum.error());
  if (Status st = Rename(part, id); !st.ok()) return fail(st.error());
  LOG_INFO("rbd: snapshot {} of {} made ({}, {} bytes)", id, s.disk_id, sum->first.substr(0, 12),
           sum->second);
  return done(*sum);
}

Status RbdStorage::Collect(const std::set<std::string>& keep,
                           const std::set<std::string>& keep_snapshots) {
  Status result = local_->Collect(keep, keep_snapshots);
  OPENECS_ASSIGN_OR_RETURN(std::string out, Run(Rbd({"ls", "--format", "json", spec_.pool})));
  auto names = json::parse(out, nullptr, false);
  if (!names.is_array()) return Fail("rbd ls " + spec_.pool + ": " + out);
  for (const auto& n : names) {
    if (!n.is_string()) continue;
    std::string name = n.get<std::string>(), id = name;
    for (const char* suffix : {".part", ".old"})
      if (id.ends_with(suffix)) id.resize(id.size() - std::string(suffix).size());
    bool disk = id.rfind("d-", 0) == 0, snapshot = id.rfind("s-", 0) == 0;
    if (!(disk && !keep.count(id)) && !(snapshot && !keep_snapshots.count(id))) continue;
    if (!OwnedHere(name)) continue;
    Status st = Remove(name);
    if (st.ok())
      LOG_INFO("rbd: {} {} removed from pool {} (it is gone)", disk ? "disk" : "snapshot", name,
               spec_.pool);
    else
      result = st;
  }
  return result;
}

}  // namespace openecs
