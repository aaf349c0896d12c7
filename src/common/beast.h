#pragma once
// Boost.Asio and Boost.Beast, included in the one order that compiles: Boost 1.74's
// asio/awaitable.hpp uses std::exchange without including <utility> (see FACTS.md).
// clang-format off
#include <utility>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
// clang-format on
