#include "common/errors.h"

namespace openecs {
namespace {
#define OPENECS_INFO(name, code, status, msg) ErrorInfo{code, status, msg},
const ErrorInfo kInfos[] = {OPENECS_ERRORS(OPENECS_INFO)};
#undef OPENECS_INFO
#define OPENECS_LIST(name, code, status, msg) ErrorCode::name,
const ErrorCode kAll[] = {OPENECS_ERRORS(OPENECS_LIST)};
#undef OPENECS_LIST
}  // namespace

const ErrorInfo& Describe(ErrorCode code) { return kInfos[static_cast<int>(code)]; }

const ErrorCode* AllErrorCodes(int* count) {
  *count = static_cast<int>(sizeof(kAll) / sizeof(kAll[0]));
  return kAll;
}

}  // namespace openecs
