#pragma once
// Deltas of a host's desired state on the agent protocol's wire (api/agent_endpoint.h and
// agent/http_channel.h): a pull answers only what changed against the state the agent holds,
// not the whole of it (issue 20).
//
// Both sides hold the JSON object DesiredState serialises to. A delta is a JSON object:
//  - "set": every top-level member whose value differs, whole (a member gone is set to null);
//  - "lists": for a member that is an array of objects keyed by an id in both states (every
//    element carries the same id member, instance_id, snapshot_id, ... or id, as distinct
//    strings), {"key": that member, "order": the new ids in order, "upsert": the elements new
//    or changed}; an element not in "order" is gone.
// An unchanged state gives an empty delta ({}). The wire keeps `revision` and `changed` beside
// it as in a whole answer, and names the revision of the state it is a delta of (`delta_from`).
#include <nlohmann/json.hpp>
#include <optional>

namespace openecs {

// What `after` differs by from `before` (both JSON objects).
nlohmann::json MakeStateDelta(const nlohmann::json& before, const nlohmann::json& after);
// `before` with `delta` applied; nullopt if the delta does not fit it (an upsert or an id in an
// order that neither state has, an id named twice, a list that is not a keyed list in
// `before`): the receiver then asks for the whole state. Taken by value: a holder that moves
// its state in pays nothing for what did not change.
std::optional<nlohmann::json> ApplyStateDelta(nlohmann::json before, const nlohmann::json& delta);

}  // namespace openecs
