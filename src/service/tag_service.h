#pragma once
// Tags on ECS resources (types instance, disk, snapshot, image, securitygroup, keypair, eni,
// snapshotpolicy, launchtemplate, ddh) and VPC resources (vpc, vswitch, eip, routetable): the API
// layer maps each API's own ResourceType names onto these. A resource holds at most 20 tags;
// keys are unique per resource.
#include <map>
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
// RemoveTags (the legacy action): takes from one resource each tag whose key is one of `tags`'
// and whose value is that tag's value too when it names one. Tags it does not have are fine.
Status RemoveTags(Cloud& cloud, const std::string& account_id, const std::string& type,
                  const std::string& id, const Tags& tags);

// DescribeTags (the legacy action): every distinct tag (key and value) on the caller's
// resources of the ECS types (or of `type` alone; of resource `id` alone, which must exist, when
// given), with how many resources of each type carry it; in key, then value order. `filter`
// keeps the tags matching one of its tags (by key, and by value when that names one).
struct TagCount {
  Tag tag;
  std::map<std::string, int> by_type;  // tag_service type -> resources
};
Result<std::vector<TagCount>> CountTags(Cloud& cloud, const std::string& account_id,
                                        const std::string& type, const std::string& id,
                                        const Tags& filter);

// True if `have` includes every tag of `want` (a want with empty value matches any value).
bool TagsMatch(const Tags& have, const Tags& want);

}  // namespace openecs
