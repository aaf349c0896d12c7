#pragma once
// The two paging styles of the ECS API over an ordered list of items:
// PageNumber/PageSize (1-based) and NextToken/MaxResults (opaque token = index of the next
// item). Both may be offered by one action; NextToken/MaxResults wins when either is given.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "api/params.h"

namespace openecs {

struct PageSpec {
  int64_t page_size_default = 10, page_size_max = 100;
  bool token_style = true;  // the action accepts NextToken/MaxResults
  int64_t max_results_default = 10, max_results_min = 10, max_results_max = 100;
};

struct Page {
  size_t begin = 0, end = 0;  // [begin, end) into the list
  bool token_mode = false;
  int64_t page_number = 1, page_size = 10;
  std::string next_token;  // "" when there is no next page
  // Adds PageNumber/PageSize/TotalCount (and NextToken in token mode) to a reply.
  void Render(nlohmann::json& reply, size_t total) const;
};

Result<Page> Paginate(const Params& p, size_t total, const PageSpec& spec);

}  // namespace openecs
