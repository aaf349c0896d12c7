#pragma once
// The action table: (version, action) -> handler. Handlers parse their parameters into a typed
// request, call a service, and render the reply as JSON (PascalCase, wrapped lists); the
// dispatcher adds RequestId and turns errors into the ECS envelope.
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "api/params.h"
#include "common/result.h"
#include "service/cloud.h"
#include "service/principal.h"

namespace openecs {

struct InstanceType;  // model/catalogue.h

inline constexpr const char* kEcsVersion = "2014-05-26";
inline constexpr const char* kVpcVersion = "2016-04-28";
inline constexpr const char* kRamVersion = "2015-05-01";

struct ApiContext {
  Cloud& cloud;
  const Params& params;
  std::string account_id;
  std::string region_id;  // validated RegionId (or the configured region when absent)
  std::string request_id;
  // Pre-serialised JSON for hot replies: a handler puts RawPlaceholder(n) where the value goes
  // in its reply and the text in raw[n]; the dispatcher splices it in when serialising.
  std::vector<std::string> raw = {};
  // The caller (account_id above is principal.account_id); handlers that act "on the caller"
  // (RAM's CreateAccessKey without UserName, STS GetCallerIdentity) read it.
  Principal principal = {};
  // The Host header the call came with ("" if none): URLs that lead back to this server
  // (StartTerminalSession's WebSocketUrl) are built on it.
  std::string host = {};
};

// The placeholder string for ctx.raw[n].
std::string RawPlaceholder(size_t n);

using ActionHandler = std::function<Result<nlohmann::json>(ApiContext&)>;

struct ActionSpec {
  ActionHandler handler;
  bool region_required = true;  // RegionId must be given (MissingParameter otherwise)
  bool idempotent = false;      // honours ClientToken
};

using ActionTable = std::map<std::pair<std::string, std::string>, ActionSpec>;  // (version, action)

void RegisterCatalogueActions(ActionTable& t);
void RegisterTaskActions(ActionTable& t);
void RegisterEventActions(ActionTable& t);
void RegisterImageActions(ActionTable& t);
void RegisterNetworkActions(ActionTable& t);
void RegisterRouteActions(ActionTable& t);
void RegisterResourceGroupActions(ActionTable& t);
void RegisterRamActions(ActionTable& t);  // ram_actions.cc
void RegisterInstanceActions(ActionTable& t);
void RegisterInstanceSettingsActions(ActionTable& t);
void RegisterKeyPairAndTagActions(ActionTable& t);
void RegisterEipActions(ActionTable& t);
void RegisterEniActions(ActionTable& t);
void RegisterDiskActions(ActionTable& t);
void RegisterSnapshotActions(ActionTable& t);
void RegisterLaunchTemplateActions(ActionTable& t);
void RegisterDeploymentSetActions(ActionTable& t);
void RegisterDedicatedHostActions(ActionTable& t);
void RegisterStsActions(ActionTable& t);  // sts_actions.cc
void RegisterInstanceRamRoleActions(ActionTable& t);
void RegisterBillingActions(ActionTable& t);      // billing_actions.cc
void RegisterBssActions(ActionTable& t);          // bss_actions.cc (BSS OpenAPI 2017-12-14)
void RegisterMonitorActions(ActionTable& t);      // monitor_actions.cc
void RegisterCmsActions(ActionTable& t);          // cms_actions.cc (CloudMonitor 2019-01-01)
void RegisterActionTrailActions(ActionTable& t);  // actiontrail_actions.cc (2020-07-06)
void RegisterAssistantActions(ActionTable& t);    // assistant_actions.cc (Cloud Assistant)
void RegisterSessionActions(ActionTable& t);      // session_actions.cc (Session Manager)
// InvalidUser.PassRoleForbidden unless the caller may pass `role_name` (ram:PassRole) to an
// instance ("" passes nothing; instance_ram_role_actions.cc).
Status CheckPassRole(const ApiContext& c, const std::string& role_name);

// Shared parameter helpers for handlers.
Result<bool> DryRunOf(const Params& p);
// InvalidZoneId.NotFound unless the zone (when given) is one of the region's zones.
Status CheckZone(const ApiContext& c, const std::optional<std::string>& zone);
Result<Tags> TagsOf(const Params& p, const std::string& prefix = "Tag");
Result<std::vector<std::string>> RequiredRepeatList(const Params& p, const std::string& name);
nlohmann::json Wrap(const char* inner, nlohmann::json array);  // {inner: array}
// Account ids are numbers on ECS (AccountId, ImageOwnerId, DedicatedHostOwnerId); OpenECS's may
// be names ("root"): the id as a number when it is one, else 0.
int64_t NumericAccountId(const std::string& id);
nlohmann::json RenderTags(const Tags& tags, bool vpc_style);
// One SupportedResource of DescribeAvailableResource and DescribeResourcesModification (Value,
// Status Available|SoldOut, StatusCategory WithStock|WithoutStock, Min, Max, Unit). Min, Max and
// Unit bound a size (disk categories); other resources have none: 0, 0, "".
nlohmann::json SupportedResource(const std::string& value, bool in_stock, int min = 0, int max = 0,
                                 const char* unit = "");
// Instance types offered for sale (GPU types only where some host declares GPUs).
std::vector<const InstanceType*> OfferedTypes(Cloud& cloud);
// The parameters RunInstances and CreateInstance parse: the request's own, and, when it names a
// launch template (LaunchTemplateId or LaunchTemplateName, LaunchTemplateVersion), every
// parameter of that version the request does not give (launch_template_actions.cc).
Result<Params> WithLaunchTemplate(const ApiContext& c);

}  // namespace openecs
