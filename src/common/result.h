#pragma once
// Result<T>: a value or an Error, shaped like std::expected (C++23). No exceptions cross
// module boundaries; functions that can fail return Result.
#include <string>
#include <utility>
#include <variant>

#include "common/errors.h"

namespace openecs {

// An error: one code from the closed ErrorCode set plus a message written for the user.
// An empty message means "use the code's default message" (see errors.h).
struct Error {
  ErrorCode code = ErrorCode::kInternalError;
  std::string message;
  // A RAM refusal's AccessDeniedDetail, as JSON text ("" for every other error): the API
  // answers it beside Code and Message (api/authorizer.h).
  std::string access_denied_detail = {};
};

inline Error MakeError(ErrorCode code, std::string message = {}) {
  return Error{code, std::move(message)};
}

// What a DryRun=true request that would have succeeded answers (ECS: DryRunOperation).
inline Error DryRunOk() { return MakeError(ErrorCode::kDryRunOperation); }

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}      // NOLINT: implicit by design
  Result(Error error) : v_(std::move(error)) {}  // NOLINT
  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT
  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const { return error_; }

 private:
  Error error_;
  bool ok_ = true;
};

using Status = Result<void>;
inline Status Ok() { return Status(); }

}  // namespace openecs

// Propagates an error from an expression returning Result/Status.
#define OPENECS_RETURN_IF_ERROR(expr)  \
  do {                                 \
    auto _st = (expr);                 \
    if (!_st.ok()) return _st.error(); \
  } while (0)

#define OPENECS_CONCAT_INNER(a, b) a##b
#define OPENECS_CONCAT(a, b) OPENECS_CONCAT_INNER(a, b)
// Assigns the value of a Result to lhs, or returns its error.
#define OPENECS_ASSIGN_OR_RETURN(lhs, expr) \
  OPENECS_ASSIGN_OR_RETURN_IMPL(OPENECS_CONCAT(_res_, __LINE__), lhs, expr)
#define OPENECS_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                                  \
  if (!tmp.ok()) return tmp.error();                  \
  lhs = std::move(tmp).value()
