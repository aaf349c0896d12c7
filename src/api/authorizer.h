#pragma once
// Authorization of an authenticated call: after the action is known, before its handler runs
// (DESIGN §1). The services already scope every lookup to the caller's account; this decides
// what a RAM identity may do inside it.
//
// - An account's own key (Principal kRoot) may do everything.
// - A RAM user: the policies attached to the user and to its groups (service/ram_service.h);
//   with none, nothing (default deny).
// - An assumed role (STS): the role's policies; an inline Policy given to AssumeRole narrows
//   them (both must allow).
//
// A call is checked as "<product>:<Action>" (ecs:DeleteInstance, vpc:CreateVpc, ram:CreateUser,
// sts:AssumeRole) on each resource it names, one check per resource, so a batch is refused if
// any of its resources is: "acs:<product>:<region>:<account>:<type>/<id>" (RAM's resources have
// no region: "acs:ram::<account>:user/<name>"). A call that names none of a type (a listing, a
// creation) is checked on "<type>/*" of the type its action is about, or on "*". Condition keys
// filled in: acs:SourceIp, acs:CurrentTime, acs:SecureTransport, and per resource its tags as
// ecs:tag/<key> and acs:ResourceTag/<key>; a creation's Tag.N as acs:RequestTag/<key> (and
// ecs:tag/<key> on "<type>/*").
//
// A refusal is Forbidden.RAM (403) for ECS and VPC and NoPermission (403) for RAM, STS and
// Resource Manager, with the AccessDeniedDetail Alibaba Cloud answers a RAM identity
// (PolicyType, AuthPrincipalOwnerId, AuthPrincipalType SubUser | AssumedRoleUser,
// AuthPrincipalDisplayName, NoPermissionType ImplicitDeny | ExplicitDeny, AuthAction,
// EncodedDiagnosticMessage).
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "api/params.h"
#include "common/result.h"
#include "service/cloud.h"
#include "service/principal.h"

namespace openecs {

// The RAM product code of an API version: "ecs", "vpc", "ram", "sts", "resourcemanager"
// ("" for a version OpenECS does not serve).
std::string ProductOfVersion(const std::string& version);

// The ARNs a call names (see above), in the order the parameters list them.
std::vector<std::string> ResourceArnsOf(const std::string& version, const std::string& action,
                                        const Params& params, const std::string& region,
                                        const std::string& account_id);

// One check: may `principal` do `auth_action` ("ram:PassRole") on `resource_arn`? Ok or the
// refusal Authorize would answer.
Status AuthorizeAs(const Cloud& cloud, const Principal& principal, const std::string& auth_action,
                   const std::string& resource_arn);

// RAM DecodeDiagnosticMessage: the refusal an EncodedDiagnosticMessage describes (sealed under
// the server's secrets key, so only this cloud reads it), for the account it was given to;
// InvalidParameter for anything else.
Result<nlohmann::json> DecodeDiagnosticMessage(const Cloud& cloud, const std::string& account_id,
                                               const std::string& encoded);

Status Authorize(const Cloud& cloud, const Principal& principal, const std::string& version,
                 const std::string& action, const Params& params, const std::string& region);

}  // namespace openecs
