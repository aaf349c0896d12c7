#include "agent/metadata_service.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "common/crypto.h"
#include "common/ipv4.h"
#include "common/json_dump.h"
#include "common/text.h"

namespace openecs {
namespace {

constexpr int64_t kMaxTokenTtl = 21600;

HttpResponse Text(int status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.content_type = "text/plain";
  r.body = std::move(body);
  return r;
}

bool IsVersion(const std::string& s) {
  if (s == "latest") return true;
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
  for (size_t i = 0; i < s.size(); ++i)
    if (i != 4 && i != 7 && !std::isdigit(static_cast<unsigned char>(s[i]))) return false;
  return true;
}

std::string Netmask(int prefix) {
  return FormatIpv4(prefix == 0 ? 0 : ~uint32_t{0} << (32 - prefix));
}

// Every value one caller may read, by path under the version ("meta-data/hostname").
std::map<std::string, std::string> Leaves(const DesiredVm& vm) {
  std::map<std::string, std::string> t;
  const DesiredNic& primary = vm.nics.at(0);
  t["meta-data/instance-id"] = vm.instance_id;
  t["meta-data/serial-number"] = vm.instance_id;  // the SMBIOS serial the guest also sees
  t["meta-data/hostname"] = vm.host_name;
  t["meta-data/image-id"] = vm.image_id;
  t["meta-data/region-id"] = vm.region_id;
  t["meta-data/zone-id"] = vm.zone_id;
  t["meta-data/network-type"] = "vpc";
  t["meta-data/mac"] = primary.mac;
  t["meta-data/private-ipv4"] = primary.ip;
  t["meta-data/vpc-id"] = primary.vpc_id;
  t["meta-data/vswitch-id"] = primary.vswitch_id;
  t["meta-data/vswitch-cidr-block"] = primary.cidr;
  t["meta-data/dns-conf/nameservers"] = primary.gateway;  // the VPC's dnsmasq answers there
  if (!primary.public_ip.empty()) t["meta-data/eipv4"] = primary.public_ip;
  t["meta-data/instance/instance-type"] = vm.instance_type;
  t["meta-data/instance/instance-name"] = vm.instance_name;
  // Absent (404) until the instance has its reclaim notice, as on ECS.
  if (!vm.spot_termination_time.empty())
    t["meta-data/instance/spot/termination-time"] = vm.spot_termination_time;
  if (!vm.public_key.empty()) t["meta-data/public-keys/0/openssh-key"] = vm.public_key;
  // Listed here; the value is fetched when asked (MetadataService::RoleCredentialsAnswer).
  if (!vm.ram_role_name.empty()) t["meta-data/ram/security-credentials/" + vm.ram_role_name] = "";
  for (const auto& n : vm.nics) {
    std::string base = "meta-data/network/interfaces/macs/" + n.mac + "/";
    int prefix = ParseCidr(n.cidr, false).value_or(Cidr{}).prefix;
    t[base + "network-interface-id"] = n.eni_id;
    t[base + "primary-ip-address"] = n.ip;
    t[base + "netmask"] = Netmask(prefix);
    t[base + "gateway"] = n.gateway;
    t[base + "vpc-id"] = n.vpc_id;
    t[base + "vswitch-id"] = n.vswitch_id;
    t[base + "vswitch-cidr-block"] = n.cidr;
  }
  if (auto data = Base64Decode(vm.user_data); data && !data->empty()) t["user-data"] = *data;
  nlohmann::json doc = {{"instance-id", vm.instance_id},
                        {"region-id", vm.region_id},
                        {"zone-id", vm.zone_id},
                        {"instance-type", vm.instance_type},
                        {"image-id", vm.image_id},
                        {"private-ipv4", primary.ip},
                        {"mac", primary.mac},
                        {"serial-number", vm.instance_id}};
  t["dynamic/instance-identity/document"] = DumpJson(doc);
  return t;
}

}  // namespace

MetadataService::MetadataService(std::string secret) : secret_(std::move(secret)) {}

void MetadataService::Update(const std::vector<DesiredVm>& vms) {
  std::map<std::string, Caller> callers;
  for (const auto& vm : vms) {
    if (vm.nics.empty() || vm.desired == DesiredPower::kAbsent) continue;
    auto shared = std::make_shared<const DesiredVm>(vm);
    for (size_t k = 0; k < vm.nics.size(); ++k)
      callers[vm.nics[k].vpc_id + " " + vm.nics[k].ip] = {shared, k};
  }
  std::lock_guard<std::mutex> lock(mu_);
  callers_ = std::move(callers);
}

std::string MetadataService::Token(const std::string& instance_id, int64_t expires) const {
  std::string e = std::to_string(expires);
  return "v1." + e + "." + HmacSha256Hex(secret_, instance_id + "." + e);
}

bool MetadataService::TokenValid(const std::string& instance_id, const std::string& token) const {
  auto parts = Split(token, '.');
  if (parts.size() != 3 || parts[0] != "v1") return false;
  char* end = nullptr;
  int64_t expires = std::strtoll(parts[1].c_str(), &end, 10);
  if (parts[1].empty() || *end != '\0' || expires < now_()) return false;
  return ConstantTimeEquals(token, Token(instance_id, expires));
}

HttpResponse MetadataService::RoleCredentialsAnswer(const DesiredVm& vm) const {
  if (!credentials_) return Text(404, "Not Found\n");
  RoleCredentials creds;
  bool cached = false;
  {
    std::lock_guard<std::mutex> lock(credentials_mu_);
    auto it = credentials_cache_.find(vm.instance_id);
    // Kept until an hour before the end (and while the role is the same).
    if (it != credentials_cache_.end() && it->second.role_name == vm.ram_role_name &&
        it->second.expiration - now_() > 3600) {
      creds = it->second;
      cached = true;
    }
  }
  if (!cached) {  // asked of the server without the lock: one slow answer stalls no other guest
    auto fetched = credentials_(vm.instance_id);
    if (!fetched.ok()) return Text(404, "Not Found\n");
    creds = *fetched;
    std::lock_guard<std::mutex> lock(credentials_mu_);
    credentials_cache_[vm.instance_id] = creds;
  }
  nlohmann::json j = {
      {"AccessKeyId", creds.access_key_id},           {"AccessKeySecret", creds.access_key_secret},
      {"SecurityToken", creds.security_token},        {"Expiration", FormatIso(creds.expiration)},
      {"LastUpdated", FormatIso(creds.last_updated)}, {"Code", "Success"}};
  HttpResponse r = Text(200, DumpJson(j, 2));
  r.content_type = "application/json";
  return r;
}

HttpResponse MetadataService::Handle(const std::string& vpc_id, const HttpRequest& req) const {
  std::shared_ptr<const DesiredVm> vm;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = callers_.find(vpc_id + " " + req.remote_address);
    if (it != callers_.end()) vm = it->second.vm;
  }
  if (!vm) return Text(404, "no instance has this address here\n");
  if (on_request_) on_request_(vm->instance_id);
  if (!vm->metadata_enabled)
    return Text(403, "the metadata service is disabled for this instance (HttpEndpoint)\n");

  std::string path = req.target.substr(0, req.target.find('?'));
  auto header = [&](const char* name) -> const std::string* {
    auto it = req.headers.find(name);
    return it == req.headers.end() ? nullptr : &it->second;
  };

  if (req.method == "PUT") {
    if (path != "/latest/api/token") return Text(404, "Not Found\n");
    if (header("x-forwarded-for")) return Text(403, "tokens are not given through proxies\n");
    const std::string* ttl = header("x-aliyun-ecs-metadata-token-ttl-seconds");
    char* end = nullptr;
    int64_t seconds = ttl ? std::strtoll(ttl->c_str(), &end, 10) : 0;
    if (!ttl || ttl->empty() || *end != '\0' || seconds < 1 || seconds > kMaxTokenTtl)
      return Text(400, "X-aliyun-ecs-metadata-token-ttl-seconds must be 1 to 21600\n");
    HttpResponse r = Text(200, Token(vm->instance_id, now_() + seconds));
    r.ip_ttl = std::clamp(vm->metadata_hop_limit, 1, 64);
    return r;
  }
  if (req.method != "GET" && req.method != "HEAD") return Text(405, "Method Not Allowed\n");
  if (const std::string* token = header("x-aliyun-ecs-metadata-token")) {
    if (!TokenValid(vm->instance_id, *token)) return Text(401, "Unauthorized\n");
  } else if (vm->metadata_tokens_required) {
    return Text(401, "Unauthorized: this instance requires a metadata token\n");
  }

  // "/latest/meta-data/public-keys/" -> version "latest", rest "meta-data/public-keys".
  std::vector<std::string> segs;
  for (auto& s : Split(path, '/'))
    if (!s.empty()) segs.push_back(s);
  if (segs.empty()) return Text(200, "latest\n2016-01-01");
  if (!IsVersion(segs[0])) return Text(404, "Not Found\n");
  std::string rest;
  for (size_t k = 1; k < segs.size(); ++k) rest += (k > 1 ? "/" : "") + segs[k];

  if (!vm->ram_role_name.empty() &&
      rest == "meta-data/ram/security-credentials/" + vm->ram_role_name)
    return RoleCredentialsAnswer(*vm);
  auto leaves = Leaves(*vm);
  if (auto it = leaves.find(rest); it != leaves.end()) return Text(200, it->second);
  // A directory: its direct children, sub-directories with a trailing '/'.
  std::string prefix = rest.empty() ? "" : rest + "/";
  std::vector<std::string> children;
  for (auto it = leaves.lower_bound(prefix);
       it != leaves.end() && it->first.compare(0, prefix.size(), prefix) == 0; ++it) {
    std::string tail = it->first.substr(prefix.size());
    size_t slash = tail.find('/');
    std::string child = slash == std::string::npos ? tail : tail.substr(0, slash + 1);
    if (children.empty() || children.back() != child) children.push_back(child);
  }
  if (children.empty()) return Text(404, "Not Found\n");
  std::string body;
  for (const auto& c : children) body += (body.empty() ? "" : "\n") + c;
  return Text(200, body);
}

}  // namespace openecs
