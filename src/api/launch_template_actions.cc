// Launch template actions: CreateLaunchTemplate, CreateLaunchTemplateVersion,
// DescribeLaunchTemplates, DescribeLaunchTemplateVersions, ModifyLaunchTemplateDefaultVersion,
// DeleteLaunchTemplate, DeleteLaunchTemplateVersion; and WithLaunchTemplate, the overlay
// RunInstances' parser reads its parameters through (why there: service/launch_template_service.h).
// The rules live in the service; this file parses parameters and renders replies in the form
// the SDK's response models declare.
#include <algorithm>
#include <optional>
#include <set>

#include "api/action.h"
#include "api/paging.h"
#include "common/clock.h"
#include "service/launch_template_service.h"
#include "service/resource_group_service.h"
#include "service/tag_service.h"

namespace openecs {
namespace {
using json = nlohmann::json;

constexpr int64_t kMaxVersionNumber = 1 << 30;

LaunchTemplateRef RefOf(const Params& p) {
  return LaunchTemplateRef{.id = p.GetOr("LaunchTemplateId", ""),
                           .name = p.GetOr("LaunchTemplateName", "")};
}

// A version number, 1.. (InvalidParameter naming `name` otherwise).
Result<int64_t> VersionNumber(const std::string& name, const std::string& value) {
  OPENECS_ASSIGN_OR_RETURN(
      auto n,
      Params(std::map<std::string, std::string>{{name, value}}).Int(name, 1, kMaxVersionNumber));
  return *n;
}

Result<std::vector<int64_t>> VersionList(const Params& p, const std::string& prefix) {
  std::vector<int64_t> out;
  auto list = p.RepeatList(prefix);
  if (list.size() > 100)
    return MakeError(ErrorCode::kInvalidParameter, "At most 100 " + prefix + ".N.");
  for (size_t i = 0; i < list.size(); ++i) {
    OPENECS_ASSIGN_OR_RETURN(int64_t n,
                             VersionNumber(prefix + "." + std::to_string(i + 1), list[i]));
    out.push_back(n);
  }
  return out;
}

// The version's parameters in the form of the SDK's LaunchTemplateData model: every field, ""
// / 0 / false where the version sets nothing (DeleteWithInstance and DeleteOnRelease: true, as
// ECS defaults them).
json RenderData(const LaunchTemplateData& data) {
  Params p(data);
  auto text = [](const Params& q, const std::string& k) { return q.GetOr(k, ""); };
  auto number = [](const Params& q, const std::string& k) -> double {
    auto v = q.Double(k);
    return v.ok() && *v ? **v : 0;
  };
  auto integer = [&](const Params& q, const std::string& k) {
    return static_cast<int64_t>(number(q, k));
  };
  auto boolean = [](const Params& q, const std::string& k, bool def = false) {
    auto v = q.Bool(k, def);
    return v.ok() ? *v : def;
  };
  auto ids = [](std::vector<std::string> list) { return Wrap("SecurityGroupId", json(list)); };

  Params sys(std::map<std::string, std::string>{});
  for (const auto& [k, v] : data)
    if (k.rfind("SystemDisk.", 0) == 0) sys.Set(k.substr(11), v);
  json system_disk = {{"AutoSnapshotPolicyId", text(sys, "AutoSnapshotPolicyId")},
                      {"BurstingEnabled", boolean(sys, "BurstingEnabled")},
                      {"Category", text(sys, "Category")},
                      {"DeleteWithInstance", boolean(sys, "DeleteWithInstance", true)},
                      {"Description", text(sys, "Description")},
                      {"DiskName", text(sys, "DiskName")},
                      {"Encrypted", text(sys, "Encrypted")},
                      {"Iops", integer(sys, "Iops")},
                      {"KMSKeyId", text(sys, "KMSKeyId")},
                      {"PerformanceLevel", text(sys, "PerformanceLevel")},
                      {"ProvisionedIops", integer(sys, "ProvisionedIops")},
                      {"Size", integer(sys, "Size")}};
  json disks = json::array();
  for (const auto& m : p.ObjectList("DataDisk")) {
    Params d(m);
    disks.push_back({{"AutoSnapshotPolicyId", text(d, "AutoSnapshotPolicyId")},
                     {"BurstingEnabled", boolean(d, "BurstingEnabled")},
                     {"Category", text(d, "Category")},
                     {"DeleteWithInstance", boolean(d, "DeleteWithInstance", true)},
                     {"Description", text(d, "Description")},
                     {"Device", text(d, "Device")},
                     {"DiskName", text(d, "DiskName")},
                     {"Encrypted", text(d, "Encrypted")},
                     {"KMSKeyId", text(d, "KMSKeyId")},
                     {"PerformanceLevel", text(d, "PerformanceLevel")},
                     {"ProvisionedIops", integer(d, "ProvisionedIops")},
                     {"Size", integer(d, "Size")},
                     {"SnapshotId", text(d, "SnapshotId")}});
  }
  json nics = json::array();
  for (const auto& m : p.ObjectList("NetworkInterface")) {
    Params n(m);
    nics.push_back({{"DeleteOnRelease", boolean(n, "DeleteOnRelease", true)},
                    {"Description", text(n, "Description")},
                    {"InstanceType", text(n, "InstanceType")},
                    {"NetworkInterfaceName", text(n, "NetworkInterfaceName")},
                    {"NetworkInterfaceTrafficMode", text(n, "NetworkInterfaceTrafficMode")},
                    {"PrimaryIpAddress", text(n, "PrimaryIpAddress")},
                    {"SecurityGroupId", text(n, "SecurityGroupId")},
                    {"SecurityGroupIds", ids(n.RepeatList("SecurityGroupIds"))},
                    {"VSwitchId", text(n, "VSwitchId")}});
  }
  json tags = json::array();
  for (const auto& m : p.ObjectList("Tag")) {
    Params t(m);
    tags.push_back({{"Key", text(t, "Key")}, {"Value", text(t, "Value")}});
  }
  return json{
      {"SystemDisk", std::move(system_disk)},
      {"AutoReleaseTime", text(p, "AutoReleaseTime")},
      {"AutoRenew", boolean(p, "AutoRenew")},
      {"AutoRenewPeriod", integer(p, "AutoRenewPeriod")},
      {"CreditSpecification", text(p, "CreditSpecification")},
      {"DataDisks", Wrap("DataDisk", std::move(disks))},
      {"DeletionProtection", boolean(p, "DeletionProtection")},
      {"DeploymentSetId", text(p, "DeploymentSetId")},
      {"Description", text(p, "Description")},
      {"EnableVmOsConfig", boolean(p, "EnableVmOsConfig")},
      {"HostName", text(p, "HostName")},
      {"HttpEndpoint", text(p, "HttpEndpoint")},
      {"HttpPutResponseHopLimit", integer(p, "HttpPutResponseHopLimit")},
      {"HttpTokens", text(p, "HttpTokens")},
      {"ImageId", text(p, "ImageId")},
      {"ImageOptions", {{"LoginAsNonRoot", boolean(p, "ImageOptions.LoginAsNonRoot")}}},
      {"ImageOwnerAlias", text(p, "ImageOwnerAlias")},
      {"InstanceChargeType", text(p, "InstanceChargeType")},
      {"InstanceName", text(p, "InstanceName")},
      {"InstanceType", text(p, "InstanceType")},
      {"InternetChargeType", text(p, "InternetChargeType")},
      {"InternetMaxBandwidthIn", integer(p, "InternetMaxBandwidthIn")},
      {"InternetMaxBandwidthOut", integer(p, "InternetMaxBandwidthOut")},
      {"IoOptimized", text(p, "IoOptimized")},
      {"Ipv6AddressCount", integer(p, "Ipv6AddressCount")},
      {"KeyPairName", text(p, "KeyPairName")},
      {"NetworkInterfaces", Wrap("NetworkInterface", std::move(nics))},
      {"NetworkType", text(p, "NetworkType")},
      {"PasswordInherit", boolean(p, "PasswordInherit")},
      {"Period", integer(p, "Period")},
      {"PeriodUnit", text(p, "PeriodUnit")},
      {"PrivateIpAddress", text(p, "PrivateIpAddress")},
      {"RamRoleName", text(p, "RamRoleName")},
      {"ResourceGroupId", text(p, "ResourceGroupId")},
      {"SecurityEnhancementStrategy", text(p, "SecurityEnhancementStrategy")},
      {"SecurityGroupId", text(p, "SecurityGroupId")},
      {"SecurityGroupIds", ids(p.RepeatList("SecurityGroupIds"))},
      {"SecurityOptions", {{"TrustedSystemMode", text(p, "SecurityOptions.TrustedSystemMode")}}},
      {"SpotDuration", integer(p, "SpotDuration")},
      {"SpotPriceLimit", number(p, "SpotPriceLimit")},
      {"SpotStrategy", text(p, "SpotStrategy")},
      {"Tags", Wrap("InstanceTag", std::move(tags))},
      {"UserData", text(p, "UserData")},
      {"VSwitchId", text(p, "VSwitchId")},
      {"VpcId", text(p, "VpcId")},
      {"ZoneId", text(p, "ZoneId")}};
}

Result<json> CreateLaunchTemplateAction(ApiContext& c) {
  const Params& p = c.params;
  CreateLaunchTemplateRequest r;
  r.account_id = c.account_id;
  r.region_id = c.region_id;
  OPENECS_ASSIGN_OR_RETURN(r.name, p.Required("LaunchTemplateName"));
  r.resource_group_id = p.Get("TemplateResourceGroupId");
  r.version_description = p.GetOr("VersionDescription", "");
  OPENECS_ASSIGN_OR_RETURN(r.tags, TagsOf(p, "TemplateTag"));
  r.data = SelectLaunchTemplateData(p.all());
  OPENECS_ASSIGN_OR_RETURN(LaunchTemplate t, CreateLaunchTemplate(c.cloud, r));
  return json{{"LaunchTemplateId", t.id}, {"LaunchTemplateVersionNumber", t.default_version}};
}

Result<json> CreateLaunchTemplateVersionAction(ApiContext& c) {
  const Params& p = c.params;
  OPENECS_ASSIGN_OR_RETURN(auto made,
                           CreateLaunchTemplateVersion(c.cloud, c.account_id, RefOf(p),
                                                       p.GetOr("VersionDescription", ""),
                                                       SelectLaunchTemplateData(p.all())));
  return json{{"LaunchTemplateId", made.first}, {"LaunchTemplateVersionNumber", made.second}};
}

Result<json> DescribeLaunchTemplatesAction(ApiContext& c) {
  const Params& p = c.params;
  auto id_list = p.RepeatList("LaunchTemplateId");
  auto name_list = p.RepeatList("LaunchTemplateName");
  if (id_list.size() > 100 || name_list.size() > 100)
    return MakeError(ErrorCode::kInvalidParameter,
                     "At most 100 LaunchTemplateId.N and 100 LaunchTemplateName.N.");
  std::set<std::string> ids(id_list.begin(), id_list.end());
  std::set<std::string> names(name_list.begin(), name_list.end());
  OPENECS_ASSIGN_OR_RETURN(Tags want, TagsOf(p, "TemplateTag"));
  auto group = p.Get("TemplateResourceGroupId");
  return c.cloud.Read<Result<json>>([&](const State& s) -> Result<json> {
    std::vector<const LaunchTemplate*> matched;
    for (const auto& [id, t] : Owned(s.launch_templates, c.account_id)) {
      if (!ids.empty() && !ids.count(id)) continue;
      if (!names.empty() && !names.count(t.name)) continue;
      if (!TagsMatch(t.tags, want)) continue;
      if (!InGroup(group, t.resource_group_id, t.account_id)) continue;
      matched.push_back(&t);
    }
    OPENECS_ASSIGN_OR_RETURN(Page page,
                             Paginate(p, matched.size(), PageSpec{.token_style = false}));
    json arr = json::array();
    for (size_t k = page.begin; k < page.end; ++k) {
      const LaunchTemplate& t = *matched[k];
      int64_t latest = 0;
      for (const auto& v : t.versions) latest = std::max(latest, v.number);
      arr.push_back({{"CreateTime", FormatIso(t.creation_time)},
                     {"CreatedBy", t.account_id},
                     {"DefaultVersionNumber", t.default_version},
                     {"LatestVersionNumber", latest},
                     {"LaunchTemplateId", t.id},
                     {"LaunchTemplateName", t.name},
                     {"ModifiedTime", FormatIso(t.modified_time)},
                     {"ResourceGroupId", EffectiveGroup(t.resource_group_id, t.account_id)},
                     {"Tags", RenderTags(t.tags, false)}});
    }
    json reply = {{"LaunchTemplateSets", Wrap("LaunchTemplateSet", arr)}};
    page.Render(reply, matched.size());
    return reply;
  });
}

// DefaultVersion=true lists the default version only (false: no filter); DetailFlag=false
// leaves out each version's LaunchTemplateData, as ECS does.
Result<json> DescribeLaunchTemplateVersionsAction(ApiContext& c) {
  const Params& p = c.params;
  LaunchTemplateRef ref = RefOf(p);
  OPENECS_ASSIGN_OR_RETURN(auto list, VersionList(p, "LaunchTemplateVersion"));
  std::set<int64_t> wanted(list.begin(), list.end());
  OPENECS_ASSIGN_OR_RETURN(auto min, p.Int("MinVersion", 1, kMaxVersionNumber));
  OPENECS_ASSIGN_OR_RETURN(auto max, p.Int("MaxVersion", 1, kMaxVersionNumber));
  OPENECS_ASSIGN_OR_RETURN(bool default_only, p.Bool("DefaultVersion", false));
  OPENECS_ASSIGN_OR_RETURN(bool detail, p.Bool("DetailFlag", true));
  return c.cloud.Read<Result<json>>([&](const State& s) -> Result<json> {
    OPENECS_ASSIGN_OR_RETURN(const LaunchTemplate* t, FindLaunchTemplate(s, c.account_id, ref));
    std::vector<const LaunchTemplateVersion*> matched;
    for (const auto& v : t->versions) {
      if (!wanted.empty() && !wanted.count(v.number)) continue;
      if ((min && v.number < *min) || (max && v.number > *max)) continue;
      if (default_only && v.number != t->default_version) continue;
      matched.push_back(&v);
    }
    OPENECS_ASSIGN_OR_RETURN(Page page,
                             Paginate(p, matched.size(), PageSpec{.token_style = false}));
    json arr = json::array();
    for (size_t k = page.begin; k < page.end; ++k) {
      const LaunchTemplateVersion& v = *matched[k];
      json item = {{"CreateTime", FormatIso(v.creation_time)},
                   {"CreatedBy", v.created_by},
                   {"DefaultVersion", v.number == t->default_version},
                   {"LaunchTemplateId", t->id},
                   {"LaunchTemplateName", t->name},
                   {"ModifiedTime", FormatIso(v.modified_time)},
                   {"VersionDescription", v.description},
                   {"VersionNumber", v.number}};
      if (detail) item["LaunchTemplateData"] = RenderData(v.data);
      arr.push_back(std::move(item));
    }
    json reply = {{"LaunchTemplateVersionSets", Wrap("LaunchTemplateVersionSet", arr)}};
    page.Render(reply, matched.size());
    return reply;
  });
}

Result<json> ModifyLaunchTemplateDefaultVersionAction(ApiContext& c) {
  const Params& p = c.params;
  OPENECS_ASSIGN_OR_RETURN(std::string given, p.Required("DefaultVersionNumber"));
  OPENECS_ASSIGN_OR_RETURN(int64_t number, VersionNumber("DefaultVersionNumber", given));
  OPENECS_ASSIGN_OR_RETURN(
      std::string id, ModifyLaunchTemplateDefaultVersion(c.cloud, c.account_id, RefOf(p), number));
  return json{{"LaunchTemplateId", id}};
}

Result<json> DeleteLaunchTemplateAction(ApiContext& c) {
  OPENECS_ASSIGN_OR_RETURN(LaunchTemplate t,
                           DeleteLaunchTemplate(c.cloud, c.account_id, RefOf(c.params)));
  json numbers = json::array();
  for (const auto& v : t.versions) numbers.push_back(v.number);
  // "versionNumbers" in lower camel case: the SDK's model spells it so.
  return json{{"LaunchTemplateId", t.id},
              {"LaunchTemplateVersionNumbers", {{"versionNumbers", numbers}}}};
}

Result<json> DeleteLaunchTemplateVersionAction(ApiContext& c) {
  const Params& p = c.params;
  OPENECS_RETURN_IF_ERROR(RequiredRepeatList(p, "DeleteVersion"));
  OPENECS_ASSIGN_OR_RETURN(auto numbers, VersionList(p, "DeleteVersion"));
  OPENECS_ASSIGN_OR_RETURN(std::string id,
                           DeleteLaunchTemplateVersions(c.cloud, c.account_id, RefOf(p), numbers));
  json arr = json::array();
  for (int64_t n : numbers)
    arr.push_back({{"LaunchTemplateId", id}, {"LaunchTemplateVersionNumber", n}});
  return json{{"LaunchTemplateVersions", Wrap("LaunchTemplateVersion", arr)}};
}

}  // namespace

Result<Params> WithLaunchTemplate(const ApiContext& c) {
  const Params& p = c.params;
  std::optional<int64_t> version;
  if (auto v = p.Get("LaunchTemplateVersion")) {
    OPENECS_ASSIGN_OR_RETURN(version, VersionNumber("LaunchTemplateVersion", *v));
  }
  LaunchTemplateRef ref = RefOf(p);
  if (ref.id.empty() && ref.name.empty()) return p;
  OPENECS_ASSIGN_OR_RETURN(LaunchTemplateData data,
                           ResolveLaunchTemplateVersion(c.cloud, c.account_id, ref, version));
  return Params(MergeLaunchTemplateData(p.all(), data));
}

void RegisterLaunchTemplateActions(ActionTable& t) {
  t[{kEcsVersion, "CreateLaunchTemplate"}] = {CreateLaunchTemplateAction};
  t[{kEcsVersion, "CreateLaunchTemplateVersion"}] = {CreateLaunchTemplateVersionAction};
  t[{kEcsVersion, "DescribeLaunchTemplates"}] = {DescribeLaunchTemplatesAction};
  t[{kEcsVersion, "DescribeLaunchTemplateVersions"}] = {DescribeLaunchTemplateVersionsAction};
  t[{kEcsVersion, "ModifyLaunchTemplateDefaultVersion"}] = {
      ModifyLaunchTemplateDefaultVersionAction};
  t[{kEcsVersion, "DeleteLaunchTemplate"}] = {DeleteLaunchTemplateAction};
  t[{kEcsVersion, "DeleteLaunchTemplateVersion"}] = {DeleteLaunchTemplateVersionAction};
}

}  // namespace openecs
