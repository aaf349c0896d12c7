#include "service/launch_template_service.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <set>

#include "common/clock.h"
#include "common/ids.h"
#include "common/text.h"
#include "service/instance_service.h"
#include "service/names.h"
#include "service/resource_group_service.h"
#include "service/tag_service.h"

namespace openecs {
namespace {

enum class ParamKind { kText, kInteger, kDecimal, kBool };

struct ParamRule {
  const char* pattern;  // "N" for each list index
  ParamKind kind = ParamKind::kText;
  double min = 0, max = 0;  // numbers
};

// The parameters a version may preset: CreateLaunchTemplate's and CreateLaunchTemplateVersion's
// (the SDK catalogue), less the template's own (LaunchTemplateName, TemplateTag.N, ...). Number
// ranges are ECS's documented ones, wide where RunInstances checks them again.
constexpr double kIops = 1000000;
constexpr double kDiskGib = 1 << 20;  // RunInstances' parser takes up to this; sizes are
                                      // checked per category when instances are made
const std::vector<ParamRule>& Rules() {
  static const std::vector<ParamRule> kRules = {
      {"AutoReleaseTime"},
      {"AutoRenew", ParamKind::kBool},
      {"AutoRenewPeriod", ParamKind::kInteger, 1, 12},
      {"CreditSpecification"},
      {"DataDisk.N.AutoSnapshotPolicyId"},
      {"DataDisk.N.BurstingEnabled", ParamKind::kBool},
      {"DataDisk.N.Category"},
      {"DataDisk.N.DeleteWithInstance", ParamKind::kBool},
      {"DataDisk.N.Description"},
      {"DataDisk.N.Device"},
      {"DataDisk.N.DiskName"},
      {"DataDisk.N.Encrypted"},
      {"DataDisk.N.KMSKeyId"},
      {"DataDisk.N.PerformanceLevel"},
      {"DataDisk.N.ProvisionedIops", ParamKind::kInteger, 0, kIops},
      {"DataDisk.N.Size", ParamKind::kInteger, 1, kDiskGib},
      {"DataDisk.N.SnapshotId"},
      {"DeletionProtection", ParamKind::kBool},
      {"DeploymentSetId"},
      {"Description"},
      {"EnableVmOsConfig", ParamKind::kBool},
      {"HostName"},
      {"HttpEndpoint"},
      {"HttpPutResponseHopLimit", ParamKind::kInteger, 1, 64},
      {"HttpTokens"},
      {"ImageId"},
      {"ImageOptions.LoginAsNonRoot", ParamKind::kBool},
      {"ImageOwnerAlias"},
      {"InstanceChargeType"},
      {"InstanceName"},
      {"InstanceType"},
      {"InternetChargeType"},
      {"InternetMaxBandwidthIn", ParamKind::kInteger, 0, 1024},
      {"InternetMaxBandwidthOut", ParamKind::kInteger, 0, 1024},
      {"IoOptimized"},
      {"Ipv6AddressCount", ParamKind::kInteger, 0, 10},
      {"KeyPairName"},
      {"NetworkInterface.N.DeleteOnRelease", ParamKind::kBool},
      {"NetworkInterface.N.Description"},
      {"NetworkInterface.N.InstanceType"},
      {"NetworkInterface.N.NetworkInterfaceName"},
      {"NetworkInterface.N.NetworkInterfaceTrafficMode"},
      {"NetworkInterface.N.PrimaryIpAddress"},
      {"NetworkInterface.N.SecurityGroupId"},
      {"NetworkInterface.N.SecurityGroupIds.N"},
      {"NetworkInterface.N.VSwitchId"},
      {"NetworkType"},
      {"PasswordInherit", ParamKind::kBool},
      {"Period", ParamKind::kInteger, 1, 60},
      {"PeriodUnit"},
      {"PrivateIpAddress"},
      {"RamRoleName"},
      {"ResourceGroupId"},
      {"SecurityEnhancementStrategy"},
      {"SecurityGroupId"},
      {"SecurityGroupIds.N"},
      {"SecurityOptions.EnableSecureBoot", ParamKind::kBool},
      {"SecurityOptions.TrustedSystemMode"},
      {"SpotDuration", ParamKind::kInteger, 0, 6},
      {"SpotPriceLimit", ParamKind::kDecimal, 0, 1e6},
      {"SpotStrategy"},
      {"SystemDisk.AutoSnapshotPolicyId"},
      {"SystemDisk.BurstingEnabled", ParamKind::kBool},
      {"SystemDisk.Category"},
      {"SystemDisk.DeleteWithInstance", ParamKind::kBool},
      {"SystemDisk.Description"},
      {"SystemDisk.DiskName"},
      {"SystemDisk.Encrypted"},
      {"SystemDisk.Iops", ParamKind::kInteger, 0, kIops},
      {"SystemDisk.KMSKeyId"},
      {"SystemDisk.PerformanceLevel"},
      {"SystemDisk.ProvisionedIops", ParamKind::kInteger, 0, kIops},
      {"SystemDisk.Size", ParamKind::kInteger, 1, kDiskGib},
      {"Tag.N.Key"},
      {"Tag.N.Value"},
      {"UserData"},
      {"VSwitchId"},
      {"VpcId"},
      {"ZoneId"},
  };
  return kRules;
}

// Text parameters with a closed set of values (as RunInstances and the ENI actions take them).
const std::map<std::string, std::vector<std::string>>& Enums() {
  static const std::map<std::string, std::vector<std::string>> kEnums = {
      {"DataDisk.N.Encrypted", {"true", "false"}},
      {"DataDisk.N.PerformanceLevel", {"PL0", "PL1", "PL2", "PL3"}},
      {"ImageOwnerAlias", {"system", "self", "others", "marketplace"}},
      {"InstanceChargeType", {"PrePaid", "PostPaid"}},
      {"InternetChargeType", {"PayByBandwidth", "PayByTraffic"}},
      {"IoOptimized", {"none", "optimized"}},
      {"NetworkInterface.N.NetworkInterfaceTrafficMode", {"Standard", "HighPerformance"}},
      {"NetworkType", {"vpc", "classic"}},
      {"PeriodUnit", {"Month", "Week"}},
      {"SecurityEnhancementStrategy", {"Active", "Deactive"}},
      {"SystemDisk.Encrypted", {"true", "false"}},
      {"SystemDisk.PerformanceLevel", {"PL0", "PL1", "PL2", "PL3"}},
  };
  return kEnums;
}

// The lists a version may hold, and how many items each may have.
const std::map<std::string, size_t>& ListLimits() {
  static const std::map<std::string, size_t> kLimits = {
      {"DataDisk", 16}, {"NetworkInterface", 8}, {"SecurityGroupIds", 16}, {"Tag", 20}};
  return kLimits;
}

const ParamRule* RuleFor(const std::string& name) {
  std::string pattern = IndexPattern(name);
  for (const ParamRule& r : Rules())
    if (pattern == r.pattern) return &r;
  return nullptr;
}

bool HasControl(const std::string& s) {
  return std::any_of(s.begin(), s.end(), [](unsigned char c) { return c < 0x20 || c == 0x7f; });
}

bool StartsWithUrl(const std::string& s) {
  return s.rfind("http://", 0) == 0 || s.rfind("https://", 0) == 0;
}

Error Invalid(const std::string& name, const std::string& why) {
  return MakeError(ErrorCode::kInvalidParameter,
                   "The specified parameter " + name + " is not valid: " + why + ".");
}

bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// The checks of one text parameter beyond "no control characters".
Status CheckText(const std::string& name, const std::string& pattern, const std::string& v) {
  if (auto e = Enums().find(pattern); e != Enums().end()) {
    if (std::find(e->second.begin(), e->second.end(), v) == e->second.end()) {
      if (pattern == "SpotStrategy") return MakeError(ErrorCode::kInvalidSpotStrategy);
      return Invalid(name, "must be one of " + Join(e->second, ", "));
    }
    return Ok();
  }
  if (pattern == "SpotStrategy" && v != "NoSpot" && v != "SpotWithPriceLimit" &&
      v != "SpotAsPriceGo")
    return MakeError(ErrorCode::kInvalidSpotStrategy);
  if (pattern == "InstanceName" && !ValidResourceName(v))
    return MakeError(ErrorCode::kInvalidInstanceName);
  if (pattern == "HostName") return ValidateHostName(v, true);
  if (pattern == "UserData") return ValidateUserData(v);
  if (pattern == "HttpEndpoint" && v != "enabled" && v != "disabled")
    return MakeError(ErrorCode::kInvalidHttpEndpoint);
  if (pattern == "HttpTokens" && v != "optional" && v != "required")
    return MakeError(ErrorCode::kInvalidHttpTokens);
  if ((pattern == "SystemDisk.DiskName" || pattern == "DataDisk.N.DiskName") &&
      !ValidResourceName(v))
    return MakeError(ErrorCode::kInvalidDiskName);
  if (pattern == "NetworkInterface.N.NetworkInterfaceName" && !ValidResourceName(v))
    return Invalid(name, "2 to 128 characters, starting with a letter");
  if (EndsWith(pattern, "Description") && StartsWithUrl(v))
    return MakeError(ErrorCode::kInvalidDescription,
                     "The specified parameter \"" + name +
                         "\" is not valid: it must not start with http:// or https://.");
  return Ok();
}

Status CheckNumber(const std::string& name, const ParamRule& rule, const std::string& v) {
  const char* b = v.data();
  const char* e = b + v.size();
  double d = 0;
  if (rule.kind == ParamKind::kInteger) {
    int64_t n = 0;
    auto [p, ec] = std::from_chars(b, e, n);
    if (ec != std::errc() || p != e) return Invalid(name, "expected an integer");
    d = static_cast<double>(n);
  } else {
    auto [p, ec] = std::from_chars(b, e, d);
    if (ec != std::errc() || p != e || !std::isfinite(d)) return Invalid(name, "expected a number");
  }
  if (d < rule.min || d > rule.max) {
    if (name == "HttpPutResponseHopLimit")
      return MakeError(ErrorCode::kInvalidHttpPutResponseHopLimit);
    auto fmt = [](double x) { return std::to_string(static_cast<int64_t>(x)); };
    return Invalid(name, "must be from " + fmt(rule.min) + " to " + fmt(rule.max));
  }
  return Ok();
}

// The items of list `prefix` in `data`: index -> field -> value.
std::map<int64_t, std::map<std::string, std::string>> Items(const LaunchTemplateData& data,
                                                            const std::string& prefix) {
  std::map<int64_t, std::map<std::string, std::string>> out;
  for (auto it = data.lower_bound(prefix + "."); it != data.end(); ++it) {
    if (it->first.compare(0, prefix.size() + 1, prefix + ".") != 0) break;
    std::string rest = it->first.substr(prefix.size() + 1);
    size_t dot = rest.find('.');
    std::string index = rest.substr(0, dot);
    if (index.empty() || index.size() > 6 ||
        index.find_first_not_of("0123456789") != std::string::npos)
      continue;
    out[std::stoll(index)][dot == std::string::npos ? "" : rest.substr(dot + 1)] = it->second;
  }
  return out;
}

// Lists merge as a whole (see the header): the list a parameter belongs to, or the parameter.
std::string MergeUnit(const std::string& name) {
  for (const char* list : {"DataDisk.", "NetworkInterface.", "Tag."})
    if (name.rfind(list, 0) == 0) return list;
  if (name == "SecurityGroupId" || name.rfind("SecurityGroupIds.", 0) == 0) return "SecurityGroup";
  return name;
}

template <typename S>
auto FindIn(S& s, const std::string& account_id, const LaunchTemplateRef& ref)
    -> Result<decltype(&s.launch_templates.begin()->second)> {
  using Ptr = decltype(&s.launch_templates.begin()->second);
  if (!ref.id.empty()) {
    Ptr t = FindOwned(s.launch_templates, ref.id, account_id);
    if (!t || (!ref.name.empty() && t->name != ref.name))
      return MakeError(ErrorCode::kInvalidLaunchTemplateNotFound,
                       "The specified launch template " + ref.id + " does not exist.");
    return t;
  }
  if (ref.name.empty())
    return MakeError(ErrorCode::kMissingParameter,
                     "The input parameter \"LaunchTemplateId\" or \"LaunchTemplateName\" that is "
                     "mandatory for processing this request is not supplied.");
  for (auto& [id, t] : Owned(s.launch_templates, account_id))
    if (t.name == ref.name) return Ptr(&t);
  return MakeError(ErrorCode::kInvalidLaunchTemplateNotFound,
                   "The specified launch template named " + ref.name + " does not exist.");
}

Error VersionNotFound(const LaunchTemplate& t, int64_t number) {
  return MakeError(
      ErrorCode::kInvalidLaunchTemplateVersionNotFound,
      "The launch template " + t.id + " has no version " + std::to_string(number) + ".");
}

Status ValidateVersionDescription(const std::string& d) {
  if (HasControl(d) || StartsWithUrl(d))
    return MakeError(ErrorCode::kInvalidDescription,
                     "The specified parameter \"VersionDescription\" is not valid: no control "
                     "characters, and it must not start with http:// or https://.");
  return Ok();
}

LaunchTemplateVersion NewVersion(int64_t number, const std::string& account_id,
                                 const std::string& description, LaunchTemplateData data,
                                 int64_t now) {
  return LaunchTemplateVersion{.number = number,
                               .description = description,
                               .created_by = account_id,
                               .creation_time = now,
                               .modified_time = now,
                               .data = std::move(data)};
}

}  // namespace

Result<const LaunchTemplate*> FindLaunchTemplate(const State& s, const std::string& account_id,
                                                 const LaunchTemplateRef& ref) {
  return FindIn(s, account_id, ref);
}

const LaunchTemplateVersion* FindVersion(const LaunchTemplate& t, int64_t number) {
  for (const auto& v : t.versions)
    if (v.number == number) return &v;
  return nullptr;
}

LaunchTemplateData SelectLaunchTemplateData(const std::map<std::string, std::string>& request) {
  LaunchTemplateData out;
  for (const auto& [k, v] : request)
    if (!v.empty() && RuleFor(k)) out[k] = v;
  return out;
}

Result<LaunchTemplateData> ValidateLaunchTemplateData(const LaunchTemplateData& data) {
  LaunchTemplateData out;
  for (const auto& [name, value] : data) {
    if (value.empty()) continue;
    const ParamRule* rule = RuleFor(name);
    if (!rule) return Invalid(name, "it is not a launch template parameter");
    std::string v = value;
    switch (rule->kind) {
      case ParamKind::kText:
        if (HasControl(v)) return Invalid(name, "it must not contain control characters");
        OPENECS_RETURN_IF_ERROR(CheckText(name, rule->pattern, v));
        break;
      case ParamKind::kInteger:
      case ParamKind::kDecimal:
        OPENECS_RETURN_IF_ERROR(CheckNumber(name, *rule, v));
        break;
      case ParamKind::kBool:
        v = ToLower(v);
        if (v != "true" && v != "false") return Invalid(name, "expected true or false");
        break;
    }
    out[name] = std::move(v);
  }
  for (const auto& [list, limit] : ListLimits()) {
    auto items = Items(out, list);
    if (items.size() > limit)
      return Invalid(list + ".N", "at most " + std::to_string(limit) + " items");
    for (const auto& [index, fields] : items)
      if (index < 1 || index > 1000) return Invalid(list + ".N", "N must be from 1 to 1000");
  }
  Tags tags;
  for (const auto& item : Items(out, "Tag")) {
    const auto& fields = item.second;  // not a structured binding: clang 14 cannot capture one
    auto field = [&](const char* f) {
      auto it = fields.find(f);
      return it == fields.end() ? std::string() : it->second;
    };
    tags.push_back({field("Key"), field("Value")});
  }
  OPENECS_RETURN_IF_ERROR(ValidateTags(tags));
  return out;
}

Status ValidateLaunchTemplateName(const std::string& name) {
  auto bad = [] { return MakeError(ErrorCode::kInvalidLaunchTemplateName); };
  if (name.size() < 2 || name.size() > 128 || StartsWithUrl(name)) return bad();
  unsigned char first = static_cast<unsigned char>(name[0]);
  if (first < 0x80 && !std::isalpha(first)) return bad();
  for (unsigned char c : name)
    if (c < 0x80 && !std::isalnum(c) && c != ':' && c != '_' && c != '.' && c != '-') return bad();
  return Ok();
}

Result<LaunchTemplate> CreateLaunchTemplate(Cloud& cloud, const CreateLaunchTemplateRequest& r) {
  OPENECS_RETURN_IF_ERROR(ValidateLaunchTemplateName(r.name));
  OPENECS_RETURN_IF_ERROR(ValidateVersionDescription(r.version_description));
  OPENECS_RETURN_IF_ERROR(ValidateTags(r.tags));
  OPENECS_ASSIGN_OR_RETURN(LaunchTemplateData data, ValidateLaunchTemplateData(r.data));
  LaunchTemplate made;
  OPENECS_RETURN_IF_ERROR(cloud.Write([&](Txn& txn) -> Status {
    OPENECS_ASSIGN_OR_RETURN(std::string group,
                             ResolveResourceGroup(txn.state(), r.account_id, r.resource_group_id));
    int count = 0;
    for (const auto& [id, t] : Owned(txn.state().launch_templates, r.account_id)) {
      if (t.name == r.name)
        return MakeError(ErrorCode::kLaunchTemplateNameDuplicated,
                         "The specified LaunchTemplateName \"" + r.name + "\" already exists.");
      ++count;
    }
    if (count >= kMaxLaunchTemplates) return MakeError(ErrorCode::kLaunchTemplateLimitExceed);
    int64_t now = txn.now();
    LaunchTemplate t{
        .id = NewId("lt"),
        .account_id = r.account_id,
        .region_id = r.region_id,
        .name = r.name,
        .resource_group_id = group,
        .default_version = 1,
        .last_number = 1,
        .versions = {NewVersion(1, r.account_id, r.version_description, data, txn.now())},
        .tags = r.tags,
        .creation_time = now,
        .modified_time = now};
    made = txn.Put(std::move(t));
    return Ok();
  }));
  return made;
}

Result<std::pair<std::string, int64_t>> CreateLaunchTemplateVersion(
    Cloud& cloud, const std::string& account_id, const LaunchTemplateRef& ref,
    const std::string& description, const LaunchTemplateData& data) {
  OPENECS_RETURN_IF_ERROR(ValidateVersionDescription(description));
  OPENECS_ASSIGN_OR_RETURN(LaunchTemplateData checked, ValidateLaunchTemplateData(data));
  std::pair<std::string, int64_t> out;
  OPENECS_RETURN_IF_ERROR(cloud.Write([&](Txn& txn) -> Status {
    OPENECS_ASSIGN_OR_RETURN(LaunchTemplate * t, FindIn(txn.state(), account_id, ref));
    if (t->versions.size() >= static_cast<size_t>(kMaxLaunchTemplateVersions))
      return MakeError(ErrorCode::kLaunchTemplateVersionLimitExceed,
                       "The launch template " + t->id + " already has " +
                           std::to_string(kMaxLaunchTemplateVersions) +
                           " versions; delete one first.");
    int64_t number = t->last_number + 1;
    t->versions.push_back(
        NewVersion(number, account_id, description, std::move(checked), txn.now()));
    t->last_number = number;
    t->modified_time = txn.now();
    txn.Touch(*t);
    out = {t->id, number};
    return Ok();
  }));
  return out;
}

Result<std::string> ModifyLaunchTemplateDefaultVersion(Cloud& cloud, const std::string& account_id,
                                                       const LaunchTemplateRef& ref,
                                                       int64_t number) {
  std::string id;
  OPENECS_RETURN_IF_ERROR(cloud.Write([&](Txn& txn) -> Status {
    OPENECS_ASSIGN_OR_RETURN(LaunchTemplate * t, FindIn(txn.state(), account_id, ref));
    if (!FindVersion(*t, number)) return VersionNotFound(*t, number);
    id = t->id;
    if (t->default_version == number) return Ok();
    t->default_version = number;
    t->modified_time = txn.now();
    txn.Touch(*t);
    return Ok();
  }));
  return id;
}

Result<LaunchTemplate> DeleteLaunchTemplate(Cloud& cloud, const std::string& account_id,
                                            const LaunchTemplateRef& ref) {
  LaunchTemplate gone;
  OPENECS_RETURN_IF_ERROR(cloud.Write([&](Txn& txn) -> Status {
    OPENECS_ASSIGN_OR_RETURN(LaunchTemplate * t, FindIn(txn.state(), account_id, ref));
    gone = *t;
    txn.Erase<LaunchTemplate>(gone.id);
    return Ok();
  }));
  return gone;
}

Result<std::string> DeleteLaunchTemplateVersions(Cloud& cloud, const std::string& account_id,
                                                 const LaunchTemplateRef& ref,
                                                 const std::vector<int64_t>& numbers) {
  std::string id;
  OPENECS_RETURN_IF_ERROR(cloud.Write([&](Txn& txn) -> Status {
    OPENECS_ASSIGN_OR_RETURN(LaunchTemplate * t, FindIn(txn.state(), account_id, ref));
    for (int64_t n : numbers) {
      if (!FindVersion(*t, n)) return VersionNotFound(*t, n);
      if (n == t->default_version)
        return MakeError(ErrorCode::kDeleteDefaultVersion,
                         "Version " + std::to_string(n) + " is the default version of " + t->id +
                             ": make another version the default first, or delete the template.");
    }
    std::set<int64_t> drop(numbers.begin(), numbers.end());
    std::erase_if(t->versions,
                  [&](const LaunchTemplateVersion& v) { return drop.count(v.number); });
    t->modified_time = txn.now();
    txn.Touch(*t);
    id = t->id;
    return Ok();
  }));
  return id;
}

Result<LaunchTemplateData> ResolveLaunchTemplateVersion(Cloud& cloud, const std::string& account_id,
                                                        const LaunchTemplateRef& ref,
                                                        std::optional<int64_t> number) {
  return cloud.Read<Result<LaunchTemplateData>>([&](const State& s) -> Result<LaunchTemplateData> {
    OPENECS_ASSIGN_OR_RETURN(const LaunchTemplate* t, FindIn(s, account_id, ref));
    int64_t n = number.value_or(t->default_version);
    const LaunchTemplateVersion* v = FindVersion(*t, n);
    if (!v) return VersionNotFound(*t, n);
    return v->data;
  });
}

std::map<std::string, std::string> MergeLaunchTemplateData(
    const std::map<std::string, std::string>& request, const LaunchTemplateData& data) {
  std::set<std::string> given;
  for (const auto& [k, v] : request)
    if (!v.empty()) given.insert(MergeUnit(k));
  std::map<std::string, std::string> out = request;
  for (const auto& [k, v] : data)
    if (!given.count(MergeUnit(k))) out[k] = v;
  return out;
}

}  // namespace openecs
