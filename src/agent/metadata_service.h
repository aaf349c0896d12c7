#pragma once
// The instance metadata service as ECS serves it at http://100.100.100.200 (the host's VPC
// data plane listens there inside each VPC's router namespace and passes requests here).
//
// A caller is known by where it speaks from: the VPC of the listening socket and the source
// address (which anti-spoofing guarantees belongs to the caller's ENI). It only ever sees its
// own instance's data. Paths, under /latest/ or a dated version such as /2016-01-01/ (what
// cloud-init's AliYun datasource asks for):
//
//   meta-data/            listing; every entry listed is fetchable (cloud-init insists)
//   meta-data/instance-id, hostname, image-id, region-id, zone-id, serial-number, mac,
//     private-ipv4, eipv4 (only with a public address), vpc-id, vswitch-id,
//     vswitch-cidr-block, network-type, instance/instance-type, instance/instance-name,
//     instance/max-netbw-egress, public-keys/0/openssh-key (with a key pair),
//     network/interfaces/macs/<mac>/{network-interface-id, primary-ip-address, netmask,
//     gateway, vpc-id, vswitch-id, vswitch-cidr-block}
//   meta-data/ram/security-credentials/        the instance's RAM role name (with a role)
//   meta-data/ram/security-credentials/<role>  JSON: AccessKeyId, AccessKeySecret,
//     SecurityToken, Expiration, LastUpdated, Code "Success" — STS credentials of the role,
//     fetched from the server when asked (SetCredentialSource) and kept until an hour before
//     they expire, so a guest polling it sees them rotate well before the end
//   user-data             the instance's user data, decoded (404 if none)
//   dynamic/instance-identity/document   JSON
//
// Hardened mode: PUT /latest/api/token with `X-aliyun-ecs-metadata-token-ttl-seconds`
// (1-21600) returns a token bound to the caller's instance; requests carrying it in
// `X-aliyun-ecs-metadata-token` are answered while it lasts. An invalid or expired token is
// 401; with the instance's HttpTokens=required, a request without a token is 401 too. A token
// request with X-Forwarded-For is refused (403): tokens are not handed through proxies.
// HttpEndpoint=disabled: every request from that instance is 403.
//
// Thread-safe: Update replaces what callers see; Handle may run on any thread.
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/http_server.h"
#include "common/result.h"
#include "model/agent_protocol.h"

namespace openecs {

class MetadataService {
 public:
  // `secret` signs tokens (tokens die with it: a restarted agent makes a new one).
  explicit MetadataService(std::string secret);

  // The guests this host runs (their NICs say which VPC and address each one speaks from).
  void Update(const std::vector<DesiredVm>& vms);

  HttpResponse Handle(const std::string& vpc_id, const HttpRequest& req) const;

  // Called (from the serving thread) with the instance id of every request a known guest
  // makes, answered or not: a guest that asks is a guest whose OS is up. Set before serving.
  void OnRequest(std::function<void(const std::string& instance_id)> fn) {
    on_request_ = std::move(fn);
  }

  // Where a guest's RAM role credentials come from (the agent asks the server). Set before
  // serving; without one, the credentials path answers 404.
  using CredentialSource = std::function<Result<RoleCredentials>(const std::string& instance_id)>;
  void SetCredentialSource(CredentialSource fn) { credentials_ = std::move(fn); }

  // For tests: the clock tokens expire by (seconds).
  void SetClockForTest(int64_t (*now)()) { now_ = now; }

 private:
  struct Caller {
    std::shared_ptr<const DesiredVm> vm;
    size_t nic = 0;
  };
  std::string Token(const std::string& instance_id, int64_t expires) const;
  bool TokenValid(const std::string& instance_id, const std::string& token) const;

  HttpResponse RoleCredentialsAnswer(const DesiredVm& vm) const;

  std::string secret_;
  std::function<void(const std::string&)> on_request_;
  CredentialSource credentials_;
  mutable std::mutex credentials_mu_;
  mutable std::map<std::string, RoleCredentials> credentials_cache_;  // by instance id
  int64_t (*now_)() = &NowSeconds;
  mutable std::mutex mu_;
  std::map<std::string, Caller> callers_;  // "<vpc-id> <ip>" -> caller
};

}  // namespace openecs
