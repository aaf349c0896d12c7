#pragma once
// Tags on ECS resources (types instance, disk, snapshot, image, securitygroup, keypair, eni,
// snapshotpolicy, launchtemplate) and VPC resources (vpc, vswitch, eip): the API layer maps each
// API's own ResourceType names onto these. A resource holds at most 20 tags; keys are unique per
// resource.
#include <string>
#include <vector>

#include "service/cloud.h"

namespace openecs {

struct TaggedResource {
  std::string resource_type, resource_id;
  Tag tag;
};

Status ValidateTags(const Tags& tags);
Status TagResources(Cloud& cloud, const std::string& account_id, const std::string& type,
                    const std::vector<std::string>& ids, const Tags& tags);
Status UntagResources(Cloud& cloud, const std::string& account_id, const std::string& type,
                      const std::vector<std::string>& ids, const std::vector<std::string>& keys,
                      bool all);
// Every (resource, tag) pair of the given resources, or of all resources of the type whose
// tags include every tag in `filter`.
Result<std::vector<TaggedResource>> ListTagResources(Cloud& cloud, const std::string& account_id,
                                                     const std::string& type,
                                                     const std::vector<std::string>& ids,
                                                     const Tags& filter);
// True if `have` includes every tag of `want` (a want with empty value matches any value).
bool TagsMatch(const Tags& have, const Tags& want);

}  // namespace openecs
