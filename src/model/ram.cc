// JSON persistence of the RAM records. Field names are stable storage keys: renaming one needs
// a migration. Missing keys take the struct's defaults (older documents load).
#include "model/ram.h"

#include "model/json_macros.h"

namespace openecs {

OPENECS_JSON(RamAttachment, policy_type, policy_name, attach_date)
OPENECS_JSON(RamMembership, group_name, join_date)
OPENECS_JSON(RamLoginProfile, present, password_salt, password_hash, iterations,
             password_reset_required, mfa_bind_required, create_date)
OPENECS_JSON(RamUser, id, version, account_id, name, user_id, display_name, mobile_phone, email,
             comments, create_date, update_date, last_login_date, groups, policies, login_profile)
OPENECS_JSON(RamGroup, id, version, account_id, name, group_id, comments, create_date, update_date,
             policies)
OPENECS_JSON(RamPolicyVersion, version_id, document, create_date)
OPENECS_JSON(RamPolicy, id, version, account_id, name, description, default_version,
             next_version_number, versions, tags, create_date, update_date)
OPENECS_JSON(RamRole, id, version, account_id, name, role_id, description,
             assume_role_policy_document, max_session_duration, tags, create_date, update_date,
             policies)
OPENECS_JSON(AccessKey, id, version, account_id, user_name, secret, status, create_date)

}  // namespace openecs
