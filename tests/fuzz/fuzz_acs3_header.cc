// Fuzz target: ParseAcs3Authorization (api/auth.h), the hand-written parser of the ACS3
// Authorization header that every unauthenticated request reaches (it replaced a regex that a
// 200 KB header overflowed). The input is the header value.
//
// Invariants: no crash, no exception; a parse yields an "ACS3-[A-Z0-9-]+" algorithm, non-empty
// fields without ',' and a lower-case hex signature; printing the fields back in the canonical
// form ("<alg> Credential=..,SignedHeaders=..,Signature=..") parses to the same fields.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "api/auth.h"
#include "tests/fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using openecs::Acs3Authorization;
  std::string_view header(reinterpret_cast<const char*>(data), size);
  std::optional<Acs3Authorization> a = openecs::ParseAcs3Authorization(header);
  if (!a) return 0;
  FUZZ_CHECK(a->algorithm.size() > 5 && a->algorithm.compare(0, 5, "ACS3-") == 0, a->algorithm);
  for (char c : a->algorithm.substr(5))
    FUZZ_CHECK((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-', a->algorithm);
  for (const std::string* f : {&a->credential, &a->signed_headers, &a->signature})
    FUZZ_CHECK(!f->empty() && f->find(',') == std::string::npos, *f);
  for (char c : a->signature)
    FUZZ_CHECK((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'), a->signature);

  std::string canonical = a->algorithm + " Credential=" + a->credential +
                          ",SignedHeaders=" + a->signed_headers + ",Signature=" + a->signature;
  std::optional<Acs3Authorization> b = openecs::ParseAcs3Authorization(canonical);
  FUZZ_CHECK(b && b->algorithm == a->algorithm && b->credential == a->credential &&
                 b->signed_headers == a->signed_headers && b->signature == a->signature,
             canonical);
  return 0;
}
