#include "service/tag_service.h"

#include <algorithm>

namespace openecs {
namespace {

// Calls fn(table) with the state's table of records of `type` (tag_service.h's names), or
// returns InvalidResourceType.NotFound.
template <typename S, typename Fn>
Status WithTable(S& s, const std::string& type, Fn&& fn) {
  if (type == "instance") return fn(s.instances);
  if (type == "disk") return fn(s.disks);
  if (type == "snapshot") return fn(s.snapshots);
  if (type == "image") return fn(s.images);
  if (type == "securitygroup") return fn(s.security_groups);
  if (type == "keypair") return fn(s.key_pairs);
  if (type == "eni") return fn(s.enis);
  if (type == "snapshotpolicy") return fn(s.snapshot_policies);
  if (type == "launchtemplate") return fn(s.launch_templates);
  if (type == "vpc") return fn(s.vpcs);
  if (type == "vswitch") return fn(s.vswitches);
  if (type == "eip") return fn(s.eips);
  if (type == "routetable") return fn(s.route_tables);
  if (type == "ddh") return fn(s.dedicated_hosts);
  return MakeError(ErrorCode::kInvalidResourceTypeNotFound);
}

// The key in its table of the resource the API names `id`: the id itself, but a key pair is
// named by its name, unique per account (model/resources.h KeyPairKey).
std::string KeyOf(const std::string& type, const std::string& account_id, const std::string& id) {
  return type == "keypair" ? KeyPairKey(account_id, id) : id;
}

// The name the API gives a record (the inverse of KeyOf).
template <typename Record>
const std::string& ApiIdOf(const Record& rec) {
  return rec.id;
}
const std::string& ApiIdOf(const KeyPair& rec) { return rec.name; }

// Calls fn(record) for the caller's resource, or returns NotFound/ResourceType errors.
template <typename S, typename Fn>
Status WithTags(S& s, const std::string& account_id, const std::string& type, const std::string& id,
                Fn&& fn) {
  return WithTable(s, type, [&](auto& table) -> Status {
    auto* rec = FindOwned(table, KeyOf(type, account_id, id), account_id);
    if (!rec)
      return MakeError(ErrorCode::kInvalidResourceIdNotFound,
                       "The resource " + id + " of type " + type + " does not exist.");
    fn(*rec);
    return Ok();
  });
}

}  // namespace

Status ValidateTags(const Tags& tags) {
  if (tags.size() > 20) return MakeError(ErrorCode::kInvalidTagCount);
  // No control characters in keys or values: they are shown by every list and the CLI.
  auto has_control = [](const std::string& s) {
    return std::any_of(s.begin(), s.end(), [](unsigned char c) { return c < 0x20 || c == 0x7f; });
  };
  for (size_t i = 0; i < tags.size(); ++i) {
    const Tag& t = tags[i];
    if (t.key.empty() || t.key.size() > 128 || has_control(t.key) ||
        t.key.rfind("aliyun", 0) == 0 || t.key.rfind("acs:", 0) == 0 ||
        t.key.find("http://") != std::string::npos || t.key.find("https://") != std::string::npos)
      return MakeError(ErrorCode::kInvalidTagKey, "The tag key \"" + t.key + "\" is not valid.");
    if (t.value.size() > 128 || has_control(t.value) ||
        t.value.find("http://") != std::string::npos ||
        t.value.find("https://") != std::string::npos)
      return MakeError(ErrorCode::kInvalidTagValue);
    for (size_t j = 0; j < i; ++j)
      if (tags[j].key == t.key)
        return MakeError(ErrorCode::kDuplicateTagKey, "Duplicate tag key \"" + t.key + "\".");
  }
  return Ok();
}

bool TagsMatch(const Tags& have, const Tags& want) {
  for (const auto& w : want) {
    bool found = std::any_of(have.begin(), have.end(), [&](const Tag& h) {
      return h.key == w.key && (w.value.empty() || h.value == w.value);
    });
    if (!found) return false;
  }
  return true;
}

Status TagResources(Cloud& cloud, const std::string& account_id, const std::string& type,
                    const std::vector<std::string>& ids, const Tags& tags) {
  OPENECS_RETURN_IF_ERROR(ValidateTags(tags));
  if (ids.empty() || ids.size() > 50)
    return MakeError(ErrorCode::kInvalidParameter, "Give 1 to 50 ResourceId values.");
  if (tags.empty()) return MakeError(ErrorCode::kMissingParameter, "Give at least one Tag.");
  return cloud.Write([&](Txn& txn) -> Status {
    // Check every resource first (nothing changes if one is missing or would overflow).
    for (const auto& id : ids) {
      Status st = WithTags(txn.state(), account_id, type, id, [&](auto& rec) {});
      if (!st.ok()) return st;
      size_t count = 0;
      (void)WithTags(txn.state(), account_id, type, id, [&](auto& rec) {
        Tags merged = rec.tags;
        for (const auto& t : tags) {
          auto it = std::find_if(merged.begin(), merged.end(),
                                 [&](const Tag& e) { return e.key == t.key; });
          if (it == merged.end()) merged.push_back(t);
        }
        count = merged.size();
      });
      if (count > 20) return MakeError(ErrorCode::kInvalidTagCount);
    }
    for (const auto& id : ids) {
      (void)WithTags(txn.state(), account_id, type, id, [&](auto& rec) {
        for (const auto& t : tags) {
          auto it = std::find_if(rec.tags.begin(), rec.tags.end(),
                                 [&](const Tag& e) { return e.key == t.key; });
          if (it == rec.tags.end())
            rec.tags.push_back(t);
          else
            it->value = t.value;
        }
        txn.Touch(rec);
      });
    }
    return Ok();
  });
}

Status UntagResources(Cloud& cloud, const std::string& account_id, const std::string& type,
                      const std::vector<std::string>& ids, const std::vector<std::string>& keys,
                      bool all) {
  if (ids.empty()) return MakeError(ErrorCode::kMissingParameter, "Give at least one ResourceId.");
  return cloud.Write([&](Txn& txn) -> Status {
    for (const auto& id : ids)
      OPENECS_RETURN_IF_ERROR(WithTags(txn.state(), account_id, type, id, [](auto&) {}));
    for (const auto& id : ids) {
      (void)WithTags(txn.state(), account_id, type, id, [&](auto& rec) {
        auto& t = rec.tags;
        size_t before = t.size();
        t.erase(std::remove_if(t.begin(), t.end(),
                               [&](const Tag& e) {
                                 return all ||
                                        std::find(keys.begin(), keys.end(), e.key) != keys.end();
                               }),
                t.end());
        if (t.size() != before) txn.Touch(rec);
      });
    }
    return Ok();
  });
}

Status RemoveTags(Cloud& cloud, const std::string& account_id, const std::string& type,
                  const std::string& id, const Tags& tags) {
  if (tags.empty()) return MakeError(ErrorCode::kMissingParameter, "Give at least one Tag.N.Key.");
  if (tags.size() > 20) return MakeError(ErrorCode::kInvalidTagCount);
  for (const auto& t : tags)
    if (t.key.empty()) return MakeError(ErrorCode::kInvalidTagKey, "Every Tag.N needs its Key.");
  return cloud.Write([&](Txn& txn) -> Status {
    return WithTags(txn.state(), account_id, type, id, [&](auto& rec) {
      size_t before = rec.tags.size();
      std::erase_if(rec.tags, [&](const Tag& have) {
        return std::any_of(tags.begin(), tags.end(), [&](const Tag& t) {
          return t.key == have.key && (t.value.empty() || t.value == have.value);
        });
      });
      if (rec.tags.size() != before) txn.Touch(rec);
    });
  });
}

Result<std::vector<TagCount>> CountTags(Cloud& cloud, const std::string& account_id,
                                        const std::string& type, const std::string& id,
                                        const Tags& filter) {
  static const char* kEcsTypes[] = {"instance",       "disk",    "snapshot", "image",
                                    "securitygroup",  "keypair", "eni",      "snapshotpolicy",
                                    "launchtemplate", "ddh"};
  return cloud.Read<Result<std::vector<TagCount>>>(
      [&](const State& s) -> Result<std::vector<TagCount>> {
        std::map<std::pair<std::string, std::string>, std::map<std::string, int>> counts;
        auto wanted = [&](const Tag& t) {
          return filter.empty() || std::any_of(filter.begin(), filter.end(), [&](const Tag& f) {
                   return f.key == t.key && (f.value.empty() || f.value == t.value);
                 });
        };
        auto count = [&](const std::string& t, const Tags& tags) {
          for (const auto& tag : tags)
            if (wanted(tag)) ++counts[{tag.key, tag.value}][t];
        };
        if (!id.empty()) {
          OPENECS_RETURN_IF_ERROR(
              WithTags(s, account_id, type, id, [&](const auto& rec) { count(type, rec.tags); }));
        } else {
          for (const char* t : kEcsTypes) {
            if (!type.empty() && type != t) continue;
            OPENECS_RETURN_IF_ERROR(WithTable(s, t, [&](const auto& table) -> Status {
              for (const auto& [rid, rec] : Owned(table, account_id)) count(t, rec.tags);
              return Ok();
            }));
          }
        }
        std::vector<TagCount> out;
        for (auto& [tag, by_type] : counts)
          out.push_back({Tag{tag.first, tag.second}, std::move(by_type)});
        return out;
      });
}

Result<std::vector<TaggedResource>> ListTagResources(Cloud& cloud, const std::string& account_id,
                                                     const std::string& type,
                                                     const std::vector<std::string>& ids,
                                                     const Tags& filter) {
  return cloud.Read<Result<std::vector<TaggedResource>>>(
      [&](const State& s) -> Result<std::vector<TaggedResource>> {
        std::vector<TaggedResource> out;
        auto emit = [&](const std::string& id, const Tags& tags) {
          for (const auto& t : tags) out.push_back({type, id, t});
        };
        auto scan = [&](const auto& table) -> Status {
          if (!ids.empty()) {
            for (const auto& id : ids) {
              const auto* rec = FindOwned(table, KeyOf(type, account_id, id), account_id);
              if (rec && TagsMatch(rec->tags, filter)) emit(id, rec->tags);
            }
          } else {
            for (const auto& [key, rec] : Owned(table, account_id))
              if (!rec.tags.empty() && TagsMatch(rec.tags, filter)) emit(ApiIdOf(rec), rec.tags);
          }
          return Ok();
        };
        OPENECS_RETURN_IF_ERROR(WithTable(s, type, scan));
        return out;
      });
}

}  // namespace openecs
