#pragma once
// Launch templates as ECS has them: per account and region, at most 30 templates with unique
// names, each with at most 30 numbered versions (1, 2, ...; a number is never given twice within
// a template), one of which is the default. A version presets RunInstances parameters; a
// RunInstances call that names the template (LaunchTemplateId or LaunchTemplateName, and
// LaunchTemplateVersion, else the default version) takes every parameter it does not give
// itself from the version: the request's own parameters win.
//
// How a version reaches RunInstances. A version is kept as RunInstances parameters under their
// wire names (model/resources.h, LaunchTemplateData), and the API layer overlays it on the
// request's parameters before RunInstances' parser reads them (MergeLaunchTemplateData, called
// from the top of ParseRun in api/instance_actions.cc). That seam was chosen because:
//  - "absent from the request" only exists at the parameter level: once parsed, a RunRequest
//    holds defaults ("PostPaid", 0, "enabled") that cannot be told apart from given values, so
//    a merge there would let the template override what the caller asked for, or not fill what
//    the caller left out;
//  - RunInstances' parser, validation and every check after it stay exactly as they are: a
//    template value is checked the same way as the same value given in the request (ECS, too,
//    checks a template's values only when instances are made from it);
//  - the change to the instance code is two lines, and nothing about templates leaks into
//    RunRequest or the instance service.
// Lists merge as a whole (DataDisk.N, NetworkInterface.N, Tag.N, and the security groups,
// SecurityGroupId and SecurityGroupIds.N together): a request that gives any of one list takes
// nothing of that list from the template, so disks or tags are never mixed index by index. Every
// other parameter (SystemDisk.Size, InstanceName, ...) merges on its own.
//
// Validation at creation (ValidateLaunchTemplateData): as ECS, the existence of what a version
// names (image, vSwitch, security groups, key pair) is not checked until RunInstances; its
// form is: names, host name, descriptions, user data, tags, the metadata options and the enums
// as RunInstances checks them, numbers within their documented ranges, booleans, and no
// control characters in any text (every value is shown again by DescribeLaunchTemplateVersions
// and may reach a guest's metadata).
//
// Thread safety: every function takes the Cloud's locks itself. Mutators are all or nothing.
#include <optional>
#include <string>
#include <vector>

#include "service/cloud.h"

namespace openecs {

inline constexpr int kMaxLaunchTemplates = 30;         // per account (and region)
inline constexpr int kMaxLaunchTemplateVersions = 30;  // per template

// Names a template: by id if given (and then a name given too must be its name), else by name.
// MissingParameter if neither is given.
struct LaunchTemplateRef {
  std::string id, name;
};

// The template `ref` names among `account_id`'s: InvalidLaunchTemplate.NotFound otherwise.
Result<const LaunchTemplate*> FindLaunchTemplate(const State& s, const std::string& account_id,
                                                 const LaunchTemplateRef& ref);
// The version `number` of `t`, or null.
const LaunchTemplateVersion* FindVersion(const LaunchTemplate& t, int64_t number);

// The launch template parameters among a request's (the RunInstances parameters a version may
// preset), values as given; empty values are left out.
LaunchTemplateData SelectLaunchTemplateData(const std::map<std::string, std::string>& request);
// Checks a version's parameters (see the header comment) and returns them normalised (booleans
// in lower case).
Result<LaunchTemplateData> ValidateLaunchTemplateData(const LaunchTemplateData& data);
// LaunchTemplateName: 2-128 characters, starting with a letter, of letters, digits, ':', '_',
// '.', '-', not starting with http:// or https://.
Status ValidateLaunchTemplateName(const std::string& name);

struct CreateLaunchTemplateRequest {
  std::string account_id, region_id, name;
  // The template's own group (TemplateResourceGroupId; resource_group_service.h). A version's
  // ResourceGroupId is the group of the instances launched from it.
  std::optional<std::string> resource_group_id;
  std::string version_description;
  LaunchTemplateData data;  // version 1
  Tags tags;                // the template's own (TemplateTag.N)
};
// The new template, with version 1 as its default.
Result<LaunchTemplate> CreateLaunchTemplate(Cloud& cloud, const CreateLaunchTemplateRequest& r);

// Adds a version (the next number); LaunchTemplateVersionLimitExceed at 30. Returns the template
// id and the version's number.
Result<std::pair<std::string, int64_t>> CreateLaunchTemplateVersion(Cloud& cloud,
                                                                    const std::string& account_id,
                                                                    const LaunchTemplateRef& ref,
                                                                    const std::string& description,
                                                                    const LaunchTemplateData& data);

// Makes version `number` the default. Returns the template id.
Result<std::string> ModifyLaunchTemplateDefaultVersion(Cloud& cloud, const std::string& account_id,
                                                       const LaunchTemplateRef& ref,
                                                       int64_t number);

// Deletes the template with all its versions; returns what it was.
Result<LaunchTemplate> DeleteLaunchTemplate(Cloud& cloud, const std::string& account_id,
                                            const LaunchTemplateRef& ref);

// Deletes the given versions, all or none: each must exist
// (InvalidLaunchTemplateVersion.NotFound) and none be the default
// (InvalidOperation.DeleteDefaultVersion). Returns the template id.
Result<std::string> DeleteLaunchTemplateVersions(Cloud& cloud, const std::string& account_id,
                                                 const LaunchTemplateRef& ref,
                                                 const std::vector<int64_t>& numbers);

// The parameters of version `number` (the default if not given) of the template `ref` names.
Result<LaunchTemplateData> ResolveLaunchTemplateVersion(Cloud& cloud, const std::string& account_id,
                                                        const LaunchTemplateRef& ref,
                                                        std::optional<int64_t> number);

// `request` with every parameter of `data` it does not give itself (see the header comment for
// how lists merge). A pure function.
std::map<std::string, std::string> MergeLaunchTemplateData(
    const std::map<std::string, std::string>& request, const LaunchTemplateData& data);

}  // namespace openecs
