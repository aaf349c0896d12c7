#include "api/paging.h"

#include <algorithm>

namespace openecs {

Result<Page> Paginate(const Params& p, size_t total, const PageSpec& spec) {
  Page page;
  auto token = p.Get("NextToken");
  if (spec.token_style && (token || p.Has("MaxResults"))) {
    page.token_mode = true;
    OPENECS_ASSIGN_OR_RETURN(auto mr, p.Int("MaxResults", 0, 1 << 20));
    int64_t size =
        mr ? std::clamp(*mr, spec.max_results_min, spec.max_results_max) : spec.max_results_default;
    size_t start = 0;
    if (token) {
      char* end = nullptr;
      unsigned long long v = std::strtoull(token->c_str(), &end, 10);
      if (token->empty() || *end != '\0' || v > total)
        return MakeError(ErrorCode::kInvalidNextToken);
      start = static_cast<size_t>(v);
    }
    page.begin = start;
    page.end = std::min(total, start + static_cast<size_t>(size));
    page.page_size = size;
    if (page.end < total) page.next_token = std::to_string(page.end);
    return page;
  }
  OPENECS_ASSIGN_OR_RETURN(page.page_number, p.IntOr("PageNumber", 1, 1, 1 << 30));
  OPENECS_ASSIGN_OR_RETURN(page.page_size,
                           p.IntOr("PageSize", spec.page_size_default, 1, spec.page_size_max));
  size_t start = static_cast<size_t>((page.page_number - 1) * page.page_size);
  page.begin = std::min(start, total);
  page.end = std::min(total, page.begin + static_cast<size_t>(page.page_size));
  return page;
}

void Page::Render(nlohmann::json& reply, size_t total) const {
  reply["TotalCount"] = total;
  if (token_mode) {
    reply["NextToken"] = next_token;
    reply["MaxResults"] = page_size;
  } else {
    reply["PageNumber"] = page_number;
    reply["PageSize"] = page_size;
  }
}

}  // namespace openecs
