// Key pair and tag actions, and ECS's JoinResourceGroup.
#include <set>

#include "api/action.h"
#include "api/paging.h"
#include "common/clock.h"
#include "common/text.h"
#include "service/keypair_service.h"
#include "service/resource_group_service.h"
#include "service/tag_service.h"

namespace openecs {
namespace {
using json = nlohmann::json;

Result<json> CreateKeyPairAction(ApiContext& c) {
  OPENECS_ASSIGN_OR_RETURN(std::string name, c.params.Required("KeyPairName"));
  OPENECS_ASSIGN_OR_RETURN(Tags tags, TagsOf(c.params));
  OPENECS_RETURN_IF_ERROR(ValidateTags(tags));
  OPENECS_ASSIGN_OR_RETURN(auto created, CreateKeyPair(c.cloud, c.account_id, c.region_id, name,
                                                       tags, c.params.Get("ResourceGroupId")));
  return json{{"KeyPairName", created.key_pair.name},
              {"KeyPairId", created.key_pair.key_pair_id},
              {"KeyPairFingerPrint", created.key_pair.fingerprint},
              {"PrivateKeyBody", created.private_key}};
}

Result<json> ImportKeyPairAction(ApiContext& c) {
  OPENECS_ASSIGN_OR_RETURN(std::string name, c.params.Required("KeyPairName"));
  OPENECS_ASSIGN_OR_RETURN(std::string body, c.params.Required("PublicKeyBody"));
  OPENECS_ASSIGN_OR_RETURN(Tags tags, TagsOf(c.params));
  OPENECS_RETURN_IF_ERROR(ValidateTags(tags));
  OPENECS_ASSIGN_OR_RETURN(KeyPair kp, ImportKeyPair(c.cloud, c.account_id, c.region_id, name, body,
                                                     tags, c.params.Get("ResourceGroupId")));
  return json{{"KeyPairName", kp.name}, {"KeyPairFingerPrint", kp.fingerprint}};
}

Result<json> DescribeKeyPairsAction(ApiContext& c) {
  auto name = c.params.Get("KeyPairName");
  auto fp = c.params.Get("KeyPairFingerPrint");
  auto group = c.params.Get("ResourceGroupId");
  OPENECS_ASSIGN_OR_RETURN(bool include_public, c.params.Bool("IncludePublicKey", false));
  OPENECS_ASSIGN_OR_RETURN(Tags want, TagsOf(c.params));
  PageSpec spec;
  spec.token_style = false;
  spec.page_size_max = 50;
  return c.cloud.Read<Result<json>>([&](const State& s) -> Result<json> {
    std::vector<const KeyPair*> matched;
    for (const auto& [id, k] : Owned(s.key_pairs, c.account_id)) {
      // KeyPairName supports '*' as a wildcard suffix.
      if (name) {
        bool wildcard = !name->empty() && name->back() == '*';
        if (wildcard ? k.name.rfind(name->substr(0, name->size() - 1), 0) != 0 : k.name != *name)
          continue;
      }
      if (fp && k.fingerprint != *fp) continue;
      if (!InGroup(group, k.resource_group_id, k.account_id)) continue;
      if (!TagsMatch(k.tags, want)) continue;
      matched.push_back(&k);
    }
    OPENECS_ASSIGN_OR_RETURN(Page page, Paginate(c.params, matched.size(), spec));
    json arr = json::array();
    for (size_t i = page.begin; i < page.end; ++i) {
      const KeyPair& k = *matched[i];
      json e = {{"KeyPairName", k.name},
                {"KeyPairFingerPrint", k.fingerprint},
                {"CreationTime", FormatIso(k.creation_time)},
                {"ResourceGroupId", EffectiveGroup(k.resource_group_id, k.account_id)},
                {"Tags", RenderTags(k.tags, false)}};
      if (include_public) e["PublicKey"] = k.public_key;
      arr.push_back(e);
    }
    json reply = {{"KeyPairs", Wrap("KeyPair", arr)}};
    page.Render(reply, matched.size());
    return reply;
  });
}

Result<json> DeleteKeyPairsAction(ApiContext& c) {
  OPENECS_ASSIGN_OR_RETURN(std::string raw, c.params.Required("KeyPairNames"));
  OPENECS_ASSIGN_OR_RETURN(auto names, c.params.JsonList("KeyPairNames"));
  (void)raw;
  OPENECS_RETURN_IF_ERROR(DeleteKeyPairs(c.cloud, c.account_id, names));
  return json::object();
}

// JoinResourceGroup: moves one ECS resource into a group (resource_group_service.h). ResourceType
// as ECS names it (either case); a key pair's ResourceId is its name.
Result<json> JoinResourceGroupAction(ApiContext& c) {
  OPENECS_ASSIGN_OR_RETURN(std::string group, c.params.Required("ResourceGroupId"));
  OPENECS_ASSIGN_OR_RETURN(std::string id, c.params.Required("ResourceId"));
  OPENECS_ASSIGN_OR_RETURN(std::string wire, c.params.Required("ResourceType"));
  static const std::set<std::string> kTypes = {
      "instance", "disk",           "snapshot",           "image", "securitygroup", "keypair",
      "eni",      "launchtemplate", "autosnapshotpolicy", "ddh"};
  std::string type = ToLower(wire);
  if (!kTypes.count(type))
    return MakeError(ErrorCode::kInvalidResourceTypeNotFound,
                     "ResourceType " + wire +
                         " is not one of instance, disk, snapshot, image, securitygroup, "
                         "keypair, eni, launchtemplate, autosnapshotpolicy, ddh.");
  OPENECS_RETURN_IF_ERROR(MoveToResourceGroup(c.cloud, c.account_id, type, id, group));
  return json::object();
}

// AttachKeyPair / DetachKeyPair: one result per instance, the counts as text (ECS's shape).
ActionHandler BindKeyPairAction(bool attach) {
  return [attach](ApiContext& c) -> Result<json> {
    OPENECS_ASSIGN_OR_RETURN(std::string name, c.params.Required("KeyPairName"));
    OPENECS_ASSIGN_OR_RETURN(auto ids, c.params.JsonList("InstanceIds"));
    if (ids.empty())
      return MakeError(ErrorCode::kMissingParameter,
                       "The input parameter \"InstanceIds\" that is mandatory for processing "
                       "this request is not supplied.");
    OPENECS_ASSIGN_OR_RETURN(auto results, BindKeyPair(c.cloud, c.account_id, name, ids, attach));
    json arr = json::array();
    int failed = 0;
    for (const auto& r : results) {
      failed += r.error.has_value();
      std::string code = "200", message = "successful";
      if (r.error) {
        code = Describe(r.error->code).code;
        message = r.error->message.empty() ? std::string(Describe(r.error->code).message)
                                           : r.error->message;
      }
      arr.push_back({{"InstanceId", r.instance_id},
                     {"Success", r.error ? "false" : "true"},
                     {"Code", code},
                     {"Message", message}});
    }
    return json{{"KeyPairName", name},
                {"TotalCount", std::to_string(results.size())},
                {"FailCount", std::to_string(failed)},
                {"Results", Wrap("Result", arr)}};
  };
}

// The service's resource type (service/tag_service.h) for an API's ResourceType, by the API's
// own names (either case): the ECS API tags ECS resources, the VPC API VPCs, vSwitches, EIPs
// and route tables.
Result<std::string> TagTypeOf(const ApiContext& c, bool vpc_api) {
  OPENECS_ASSIGN_OR_RETURN(std::string wire, c.params.Required("ResourceType"));
  std::string type = ToLower(wire);
  static const std::set<std::string> kEcs = {
      "instance", "disk", "snapshot",       "image",          "securitygroup",
      "keypair",  "eni",  "snapshotpolicy", "launchtemplate", "ddh"};
  static const std::set<std::string> kVpc = {"vpc", "vswitch", "eip", "routetable"};
  if (!(vpc_api ? kVpc : kEcs).count(type))
    return MakeError(ErrorCode::kInvalidResourceTypeNotFound,
                     "The resource type " + wire + " cannot be tagged through this API.");
  return type;
}

ActionHandler TagResourcesAction(bool vpc_api) {
  return [vpc_api](ApiContext& c) -> Result<json> {
    OPENECS_ASSIGN_OR_RETURN(std::string type, TagTypeOf(c, vpc_api));
    OPENECS_ASSIGN_OR_RETURN(auto ids, RequiredRepeatList(c.params, "ResourceId"));
    OPENECS_ASSIGN_OR_RETURN(Tags tags, TagsOf(c.params));
    OPENECS_RETURN_IF_ERROR(TagResources(c.cloud, c.account_id, type, ids, tags));
    return json::object();
  };
}

// TagKey.N removes those keys; All=true with no keys removes every tag (with keys, All is
// ignored, as the API documents).
ActionHandler UntagResourcesAction(bool vpc_api) {
  return [vpc_api](ApiContext& c) -> Result<json> {
    OPENECS_ASSIGN_OR_RETURN(std::string type, TagTypeOf(c, vpc_api));
    OPENECS_ASSIGN_OR_RETURN(auto ids, RequiredRepeatList(c.params, "ResourceId"));
    OPENECS_ASSIGN_OR_RETURN(bool all, c.params.Bool("All", false));
    auto keys = c.params.RepeatList("TagKey");
    if (!all && keys.empty())
      return MakeError(ErrorCode::kMissingParameter, "Give TagKey.N or All=true.");
    OPENECS_RETURN_IF_ERROR(
        UntagResources(c.cloud, c.account_id, type, ids, keys, all && keys.empty()));
    return json::object();
  };
}

ActionHandler ListTagResourcesAction(bool vpc_api) {
  return [vpc_api](ApiContext& c) -> Result<json> {
    OPENECS_ASSIGN_OR_RETURN(std::string type, TagTypeOf(c, vpc_api));
    std::string wire = c.params.GetOr("ResourceType", "");
    auto ids = c.params.RepeatList("ResourceId");
    OPENECS_ASSIGN_OR_RETURN(Tags filter, TagsOf(c.params));
    OPENECS_ASSIGN_OR_RETURN(auto items,
                             ListTagResources(c.cloud, c.account_id, type, ids, filter));
    PageSpec spec;
    spec.max_results_default = 50;
    spec.max_results_max = 1000;
    Params paging;
    if (auto t = c.params.Get("NextToken")) paging.Set("NextToken", *t);
    paging.Set("MaxResults", c.params.GetOr("MaxResults", "50"));
    OPENECS_ASSIGN_OR_RETURN(Page page, Paginate(paging, items.size(), spec));
    json arr = json::array();
    for (size_t i = page.begin; i < page.end; ++i)
      arr.push_back({{"ResourceType", wire},
                     {"ResourceId", items[i].resource_id},
                     {"TagKey", items[i].tag.key},
                     {"TagValue", items[i].tag.value}});
    return json{{"TagResources", Wrap("TagResource", arr)}, {"NextToken", page.next_token}};
  };
}

// The legacy tag actions (AddTags, RemoveTags, DescribeTags): one resource at a time, on the
// same tags as TagResources/UntagResources/ListTagResources.
ActionHandler AddTagsAction() {
  return [](ApiContext& c) -> Result<json> {
    OPENECS_ASSIGN_OR_RETURN(std::string type, TagTypeOf(c, false));
    OPENECS_ASSIGN_OR_RETURN(std::string id, c.params.Required("ResourceId"));
    OPENECS_ASSIGN_OR_RETURN(Tags tags, TagsOf(c.params));
    for (const auto& tag : tags)
      if (tag.key.empty())
        return MakeError(ErrorCode::kInvalidTagKey, "Every Tag.N with a Value needs its Key.");
    OPENECS_RETURN_IF_ERROR(TagResources(c.cloud, c.account_id, type, {id}, tags));
    return json::object();
  };
}

ActionHandler RemoveTagsAction() {
  return [](ApiContext& c) -> Result<json> {
    OPENECS_ASSIGN_OR_RETURN(std::string type, TagTypeOf(c, false));
    OPENECS_ASSIGN_OR_RETURN(std::string id, c.params.Required("ResourceId"));
    OPENECS_ASSIGN_OR_RETURN(Tags tags, TagsOf(c.params));
    OPENECS_RETURN_IF_ERROR(RemoveTags(c.cloud, c.account_id, type, id, tags));
    return json::object();
  };
}

// Category custom (the default) is the tags users set; system tags (acs:...) are the
// platform's, and OpenECS sets none.
ActionHandler DescribeTagsAction() {
  return [](ApiContext& c) -> Result<json> {
    const Params& p = c.params;
    std::string type;
    if (p.Get("ResourceType")) {
      OPENECS_ASSIGN_OR_RETURN(type, TagTypeOf(c, false));
    }
    std::string id = p.GetOr("ResourceId", "");
    if (!id.empty() && type.empty())
      return MakeError(ErrorCode::kMissingParameter,
                       "Give the ResourceType of ResourceId " + id + ".");
    std::string category = p.GetOr("Category", "custom");
    if (category != "custom" && category != "system")
      return MakeError(ErrorCode::kInvalidParameter, "Category must be custom or system.");
    OPENECS_ASSIGN_OR_RETURN(Tags filter, TagsOf(p));
    if (filter.size() > 20) return MakeError(ErrorCode::kInvalidTagCount);
    for (const auto& tag : filter)
      if (tag.key.empty())
        return MakeError(ErrorCode::kInvalidTagKey, "Every Tag.N with a Value needs its Key.");
    std::vector<TagCount> found;
    if (category == "custom") {
      OPENECS_ASSIGN_OR_RETURN(found, CountTags(c.cloud, c.account_id, type, id, filter));
    }
    PageSpec spec;
    spec.token_style = false;
    spec.page_size_default = 50;
    spec.page_size_max = 100;
    OPENECS_ASSIGN_OR_RETURN(Page page, Paginate(p, found.size(), spec));
    json arr = json::array();
    for (size_t i = page.begin; i < page.end; ++i) {
      auto n = [&](const char* t) {
        auto it = found[i].by_type.find(t);
        return it == found[i].by_type.end() ? 0 : it->second;
      };
      arr.push_back({{"TagKey", found[i].tag.key},
                     {"TagValue", found[i].tag.value},
                     {"ResourceTypeCount",
                      {{"Instance", n("instance")},
                       {"Disk", n("disk")},
                       {"Volume", 0},
                       {"Image", n("image")},
                       {"Snapshot", n("snapshot")},
                       {"Securitygroup", n("securitygroup")},
                       {"LaunchTemplate", n("launchtemplate")},
                       {"Eni", n("eni")},
                       {"Ddh", 0},
                       {"KeyPair", n("keypair")},
                       {"SnapshotPolicy", n("snapshotpolicy")},
                       {"ReservedInstance", 0}}}});
    }
    json reply = {{"Tags", Wrap("Tag", arr)}};
    page.Render(reply, found.size());
    return reply;
  };
}

}  // namespace

void RegisterKeyPairAndTagActions(ActionTable& t) {
  t[{kEcsVersion, "CreateKeyPair"}] = {CreateKeyPairAction};
  t[{kEcsVersion, "ImportKeyPair"}] = {ImportKeyPairAction};
  t[{kEcsVersion, "DescribeKeyPairs"}] = {DescribeKeyPairsAction};
  t[{kEcsVersion, "DeleteKeyPairs"}] = {DeleteKeyPairsAction};
  t[{kEcsVersion, "AttachKeyPair"}] = {BindKeyPairAction(true)};
  t[{kEcsVersion, "DetachKeyPair"}] = {BindKeyPairAction(false)};
  t[{kEcsVersion, "JoinResourceGroup"}] = {JoinResourceGroupAction};
  t[{kEcsVersion, "TagResources"}] = {TagResourcesAction(false)};
  t[{kEcsVersion, "UntagResources"}] = {UntagResourcesAction(false)};
  t[{kEcsVersion, "ListTagResources"}] = {ListTagResourcesAction(false)};
  t[{kEcsVersion, "AddTags"}] = {AddTagsAction()};
  t[{kEcsVersion, "RemoveTags"}] = {RemoveTagsAction()};
  t[{kEcsVersion, "DescribeTags"}] = {DescribeTagsAction()};
  t[{kVpcVersion, "TagResources"}] = {TagResourcesAction(true)};
  t[{kVpcVersion, "UnTagResources"}] = {UntagResourcesAction(true)};  // sic: the VPC API's name
  t[{kVpcVersion, "ListTagResources"}] = {ListTagResourcesAction(true)};
}

}  // namespace openecs
