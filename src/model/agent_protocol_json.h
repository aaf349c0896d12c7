#pragma once
// The agent protocol's messages as JSON, for agents that talk to the server over HTTP
// (agent/http_channel.h, api/agent_endpoint.h). Unknown keys are ignored and missing keys take
// defaults, so a newer server and an older agent (or the reverse) still understand each other.
#include <nlohmann/json.hpp>

#include "model/agent_protocol.h"

namespace openecs {

void to_json(nlohmann::json& j, const HostInfo& v);
void from_json(const nlohmann::json& j, HostInfo& v);
void to_json(nlohmann::json& j, const DesiredSnapshot& v);
void from_json(const nlohmann::json& j, DesiredSnapshot& v);
void to_json(nlohmann::json& j, const SnapshotReport& v);
void from_json(const nlohmann::json& j, SnapshotReport& v);
void to_json(nlohmann::json& j, const DesiredDiskBuild& v);
void from_json(const nlohmann::json& j, DesiredDiskBuild& v);
void to_json(nlohmann::json& j, const DiskBuildReport& v);
void from_json(const nlohmann::json& j, DiskBuildReport& v);
void to_json(nlohmann::json& j, const DesiredImageBuild& v);
void from_json(const nlohmann::json& j, DesiredImageBuild& v);
void to_json(nlohmann::json& j, const ImageReport& v);
void to_json(nlohmann::json& j, const DesiredImageExport& v);
void from_json(const nlohmann::json& j, DesiredImageExport& v);
void to_json(nlohmann::json& j, const ImageExportReport& v);
void from_json(const nlohmann::json& j, ImageExportReport& v);
void from_json(const nlohmann::json& j, ImageReport& v);
void to_json(nlohmann::json& j, const RemoteAddress& v);
void to_json(nlohmann::json& j, const RoleCredentials& v);
void from_json(const nlohmann::json& j, RoleCredentials& v);
void from_json(const nlohmann::json& j, RemoteAddress& v);
void to_json(nlohmann::json& j, const DesiredVm& v);
void from_json(const nlohmann::json& j, DesiredVm& v);
void to_json(nlohmann::json& j, const DesiredState& v);
void from_json(const nlohmann::json& j, DesiredState& v);
void to_json(nlohmann::json& j, const GuestSample& v);
void from_json(const nlohmann::json& j, GuestSample& v);
void to_json(nlohmann::json& j, const Observation& v);
void from_json(const nlohmann::json& j, Observation& v);

}  // namespace openecs
