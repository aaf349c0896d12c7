#pragma once
// The closed set of errors OpenECS reports, and the one table that maps each to the wire:
// the ECS error Code string, the HTTP status, and a default message for the user.
// Add a code by adding one OPENECS_ERROR line; errors_test walks every enumerator.
#include <string_view>

namespace openecs {

// X(enumerator, "Wire.Code", http_status, "default message")
#define OPENECS_ERRORS(X)                                                                          \
  X(kInternalError, "InternalError", 500,                                                          \
    "The request processing has failed due to some unknown error, exception or failure.")          \
  X(kServiceUnavailable, "ServiceUnavailable", 503,                                                \
    "The request has failed due to a temporary failure of the server.")                            \
  X(kOperationConflict, "OperationConflict", 409,                                                  \
    "Request was denied due to conflict with a previous request.")                                 \
  /* The agent protocol only: the server does not know this agent's host (it registers again). */  \
  X(kUnknownHost, "OpenECS.UnknownHost", 409, "The server does not know this host.")               \
  X(kMissingParameter, "MissingParameter", 400,                                                    \
    "A parameter that is mandatory for processing this request is not supplied.")                  \
  X(kInvalidParameter, "InvalidParameter", 400, "The specified parameter is not valid.")           \
  X(kInvalidAction, "InvalidAction.NotFound", 404,                                                 \
    "Specified api is not found, please check your url and method.")                               \
  X(kUnsupportedHttpMethod, "UnsupportedHTTPMethod", 403, "This HTTP method is not supported.")    \
  X(kIncompleteSignature, "IncompleteSignature", 400,                                              \
    "The request signature does not conform to Aliyun standards.")                                 \
  X(kSignatureDoesNotMatch, "SignatureDoesNotMatch", 400,                                          \
    "Specified signature is not matched with our calculation.")                                    \
  X(kSignatureNonceUsed, "SignatureNonceUsed", 400, "The request signature nonce has been used.")  \
  X(kInvalidTimeStampExpired, "InvalidTimeStamp.Expired", 400,                                     \
    "Specified time stamp or date value is expired.")                                              \
  X(kIllegalTimestamp, "IllegalTimestamp", 400,                                                    \
    "The input parameter \"Timestamp\" that is mandatory for processing this request is not "      \
    "supplied or is malformed.")                                                                   \
  X(kInvalidAccessKeyIdNotFound, "InvalidAccessKeyId.NotFound", 404,                               \
    "Specified access key is not found.")                                                          \
  X(kDryRunOperation, "DryRunOperation", 400,                                                      \
    "Request validation has been passed with DryRun flag set.")                                    \
  X(kIdempotentParameterMismatch, "IdempotentParameterMismatch", 400,                              \
    "The request uses the same client token as a previous, but non-identical request.")            \
  X(kInvalidClientToken, "InvalidClientToken.ValueNotSupported", 400,                              \
    "The ClientToken provided is invalid.")                                                        \
  X(kLastTokenProcessing, "LastTokenProcessing", 403, "The last token request is processing.")     \
  X(kForbidden, "Forbidden", 403, "User not authorized to operate on the specified resource.")     \
  X(kInvalidRegionIdNotFound, "InvalidRegionId.NotFound", 404,                                     \
    "The specified RegionId does not exist.")                                                      \
  X(kInvalidZoneIdNotFound, "InvalidZoneId.NotFound", 404, "The specified zone does not exist.")   \
  X(kInvalidInstanceIdNotFound, "InvalidInstanceId.NotFound", 404,                                 \
    "The specified InstanceId does not exist.")                                                    \
  X(kInvalidInstanceIdMalformed, "InvalidInstanceId.Malformed", 400,                               \
    "The specified parameter InstanceId is not valid.")                                            \
  X(kInvalidImageIdNotFound, "InvalidImageId.NotFound", 404,                                       \
    "The specified ImageId does not exist.")                                                       \
  X(kInvalidDiskIdNotFound, "InvalidDiskId.NotFound", 404, "The specified disk does not exist.")   \
  X(kInvalidVpcIdNotFound, "InvalidVpcId.NotFound", 404, "The specified VpcId does not exist.")    \
  X(kInvalidRouteTableIdNotFound, "InvalidRouteTableId.NotFound", 404,                             \
    "The specified route table does not exist.")                                                   \
  X(kInvalidResourceGroupNotFound, "InvalidResourceGroup.NotFound", 404,                           \
    "The ResourceGroup provided does not exist in our records.")                                   \
  X(kResourceGroupNotExists, "EntityNotExists.ResourceGroup", 404,                                 \
    "The resource group does not exist.")                                                          \
  X(kResourceGroupAlreadyExists, "EntityAlreadyExists.ResourceGroup", 409,                         \
    "A resource group of that name already exists.")                                               \
  X(kInvalidAccessKeyIdInactive, "InvalidAccessKeyId.Inactive", 400,                               \
    "Specified access key is disabled.")                                                           \
  X(kInvalidSecurityTokenMissing, "InvalidSecurityToken.Missing", 400,                             \
    "The SecurityToken of the STS AccessKeyId is missing.")                                        \
  X(kInvalidSecurityTokenMalformed, "InvalidSecurityToken.Malformed", 400,                         \
    "Specified SecurityToken is malformed.")                                                       \
  X(kInvalidSecurityTokenMismatch, "InvalidSecurityToken.MismatchWithAccessKey", 400,              \
    "Specified SecurityToken mismatch with the AccessKey.")                                        \
  X(kInvalidSecurityTokenExpired, "InvalidSecurityToken.Expired", 400,                             \
    "Specified SecurityToken is expired.")                                                         \
  X(kForbiddenRam, "Forbidden.RAM", 403,                                                           \
    "User not authorized to operate on the specified resource, or this API doesn't support RAM.")  \
  X(kNoPermission, "NoPermission", 403,                                                            \
    "You are not authorized to do this action. You should be authorized by RAM.")                  \
  X(kInvalidRamRoleNotFound, "InvalidRamRole.NotFound", 404,                                       \
    "The specified RAMRoleName does not exist.")                                                   \
  X(kInvalidRamRoleNotEcsRole, "InvalidRamRole.NotEcsRole", 404,                                   \
    "The specified ram role is not authorized for ecs, please check your role policy.")            \
  X(kPassRoleForbidden, "InvalidUser.PassRoleForbidden", 403,                                      \
    "The RAM user does not have the privilege to pass a RAM role.")                                \
  X(kInvalidInstanceIdsMalformed, "InvalidInstanceIds.Malformed", 400,                             \
    "The specified instanceIds are not valid.")                                                    \
  X(kAccountAlreadyExists, "EntityAlreadyExists.Account", 409,                                     \
    "An account of that name already exists.")                                                     \
  X(kInvalidResourceGroupParameter, "InvalidParameter.ResourceGroup", 400,                         \
    "The resource group request is not valid.")                                                    \
  X(kInvalidRouteEntryNotFound, "InvalidRouteEntry.NotFound", 404,                                 \
    "The specified route entry does not exist.")                                                   \
  X(kRouterEntryConflictDuplicated, "RouterEntryConflict.Duplicated", 400,                         \
    "A route entry with the same destination CIDR block already exists in the route table.")       \
  X(kRouteEntryQuotaExceeded, "QuotaExceeded.RouteEntryNum", 400,                                  \
    "The route table already has the most custom route entries it may have (200).")                \
  X(kInvalidVSwitchIdNotFound, "InvalidVSwitchId.NotFound", 404,                                   \
    "The specified VSwitchId does not exist.")                                                     \
  X(kInvalidSecurityGroupIdNotFound, "InvalidSecurityGroupId.NotFound", 404,                       \
    "The specified SecurityGroupId does not exist.")                                               \
  X(kInvalidKeyPairNameNotFound, "InvalidKeyPairName.NotFound", 404,                               \
    "The specified KeyPairName does not exist.")                                                   \
  X(kKeyPairAttached, "InvalidParameter.KeypairAlreadyAttachedInstance", 400,                      \
    "The key pair is bound to an instance; detach it or release the instance first.")              \
  X(kInvalidResourceIdNotFound, "InvalidResourceId.NotFound", 404,                                 \
    "The specified ResourceIds are not found in our records.")                                     \
  X(kInvalidResourceTypeNotFound, "InvalidResourceType.NotFound", 404,                             \
    "The ResourceType provided does not exist in our records.")                                    \
  X(kIncorrectInstanceStatus, "IncorrectInstanceStatus", 403,                                      \
    "The current status of the resource does not support this operation.")                         \
  X(kIncorrectVpcStatus, "IncorrectVpcStatus", 400,                                                \
    "The current status of the VPC does not support this operation.")                              \
  X(kDeletionProtection, "InvalidOperation.DeletionProtection", 403,                               \
    "The instance has deletion protection enabled; disable it before releasing the instance.")     \
  X(kInstanceLockedForSecurity, "InstanceLockedForSecurity", 403,                                  \
    "The specified operation is denied as your instance is locked for security reasons.")          \
  X(kInstanceExpiredOrInArrears, "InstanceExpiredOrInArrears", 403,                                \
    "The specified operation is denied as your prepay instance is expired (prepay mode) or in "    \
    "arrears (afterpay mode).")                                                                    \
  X(kInstanceExpired, "InstanceExpired", 403, "The prePaid instance has been expired.")            \
  X(kExpiredInstance, "ExpiredInstance", 400, "The specified instance has expired.")               \
  X(kNotEnoughBalance, "InvalidAccountStatus.NotEnoughBalance", 403,                               \
    "Your account does not have enough balance.")                                                  \
  X(kAccountArrearage, "Account.Arrearage", 400, "Your account has an outstanding payment.")       \
  X(kInvalidResourceTypeValue, "InvalidResourceType.ValueNotSupported", 400,                       \
    "The specified parameter ResourceType is not valid.")                                          \
  X(kInvalidPriceUnit, "InvalidPriceUnit.ValueNotSupported", 400,                                  \
    "The specified parameter PriceUnit is not valid.")                                             \
  X(kInvalidPeriodUnit, "InvalidPeriodUnit.ValueNotSupported", 400,                                \
    "The specified parameter PeriodUnit is not valid.")                                            \
  X(kInvalidInstanceTypeMissing, "InvalidInstanceType.Missing", 404,                               \
    "The specified parameter InstanceType is not supplied.")                                       \
  X(kInvalidDiskCategoryMissing, "InvalidDiskCategory.Missing", 404,                               \
    "The specified parameter DataDisk.1.Category is not supplied.")                                \
  X(kInvalidAutoRenewPeriod, "InvalidAutoRenewPeriod.ValueNotSupported", 400,                      \
    "The specified AutoRenewPeriod is not valid.")                                                 \
  X(kInvalidRenewalStatus, "InvalidParameter.RenewalStatus", 403,                                  \
    "The specified RenewalStatus is not valid.")                                                   \
  X(kInvalidRenewDuration, "InvalidParameter.Duration", 403,                                       \
    "The specified Duration is not valid.")                                                        \
  X(kInvalidSpotDuration, "InvalidSpotDuration", 400, "The specified SpotDuration is not valid.")  \
  X(kInvalidSpotInterruptionBehavior, "InvalidSpotInterruptionBehavior", 400,                      \
    "The specified SpotInterruptionBehavior is not valid.")                                        \
  X(kNotSupportUpgrade, "InvalidInstanceType.NotSupportUpgrade", 403,                              \
    "The specified instance type is not an upgrade; a downgrade applies at renewal.")              \
  X(kInvalidInstanceChargeTypeValue, "InvalidInstanceChargeType.ValueNotSupported", 400,           \
    "The specified InstanceChargeType is not valid; it is PrePaid or PostPaid.")                   \
  X(kInvalidInstanceIdsParam, "InvalidParameter.InstanceIds", 400,                                 \
    "The specified InstanceIds is not valid.")                                                     \
  X(kInstancesIdQuotaExceed, "InstancesIdQuotaExceed", 400,                                        \
    "At most 20 instances can be changed at a time.")                                              \
  X(kInvalidStatusValue, "InvalidStatus.ValueNotSupported", 400,                                   \
    "The instance status does not support this operation.")                                        \
  X(kInvalidSpotLocalDisk, "InvalidSpotInterruptionBehavior.LocalDiskNotSupport", 403,             \
    "A spot instance with local disks cannot be stopped when reclaimed; it is released.")          \
  X(kInvalidInstanceIdRenew, "InvalidParameter.InvalidInstanceId", 403,                            \
    "The specified InstanceId does not exist.")                                                    \
  X(kReleaseTimeHaveBeenSet, "ReleaseTimeHaveBeenSet", 400,                                        \
    "The instance has an automatic release time; cancel it before changing to subscription.")      \
  X(kChargeTypeViolation, "ChargeTypeViolation", 403,                                              \
    "The operation is not permitted due to charge type of the instance.")                          \
  X(kNoPublicIp, "QuotaExceeded.PublicIpAddress", 403,                                             \
    "No public IP address is left in the region's pool.")                                          \
  X(kPublicIpAllocated, "InvalidOperation.PublicIpAlreadyAllocated", 403,                          \
    "The instance already has a public IP address.")                                               \
  X(kInvalidAllocationIdNotFound, "InvalidAllocationId.NotFound", 404,                             \
    "The specified EIP (AllocationId) does not exist.")                                            \
  X(kIncorrectEipStatus, "IncorrectEipStatus", 400,                                                \
    "The EIP's status does not allow this operation.")                                             \
  X(kInstanceHasPublicIp, "InvalidInstance.HasPublicIp", 400,                                      \
    "The instance already has a public IP address or an EIP.")                                     \
  X(kAlreadyInSecurityGroup, "InvalidInstanceId.AlreadyExists", 403,                               \
    "The specified instance already exists in the specified security group.")                      \
  X(kSecurityGroupLimit, "InstanceSecurityGroupLimitExceeded", 400,                                \
    "An instance can be in at most five security groups.")                                         \
  X(kInstanceSecurityGroupMismatch, "InvalidInstanceId.Mismatch", 400,                             \
    "Specified instance and security group are not in the same VPC.")                              \
  X(kNotInSecurityGroup, "InvalidSecurityGroupAssociation.NotFound", 404,                          \
    "The instance is not in the specified security group.")                                        \
  X(kLastSecurityGroup, "InvalidOperation.LastSecurityGroup", 403,                                 \
    "An instance must stay in at least one security group.")                                       \
  X(kNoStock, "OperationDenied.NoStock", 403,                                                      \
    "The requested resource is sold out in the specified zone; try other types of resources or "   \
    "other regions and zones.")                                                                    \
  X(kDependencyViolation, "DependencyViolation", 403,                                              \
    "The resource is still in use by other resources.")                                            \
  X(kInvalidInstanceType, "InvalidInstanceType.ValueNotSupported", 400,                            \
    "The specified InstanceType does not exist or beyond the permitted range.")                    \
  X(kInvalidCidrBlockMalformed, "InvalidCidrBlock.Malformed", 400,                                 \
    "The specified CidrBlock is not valid.")                                                       \
  X(kInvalidCidrBlockOverlapped, "InvalidCidrBlock.Overlapped", 400,                               \
    "The specified CidrBlock overlaps with another vSwitch in the VPC.")                           \
  X(kInvalidPrivateIpAddress, "InvalidPrivateIpAddress", 400,                                      \
    "The specified private IP address is not in the CIDR block of the vSwitch.")                   \
  X(kInvalidPrivateIpAddressMalformed, "InvalidPrivateIpAddress.Malformed", 400,                   \
    "The specified private IP address is malformed.")                                              \
  X(kInvalidPrivateIpAddressDuplicated, "InvalidPrivateIpAddress.Duplicated", 400,                 \
    "The specified private IP address is already in use.")                                         \
  X(kInsufficientIp, "QuotaExceeded.PrivateIpAddress", 400,                                        \
    "The vSwitch has no free private IP address left.")                                            \
  X(kInvalidPassword, "InvalidPassword.Malformed", 400,                                            \
    "The password must be 8 to 30 characters long and contain three of: upper case, lower "        \
    "case, digits, special characters.")                                                           \
  X(kInvalidVncPassword, "InvalidVncPassword.Malformed", 400,                                      \
    "The VNC password must be 6 characters: letters and digits.")                                  \
  X(kInvalidEniIdNotFound, "InvalidEniId.NotFound", 404,                                           \
    "The specified network interface does not exist.")                                             \
  X(kInvalidEcsIdNotFound, "InvalidEcsId.NotFound", 404, "The specified instance does not exist.") \
  X(kInvalidEcsState, "InvalidOperation.InvalidEcsState", 400,                                     \
    "The instance must be Running or Stopped, with no operation in progress.")                     \
  X(kInvalidEniState, "InvalidOperation.InvalidEniState", 400,                                     \
    "The network interface is not in a state that allows this operation.")                         \
  X(kInvalidEniType, "InvalidOperation.InvalidEniType", 403,                                       \
    "This operation is not allowed on a primary network interface.")                               \
  X(kDetachPrimaryEniNotAllowed, "InvalidOperation.DetachPrimaryEniNotAllowed", 400,               \
    "The primary network interface of an instance cannot be detached.")                            \
  X(kEniPerInstanceLimitExceeded, "EniPerInstanceLimitExceeded", 403,                              \
    "The instance type allows no more network interfaces.")                                        \
  X(kEniAvailabilityZoneMismatch, "InvalidOperation.AvailabilityZoneMismatch", 403,                \
    "The network interface and the instance are in different zones.")                              \
  X(kEniVpcMismatch, "InvalidOperation.VpcMismatch", 403,                                          \
    "The network interface and the instance (or security group) are in different VPCs.")           \
  X(kMaxEniPrivateIpsCountExceeded, "MaxEniPrivateIpsCountExceeded", 403,                          \
    "The network interface cannot have more private IP addresses.")                                \
  X(kVSwitchIpNotEnough, "InvalidVSwitchId.IpNotEnough", 403,                                      \
    "The vSwitch has no free private IP address left.")                                            \
  X(kVSwitchIpInvalid, "InvalidVSwitchId.IpInvalid", 403,                                          \
    "The private IP address is not an assignable address of the vSwitch.")                         \
  X(kIpUnassigned, "InvalidIp.IpUnassigned", 403,                                                  \
    "The private IP address is not a secondary address of this network interface.")                \
  X(kOperationDenied, "OperationDenied", 403, "The operation is not allowed in this state.")       \
  X(kInvalidVSwitchIdMismatch, "InvalidVSwitchId.Mismatch", 400,                                   \
    "The vSwitch is not in the instance's VPC (give VpcId to move it) or zone.")                   \
  X(kVSwitchNotInVpc, "InvalidVSwitch.NotBelongToVpc", 404,                                        \
    "The vSwitch does not belong to the specified VPC.")                                           \
  X(kInvalidHttpEndpoint, "InvalidHttpEndpoint.NotSupported", 400,                                 \
    "The specified HttpEndpoint not supported, you can use enabled(default) or disabled.")         \
  X(kInvalidHttpTokens, "InvalidHttpTokens.NotSupported", 400,                                     \
    "The specified HttpTokens not supported, you can use optional(default) or required.")          \
  X(kInvalidHttpPutResponseHopLimit, "InvalidHttpPutResponseHopLimit.NotSupported", 400,           \
    "The specified HttpPutResponseHopLimit not supported, more than 1 and less than 64 is "        \
    "reasonable.")                                                                                 \
  X(kInvalidUserDataBase64, "InvalidUserData.Base64FormatInvalid", 400,                            \
    "The specified UserData is not valid Base64.")                                                 \
  X(kInvalidUserDataSize, "InvalidUserData.SizeExceeded", 400,                                     \
    "The specified UserData exceeds 32 KB before encoding.")                                       \
  X(kInvalidHostName, "InvalidHostName.Malformed", 400, "The specified HostName is not valid.")    \
  X(kInvalidInstanceName, "InvalidInstanceName.Malformed", 400,                                    \
    "The specified InstanceName is not valid.")                                                    \
  X(kInvalidSystemDiskCategory, "InvalidSystemDiskCategory.ValueNotSupported", 400,                \
    "The specified system disk category is not supported.")                                        \
  X(kInvalidDataDiskCategory, "InvalidDataDiskCategory.ValueNotSupported", 400,                    \
    "The specified data disk category is not supported.")                                          \
  X(kInvalidSystemDiskSize, "InvalidSystemDiskSize.ValueNotSupported", 400,                        \
    "The specified system disk size is not supported.")                                            \
  X(kInvalidDataDiskSize, "InvalidDataDiskSize.ValueNotSupported", 400,                            \
    "The specified data disk size is not supported.")                                              \
  X(kIncorrectDiskStatus, "IncorrectDiskStatus", 403,                                              \
    "The current disk status does not support this operation.")                                    \
  X(kDiskTypeViolation, "DiskTypeViolation", 403,                                                  \
    "The specified disk is a system disk and cannot support the operation.")                       \
  X(kResourcesNotInSameZone, "ResourcesNotInSameZone", 403,                                        \
    "The specified instance and disk are not in the same zone.")                                   \
  X(kInstanceDiskLimitExceeded, "InstanceDiskLimitExceeded", 403,                                  \
    "The amount of the disk on instance in question reach its limits.")                            \
  X(kDiskAlreadyDetached, "InvalidDisk.AlreadyDetached", 404,                                      \
    "The specified disk has been detached.")                                                       \
  X(kInvalidDiskName, "InvalidDiskName.Malformed", 400,                                            \
    "The specified disk name is wrongly formed.")                                                  \
  X(kInvalidDiskDescription, "InvalidDescription.Malformed", 404,                                  \
    "The specified description is wrongly formed.")                                                \
  X(kInvalidDescription, "InvalidDescription.Malformed", 400,                                      \
    "The specified parameter \"Description\" is not valid.")                                       \
  X(kNoAttributeToModify, "NoAttributeToModify", 400,                                              \
    "No attribute to be modified in this request.")                                                \
  X(kInvalidParamType, "InvalidParam.Type", 400, "The specified type is not supported.")           \
  X(kDiskSizeTooSmall, "InvalidDiskSize.TooSmall", 403,                                            \
    "Specified new disk size is less than the original disk size.")                                \
  X(kDiskSizeTooLarge, "InvalidDiskSize.TooLarge", 403,                                            \
    "Specified new disk size is beyond the permitted range.")                                      \
  X(kInstanceNotRunning, "InvalidInstanceStatus.NotRunning", 403,                                  \
    "The status of instance to which the disk attachs must be running when resizing online.")      \
  X(kInvalidPerformanceLevel, "InvalidPerformanceLevel.Malformed", 400,                            \
    "The specified PerformanceLevel is not valid.")                                                \
  X(kPerformanceLevelNotMatch, "OperationDenied.PerformanceLevelNotMatch", 403,                    \
    "The specified PerformanceLevel and disk size do not match.")                                  \
  X(kInvalidDiskCategory, "InvalidDiskCategory.ValueNotSupported", 400,                            \
    "The specified parameter \"DiskCategory\" is not valid.")                                      \
  X(kInvalidOperationType, "Invalid.OperationType", 400,                                           \
    "The specified OperationType is not valid.")                                                   \
  X(kInvalidDestinationResource, "Invalid.DestinationResource", 404,                               \
    "The specified DestinationResource is not valid.")                                             \
  X(kTypeAndCpuMemConflict, "InvalidParam.TypeAndCpuMem.Conflict", 403,                            \
    "The specified 'InstanceType' and 'Cores','Memory' are not blank at the same time.")           \
  X(kInvalidSnapshotName, "InvalidSnapshotName.Malformed", 400,                                    \
    "The specified SnapshotName is wrongly formed.")                                               \
  X(kDiskNeverAttached, "IncorrectDiskStatus.NeverAttached", 403,                                  \
    "The specified disk has never been attached to any instance.")                                 \
  X(kDiskCreatingSnapshot, "IncorrectDiskStatus.CreatingSnapshot", 403,                            \
    "A previous snapshot creation is in process.")                                                 \
  X(kDiskBusyWithSnapshot, "DiskCreatingSnapshot", 403,                                            \
    "The operation is denied due to a snapshot of the specified disk is not completed yet.")       \
  X(kInvalidSnapshotIdNotFound, "InvalidSnapshotId.NotFound", 404,                                 \
    "The specified snapshot does not exist.")                                                      \
  X(kInvalidParameterConflict, "InvalidParameter.Conflict", 400,                                   \
    "The specified parameters conflict.")                                                          \
  X(kSnapshotNotReady, "InvalidSnapshotId.NotReady", 403,                                          \
    "The specified snapshot has not completed yet.")                                               \
  X(kSnapshotNotOfDisk, "InvalidParameter.Mismatch", 403,                                          \
    "The specified snapshot is not created from the specified disk.")                              \
  X(kSnapshotCreatedDisk, "SnapshotCreatedDisk", 403,                                              \
    "The snapshot has been used to create disk(s).")                                               \
  X(kSourceSnapshotDeleted, "InvalidSourceSnapshot", 403,                                          \
    "The snapshot which is used to create the specified disk has been deleted.")                   \
  X(kInvalidTaskIdNotFound, "InvalidTaskId.NotFound", 400,                                         \
    "The specified \"TaskId\" is not found.")                                                      \
  X(kInvalidImageName, "InvalidImageName.Malformed", 400,                                          \
    "The specified Image name is wrongly formed.")                                                 \
  X(kImageNameDuplicated, "InvalidImageName.Duplicated", 400,                                      \
    "The specified Image name has already bean used.")                                             \
  X(kImageIsCreating, "ImageIsCreating", 403, "The specified image is being created.")             \
  X(kImageUsingByInstance, "ImageUsingByInstance", 403,                                            \
    "The specified image has been used to create instances.")                                      \
  X(kImageUseShared, "ImageUseShared", 403, "The specified image has been shared to others.")      \
  X(kIncorrectImageStatus, "IncorrectImageStatus", 400, "The image is not available.")             \
  X(kSnapshotCreatedImage, "SnapshotCreatedImage", 403,                                            \
    "The snapshot has been used to create user defined image(s).")                                 \
  X(kInvalidAccountNotFound, "InvalidAccount.NotFound", 404,                                       \
    "The specified parameter \"AddAccount.n\" or \"RemoveAccount.n\" does not exist.")             \
  X(kInvalidOssObject, "InvalidOSSObject.Malformed", 400,                                          \
    "The specified OSS object is wrongly formed.")                                                 \
  X(kInvalidImageFormat, "InvalidImageFormat.Malformed", 400,                                      \
    "The specified image format is not supported.")                                                \
  X(kPolicyParameterInvalid, "ParameterInvalid", 403, "The specified parameter is invalid.")       \
  X(kInvalidAutoSnapshotPolicyIdNotFound, "ParameterInvalid", 404,                                 \
    "The specified automatic snapshot policy does not exist.")                                     \
  X(kDiskCategoryNotSupported, "DiskCategory.OperationNotSupported", 400,                          \
    "The operation is not supported to the specified disk due to its disk category.")              \
  X(kImageIsExporting, "ImageIsExporting", 403,                                                    \
    "The specified Image is exporting. Please cancel task first.")                                 \
  X(kInvalidOssBucket, "InvalidOSSBucket.Malformed", 400,                                          \
    "The specified OSS bucket is not valid.")                                                      \
  X(kImageCopying, "OperationDenied.ImageCopying", 403, "The Image is coping.")                    \
  X(kInvalidPeriod, "InvalidPeriod", 400, "The specified Period is not valid.")                    \
  X(kInvalidAmount, "InvalidParameter.Amount", 400,                                                \
    "Amount must be 1 to 100 and MinAmount must not exceed Amount.")                               \
  X(kInvalidSpotStrategy, "InvalidSpotStrategy", 400,                                              \
    "SpotStrategy must be NoSpot, SpotWithPriceLimit or SpotAsPriceGo.")                           \
  X(kDuplicateTagKey, "Duplicate.TagKey", 400, "The Tag.N.Key contains duplicate key.")            \
  X(kInvalidSpotPriceLimit, "InvalidSpotPriceLimit", 400,                                          \
    "The specified SpotPriceLimit is not valid.")                                                  \
  X(kInvalidKeyPairNameMalformed, "InvalidKeyPairName.Malformed", 400,                             \
    "The specified KeyPairName is not valid.")                                                     \
  X(kKeyPairAlreadyExist, "KeyPair.AlreadyExist", 400, "The key pair already exists.")             \
  X(kInvalidPublicKeyBody, "InvalidPublicKeyBody.Malformed", 400,                                  \
    "The specified PublicKeyBody is not a valid OpenSSH public key.")                              \
  X(kInvalidIpProtocol, "InvalidIpProtocol.ValueNotSupported", 400,                                \
    "The specified IpProtocol is not supported.")                                                  \
  X(kInvalidPortRange, "InvalidPortRange.Malformed", 400, "The specified PortRange is not valid.") \
  X(kInvalidSourceCidrIp, "InvalidSourceCidrIp.Malformed", 400,                                    \
    "The specified SourceCidrIp is not valid.")                                                    \
  X(kInvalidDestCidrIp, "InvalidDestCidrIp.Malformed", 400,                                        \
    "The specified DestCidrIp is not valid.")                                                      \
  X(kInvalidPolicy, "InvalidPolicy.Malformed", 400, "The specified Policy is not valid.")          \
  X(kInvalidPriority, "InvalidPriority.Malformed", 400,                                            \
    "Priority must be an integer from 1 to 100.")                                                  \
  X(kInvalidNicType, "InvalidNicType.ValueNotSupported", 400,                                      \
    "The specified NicType is not valid.")                                                         \
  X(kInvalidSourceGroupIdNotFound, "InvalidSourceGroupId.NotFound", 404,                           \
    "The specified source security group does not exist.")                                         \
  X(kSecurityGroupRuleNotFound, "SecurityGroupRule.NotFound", 404,                                 \
    "The target security group rule does not exist.")                                              \
  X(kInvalidSecurityGroupRuleIdNotFound, "InvalidSecurityGroupRuleId.NotFound", 404,               \
    "The specified security group rule does not exist.")                                           \
  X(kInvalidSecurityGroupVpcMismatch, "InvalidSecurityGroupId.VPCMismatch", 400,                   \
    "The security group and the vSwitch belong to different VPCs.")                                \
  X(kInvalidTagKey, "InvalidTagKey.Malformed", 400, "The specified tag key is not valid.")         \
  X(kInvalidTagValue, "InvalidTagValue.Malformed", 400, "The specified tag value is not valid.")   \
  X(kInvalidTagCount, "InvalidTagCount", 400, "A resource can have at most 20 tags.")              \
  X(kInvalidStatus, "InvalidStatus.NotFound", 404, "The specified Status is not valid.")           \
  X(kInvalidLaunchTemplateNotFound, "InvalidLaunchTemplate.NotFound", 404,                         \
    "The specified launch template does not exist.")                                               \
  X(kInvalidLaunchTemplateVersionNotFound, "InvalidLaunchTemplateVersion.NotFound", 404,           \
    "The specified version of the launch template does not exist.")                                \
  X(kInvalidLaunchTemplateName, "InvalidLaunchTemplateName.Malformed", 400,                        \
    "The specified parameter LaunchTemplateName is not valid.")                                    \
  X(kLaunchTemplateNameDuplicated, "LaunchTemplateName.Duplicated", 403,                           \
    "The specified LaunchTemplateName already exists.")                                            \
  X(kLaunchTemplateLimitExceed, "LaunchTemplateLimitExceed", 403,                                  \
    "The maximum number of launch templates (30 per region) is reached.")                          \
  X(kLaunchTemplateVersionLimitExceed, "LaunchTemplateVersionLimitExceed", 403,                    \
    "The maximum number of versions of a launch template (30) is reached.")                        \
  X(kDeleteDefaultVersion, "InvalidOperation.DeleteDefaultVersion", 403,                           \
    "Delete default version from template is not allowed.")                                        \
  X(kInvalidDeploymentSetIdNotFound, "InvalidDeploymentSetId.NotFound", 400,                       \
    "The specified DeploymentSetId does not exist.")                                               \
  X(kDeploymentSetNotFound, "DeploymentSet.NotFound", 404,                                         \
    "The specified deployment set does not exist.")                                                \
  X(kInvalidDeploymentSetName, "InvalidDeploymentSetName.Malformed", 400,                          \
    "Specified deployment set name is not valid.")                                                 \
  X(kInvalidDeploymentSetStrategy, "InvalidParameter.Strategy", 400,                               \
    "The specified parameter Strategy is not valid.")                                              \
  X(kInvalidDeploymentSetIdsTooMany, "InvalidDeploymentSetIds.TooManyInput", 403,                  \
    "The parameter DeploymentSetIds size should be at most 100.")                                  \
  X(kDeploymentSetQuotaFull, "DEPLOYMENTSET.QUOTA_FULL", 400, "The deploymentSet quota is full.")  \
  X(kDeploymentSetInstanceQuotaFull, "QuotaExceed.DeploymentSetInstanceQuotaFull", 403,            \
    "instance quota in one deployment set exceeded.")                                              \
  X(kQuotaExceedInstances, "QuotaExceed.AfterpayInstance", 400,                                    \
    "Living afterpay instances quota exceeded.")                                                   \
  X(kQuotaExceedVcpus, "QuotaExceed.ElasticQuota", 403,                                            \
    "The number of vCPUs assigned to the ECS instances has exceeded the quota in the zone.")       \
  X(kQuotaExceedDisks, "QuotaExceed.PostPaidDisk", 403, "Living postPaid disks quota exceeded.")   \
  X(kQuotaExceedSnapshots, "QuotaExceed.Snapshot", 403, "The snapshot quota exceeds.")             \
  X(kQuotaExceedImages, "QuotaExceed.Image", 403, "The Image Quota exceeds.")                      \
  X(kQuotaExceedSecurityGroups, "QuotaExceed.SecurityGroup", 403,                                  \
    "The maximum number of security groups is reached.")                                           \
  X(kQuotaExceededEips, "QuotaExceeded.Eip", 400, "Elastic IP address quota exceeded")             \
  X(kQuotaExceedDedicatedHosts, "QuotaExceed.DedicatedHost", 403,                                  \
    "The number of dedicated hosts exceeds the quota.")                                            \
  X(kDeploymentSetNotEmpty, "DependencyViolation.NotEmpty", 403,                                   \
    "There are still instance(s) in the specified DeploymentSetId.")                               \
  X(kInvalidDedicatedHostIdNotFound, "InvalidDedicatedHostId.NotFound", 404,                       \
    "The specified DedicatedHostId does not exist.")                                               \
  X(kInvalidDedicatedHostTypeNotFound, "InvalidDedicatedHostType.NotFound", 404,                   \
    "The specified DedicatedHostType does not exist.")                                             \
  X(kInvalidDedicatedHostName, "InvalidDedicatedHostName.Malformed", 400,                          \
    "The specified DedicatedHostName is not valid.")                                               \
  X(kDedicatedHostInstanceExist, "InstanceExist", 403, "Instance exists on the dedicated host.")   \
  X(kInvalidNextToken, "InvalidParameter.NextToken", 400, "The specified NextToken is not valid.") \
  X(kRamUserNameInvalidChars, "InvalidParameter.UserName.InvalidChars", 400,                       \
    "The parameter UserName contains invalid characters.")                                         \
  X(kRamUserNameLength, "InvalidParameter.UserName.Length", 400,                                   \
    "The parameter UserName must be 1 to 64 characters.")                                          \
  X(kRamNewUserNameInvalidChars, "InvalidParameter.NewUserName.InvalidChars", 400,                 \
    "The parameter NewUserName contains invalid characters.")                                      \
  X(kRamNewUserNameLength, "InvalidParameter.NewUserName.Length", 400,                             \
    "The parameter NewUserName must be 1 to 64 characters.")                                       \
  X(kRamDisplayNameInvalidChars, "InvalidParameter.DisplayName.InvalidChars", 400,                 \
    "The parameter DisplayName contains invalid characters.")                                      \
  X(kRamDisplayNameLength, "InvalidParameter.DisplayName.Length", 400,                             \
    "The parameter DisplayName must be 1 to 128 characters.")                                      \
  X(kRamNewDisplayNameInvalidChars, "InvalidParameter.NewDisplayName.InvalidChars", 400,           \
    "The parameter NewDisplayName contains invalid characters.")                                   \
  X(kRamNewDisplayNameLength, "InvalidParameter.NewDisplayName.Length", 400,                       \
    "The parameter NewDisplayName must be 1 to 128 characters.")                                   \
  X(kRamMobilePhoneFormat, "InvalidParameter.MobilePhone.Format", 400,                             \
    "The format of the parameter MobilePhone is incorrect.")                                       \
  X(kRamNewMobilePhoneFormat, "InvalidParameter.NewMobilePhone.Format", 400,                       \
    "The format of the parameter NewMobilePhone is incorrect.")                                    \
  X(kRamEmailFormat, "InvalidParameter.Email.Format", 400,                                         \
    "The format of the parameter Email is incorrect.")                                             \
  X(kRamNewEmailFormat, "InvalidParameter.NewEmail.Format", 400,                                   \
    "The format of the parameter NewEmail is incorrect.")                                          \
  X(kRamCommentsLength, "InvalidParameter.Comments.Length", 400,                                   \
    "The parameter Comments is longer than 128 characters.")                                       \
  X(kRamNewCommentsLength, "InvalidParameter.NewComments.Length", 400,                             \
    "The parameter NewComments is longer than 128 characters.")                                    \
  X(kRamPasswordTooWeak, "InvalidParameter.Password.TooWeak", 400,                                 \
    "The parameter Password is not compliant with the password policy.")                           \
  X(kRamGroupNameInvalidChars, "InvalidParameter.GroupName.InvalidChars", 400,                     \
    "The parameter GroupName contains invalid characters.")                                        \
  X(kRamGroupNameLength, "InvalidParameter.GroupName.Length", 400,                                 \
    "The parameter GroupName must be 1 to 64 characters.")                                         \
  X(kRamNewGroupNameInvalidChars, "InvalidParameter.NewGroupName.InvalidChars", 400,               \
    "The parameter NewGroupName contains invalid characters.")                                     \
  X(kRamNewGroupNameLength, "InvalidParameter.NewGroupName.Length", 400,                           \
    "The parameter NewGroupName must be 1 to 64 characters.")                                      \
  X(kRamRoleNameInvalidChars, "InvalidParameter.RoleName.InvalidChars", 400,                       \
    "The parameter RoleName contains invalid characters.")                                         \
  X(kRamRoleNameLength, "InvalidParameter.RoleName.Length", 400,                                   \
    "The parameter RoleName must be 1 to 64 characters.")                                          \
  X(kRamPolicyNameInvalidChars, "InvalidParameter.PolicyName.InvalidChars", 400,                   \
    "The parameter PolicyName contains invalid characters.")                                       \
  X(kRamPolicyNameLength, "InvalidParameter.PolicyName.Length", 400,                               \
    "The parameter PolicyName must be 1 to 128 characters.")                                       \
  X(kRamPolicyType, "InvalidParameter.PolicyType", 400,                                            \
    "The parameter PolicyType must be System or Custom.")                                          \
  X(kRamDescriptionLength, "InvalidParameter.Description.Length", 400,                             \
    "The parameter Description is longer than 1024 characters.")                                   \
  X(kRamVersionIdFormat, "InvalidParameter.VersionId.Format", 400,                                 \
    "The format of the parameter VersionId is incorrect.")                                         \
  X(kRamUserNotExist, "EntityNotExist.User", 404, "The user does not exist.")                      \
  X(kRamAccessKeyNotExist, "EntityNotExist.User.AccessKey", 404,                                   \
    "The user access key does not exist.")                                                         \
  X(kRamLoginProfileNotExist, "EntityNotExist.User.LoginProfile", 404,                             \
    "The user login profile does not exist.")                                                      \
  X(kRamUserGroupNotExist, "EntityNotExist.User.Group", 404, "The user has not joined the group.") \
  X(kRamUserPolicyNotExist, "EntityNotExist.User.Policy", 404,                                     \
    "The policy is not attached to the user.")                                                     \
  X(kRamGroupNotExist, "EntityNotExist.Group", 404, "The group does not exist.")                   \
  X(kRamGroupPolicyNotExist, "EntityNotExist.Group.Policy", 404,                                   \
    "The policy is not attached to the group.")                                                    \
  X(kEntityNotExistRole, "EntityNotExist.Role", 404, "The role does not exist.")                   \
  X(kRamRolePolicyNotExist, "EntityNotExist.Role.Policy", 404,                                     \
    "The policy is not attached to the role.")                                                     \
  X(kRamPolicyNotExist, "EntityNotExist.Policy", 404, "The policy does not exist.")                \
  X(kRamPolicyVersionNotExist, "EntityNotExist.Policy.Version", 404,                               \
    "The policy version does not exist.")                                                          \
  X(kRamUserAlreadyExists, "EntityAlreadyExists.User", 409, "The user already exists.")            \
  X(kRamLoginProfileAlreadyExists, "EntityAlreadyExists.User.LoginProfile", 409,                   \
    "The user login profile already exists.")                                                      \
  X(kRamUserGroupAlreadyExists, "EntityAlreadyExists.User.Group", 409,                             \
    "The user has already joined the group.")                                                      \
  X(kRamUserPolicyAlreadyExists, "EntityAlreadyExists.User.Policy", 409,                           \
    "The policy is already attached to the user.")                                                 \
  X(kRamGroupAlreadyExists, "EntityAlreadyExists.Group", 409, "The group already exists.")         \
  X(kRamGroupPolicyAlreadyExists, "EntityAlreadyExists.Group.Policy", 409,                         \
    "The policy is already attached to the group.")                                                \
  X(kRamRoleAlreadyExists, "EntityAlreadyExists.Role", 409, "The role already exists.")            \
  X(kRamRolePolicyAlreadyExists, "EntityAlreadyExists.Role.Policy", 409,                           \
    "The policy is already attached to the role.")                                                 \
  X(kRamPolicyAlreadyExists, "EntityAlreadyExists.Policy", 409, "The policy already exists.")      \
  X(kRamDeleteConflictUserAccessKey, "DeleteConflict.User.AccessKey", 409,                         \
    "The user cannot be deleted while it has AccessKeys.")                                         \
  X(kRamDeleteConflictUserGroup, "DeleteConflict.User.Group", 409,                                 \
    "The user cannot be deleted while it is in a group.")                                          \
  X(kRamDeleteConflictUserPolicy, "DeleteConflict.User.Policy", 409,                               \
    "The user cannot be deleted while policies are attached to it.")                               \
  X(kRamDeleteConflictUserLoginProfile, "DeleteConflict.User.LoginProfile", 409,                   \
    "The user cannot be deleted while it has a login profile.")                                    \
  X(kRamDeleteConflictGroupUser, "DeleteConflict.Group.User", 409,                                 \
    "The group cannot be deleted while it has members.")                                           \
  X(kRamDeleteConflictGroupPolicy, "DeleteConflict.Group.Policy", 409,                             \
    "The group cannot be deleted while policies are attached to it.")                              \
  X(kRamDeleteConflictRolePolicy, "DeleteConflict.Role.Policy", 409,                               \
    "The role cannot be deleted while policies are attached to it.")                               \
  X(kRamDeleteConflictPolicyUser, "DeleteConflict.Policy.User", 409,                               \
    "The policy cannot be deleted while it is attached to a user.")                                \
  X(kRamDeleteConflictPolicyGroup, "DeleteConflict.Policy.Group", 409,                             \
    "The policy cannot be deleted while it is attached to a group.")                               \
  X(kRamDeleteConflictPolicyVersion, "DeleteConflict.Policy.Version", 409,                         \
    "The policy cannot be deleted while it has versions other than the default.")                  \
  X(kRamDeleteConflictPolicyVersionDefault, "DeleteConflict.Policy.Version.Default", 409,          \
    "The default policy version cannot be deleted.")                                               \
  X(kRamLimitExceededAccessKey, "LimitExceeded.User.AccessKey", 409,                               \
    "A user can have at most 2 AccessKeys.")                                                       \
  X(kRamLimitExceededPolicyVersion, "LimitExceeded.Policy.Version", 409,                           \
    "A policy can have at most 5 versions.")                                                       \
  X(kMalformedPolicyDocument, "MalformedPolicyDocument", 400, "The policy document is malformed.") \
  X(kInvalidStartTimeMalformed, "InvalidStartTime.Malformed", 400,                                 \
    "The specified parameter \"StartTime\" is not valid.")                                         \
  X(kInvalidEndTimeMalformed, "InvalidEndTime.Malformed", 400,                                     \
    "The specified parameter \"EndTime\" is not valid.")                                           \
  X(kInvalidPeriodValue, "InvalidPeriod.ValueNotSupported", 400,                                   \
    "The specified parameter \"Period\" is not valid.")                                            \
  X(kInvalidStartTimeTooEarly, "InvalidStartTime.TooEarly", 400,                                   \
    "The specified parameter \"StartTime\" is too early.")                                         \
  X(kTooManyDataQueried, "InvalidParameter.TooManyDataQueried", 400, "Too many data queried.")     \
  X(kInvalidStartTimeAfterEnd, "InvalidStartTime.ValueNotSupported", 400,                          \
    "The specified parameter StartTime is later than EndTime.")                                    \
  X(kInvalidEndTimeBeforeStart, "InvalidParameter.EndTime", 400,                                   \
    "The specified parameter EndTime is earlier than StartTime.")                                  \
  X(kInvalidCmdTypeNotFound, "InvalidCmdType.NotFound", 403,                                       \
    "The specified command type does not exist.")                                                  \
  X(kCmdNameExceedLimit, "CmdName.ExceedLimit", 403,                                               \
    "The length of the command name exceeds the upper limit.")                                     \
  X(kCmdDescExceedLimit, "CmdDesc.ExceedLimit", 403,                                               \
    "The length of the command description exceeds the upper limit.")                              \
  X(kCmdContentExceedLimit, "CmdContent.ExceedLimit", 403,                                         \
    "The length of the command content exceeds the upper limit.")                                  \
  X(kInvalidCommandContent, "Invalid.CommandContent", 400,                                         \
    "The specified CommandContent is not valid or exceed max")                                     \
  X(kCmdParamInvalidName, "CmdParam.InvalidParamName", 403,                                        \
    "Invalid parameter name. The name can contain only letters, digits, hyphens (-) and "          \
    "underscores (_).")                                                                            \
  X(kInvalidCmdIdNotFound, "InvalidCmdId.NotFound", 404,                                           \
    "The specified command ID does not exist.")                                                    \
  X(kInvalidInstanceNotFound, "InvalidInstance.NotFound", 404,                                     \
    "The specified instance does not exist.")                                                      \
  X(kInvalidInstanceNotMatch, "InvalidInstance.NotMatch", 403,                                     \
    "The specified instance type does not match the command.")                                     \
  X(kInstanceIdsExceedLimit, "InstanceIds.ExceedLimit", 403,                                       \
    "The number of instance IDs exceeds the upper limit.")                                         \
  X(kParameterDisabled, "Parameter.Disabled", 404,                                                 \
    "Parameters cannot be passed in when the command customization function is disabled.")         \
  X(kParameterNotMatched, "Parameter.NotMatched", 403,                                             \
    "The passed-in parameters do not match the parameters defined when you created the command.")  \
  X(kParameterCountExceedLimit, "ParameterCount.ExceedLimit", 403,                                 \
    "The maximum number of parameters is exceeded.")                                               \
  X(kUsernameExceedLimit, "Username.ExceedLimit", 403,                                             \
    "The length of the username exceeds the upper limit.")                                         \
  X(kInvalidInvokeIdNotFound, "InvalidInvokeId.NotFound", 404,                                     \
    "The specified invoke ID does not exist.")                                                     \
  X(kFileSizeExceedLimit, "FileSize.ExceedLimit", 403,                                             \
    "The length of file content exceeds limit.")                                                   \
  X(kFileNameExceedLimit, "FileName.ExceedLimit", 403, "The length of file name exceeds limit.")   \
  X(kFileDescExceedLimit, "FileDesc.ExceedLimit", 403,                                             \
    "The length of file description exceeds limit.")                                               \
  X(kFileTargetDirInvalid, "FileTargetDir.Invalid", 403,                                           \
    "The target directory of file is invalid.")                                                    \
  X(kFileModeInvalid, "FileMode.Invalid", 403, "The mode of file is invalid.")                     \
  X(kFileContentDecodeError, "FileContent.DecodeError", 403,                                       \
    "The Content can not be base64 decoded.")                                                      \
  X(kInvalidSessionIdNotFound, "InvalidSessionId.NotFound", 404,                                   \
    "The specified session does not exist.")                                                       \
  X(kSessionLimitExceeded, "SessionLimitExceeded", 403,                                            \
    "The instance already has an open session; end it first (EndTerminalSession).")                \
  /* The web console's session (api/console_endpoint.h), OpenECS's own codes. */                   \
  X(kConsoleSessionExpired, "ConsoleSessionExpired", 401,                                          \
    "The console session has ended or expired; log in again.")                                     \
  X(kConsoleCsrfMissing, "ConsoleCsrfMissing", 403,                                                \
    "A console request must carry its session's X-OpenECS-CSRF header.")

enum class ErrorCode {
#define OPENECS_ENUM(name, code, status, msg) name,
  OPENECS_ERRORS(OPENECS_ENUM)
#undef OPENECS_ENUM
};

struct ErrorInfo {
  std::string_view code;  // ECS wire Code
  int http_status;
  std::string_view message;  // default message
};

// The wire description of an error code. Total over the enumeration.
const ErrorInfo& Describe(ErrorCode code);
// Every enumerator, for tests that walk the table.
const ErrorCode* AllErrorCodes(int* count);

}  // namespace openecs
