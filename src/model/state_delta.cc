#include "model/state_delta.h"

#include <map>
#include <set>
#include <string>

namespace openecs {
namespace {

using json = nlohmann::json;

// The member names that key the desired state's lists (DesiredVm's instance_id, ...).
constexpr const char* kKeys[] = {"instance_id", "snapshot_id", "disk_id",
                                 "image_id",    "task_id",     "invocation_id",
                                 "request_id",  "session_id",  "id"};

// The key of a list of objects each carrying it as a distinct string, or "" (empty lists
// included: nothing to key them by).
std::string KeyOf(const json& list) {
  if (!list.is_array() || list.empty()) return "";
  for (const char* key : kKeys) {
    std::set<std::string> seen;
    bool keyed = true;
    for (const auto& e : list) {
      if (!e.is_object() || !e.contains(key) || !e[key].is_string() ||
          !seen.insert(e[key].get<std::string>()).second) {
        keyed = false;
        break;
      }
    }
    if (keyed) return key;
  }
  return "";
}

}  // namespace

json MakeStateDelta(const json& before, const json& after) {
  json set = json::object(), lists = json::object();
  for (const auto& [name, value] : after.items()) {
    auto was = before.find(name);
    if (was != before.end() && *was == value) continue;
    std::string key = value.is_array() ? KeyOf(value) : "";
    if (!key.empty() && was != before.end() && KeyOf(*was) == key) {
      std::map<std::string, const json*> old;
      for (const auto& e : *was) old[e[key].get<std::string>()] = &e;
      json order = json::array(), upsert = json::array();
      for (const auto& e : value) {
        const std::string& id = e[key].get_ref<const std::string&>();
        order.push_back(id);
        auto it = old.find(id);
        if (it == old.end() || *it->second != e) upsert.push_back(e);
      }
      lists[name] = {{"key", key}, {"order", std::move(order)}, {"upsert", std::move(upsert)}};
      continue;
    }
    set[name] = value;
  }
  for (const auto& [name, value] : before.items())
    if (!after.contains(name)) set[name] = nullptr;
  json delta = json::object();
  if (!set.empty()) delta["set"] = std::move(set);
  if (!lists.empty()) delta["lists"] = std::move(lists);
  return delta;
}

std::optional<json> ApplyStateDelta(json before, const json& delta) {
  if (!before.is_object() || !delta.is_object()) return std::nullopt;
  json out = std::move(before);  // what the delta leaves alone is moved, never copied
  if (auto set = delta.find("set"); set != delta.end()) {
    if (!set->is_object()) return std::nullopt;
    for (const auto& [name, value] : set->items()) {
      if (value.is_null())
        out.erase(name);
      else
        out[name] = value;
    }
  }
  if (auto lists = delta.find("lists"); lists != delta.end()) {
    if (!lists->is_object()) return std::nullopt;
    for (const auto& [name, change] : lists->items()) {
      if (!change.is_object() || !change.contains("key") || !change["key"].is_string() ||
          !change.contains("order") || !change["order"].is_array() || !change.contains("upsert") ||
          !change["upsert"].is_array())
        return std::nullopt;
      std::string key = change["key"].get<std::string>();
      auto was = out.find(name);
      if (was == out.end() || KeyOf(*was) != key) return std::nullopt;
      std::map<std::string, json> by_id;
      for (auto& e : *was) {
        std::string id = e[key].get<std::string>();
        by_id[std::move(id)] = std::move(e);
      }
      for (const auto& e : change["upsert"]) {
        if (!e.is_object() || !e.contains(key) || !e[key].is_string()) return std::nullopt;
        by_id[e[key].get<std::string>()] = e;
      }
      json list = json::array();
      for (const auto& id : change["order"]) {
        if (!id.is_string()) return std::nullopt;
        auto it = by_id.find(id.get<std::string>());
        if (it == by_id.end() || it->second.is_null()) return std::nullopt;  // or named twice
        list.push_back(std::move(it->second));
        it->second = nullptr;
      }
      *was = std::move(list);
    }
  }
  return out;
}

}  // namespace openecs
