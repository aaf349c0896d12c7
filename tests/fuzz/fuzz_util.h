#pragma once
// Helpers shared by the libFuzzer targets in tests/fuzz (built with -DOPENECS_FUZZ=ON, run by
// tests/fuzz/run):
// - FUZZ_CHECK(cond, detail): an invariant. When it fails it prints what failed and aborts, so
//   libFuzzer saves the input as a crash (an assert would vanish under NDEBUG).
// - CheckXml(text, &texts): a small, strict checker of the XML the API renders (prolog, nested
//   elements, character data; no attributes, comments or CDATA, which it never writes). True if
//   `text` is well-formed XML 1.0 in UTF-8; `texts` gets the decoded character data of each
//   element without child elements (a leaf), in document order, for round-trip checks.
// - IsXmlChar(cp): the Char production of XML 1.0 (what a document may contain at all, escaped
//   or not).
// Everything here is test code: plain, slow where that is clearer, never used by src/.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "common/text.h"

#define FUZZ_CHECK(cond, detail)                                                             \
  do {                                                                                       \
    if (!(cond)) {                                                                           \
      std::fprintf(stderr, "fuzz invariant failed at %s:%d: %s\n  %s\n", __FILE__, __LINE__, \
                   #cond, std::string(detail).c_str());                                      \
      std::abort();                                                                          \
    }                                                                                        \
  } while (0)

namespace openecs::fuzz {

inline bool IsXmlChar(uint32_t cp) {
  return cp == 0x9 || cp == 0xA || cp == 0xD || (cp >= 0x20 && cp <= 0xD7FF) ||
         (cp >= 0xE000 && cp <= 0xFFFD) || (cp >= 0x10000 && cp <= 0x10FFFF);
}

// Decodes one UTF-8 sequence at s[*i] (which must be valid: check IsValidUtf8 first).
inline uint32_t NextCodePoint(std::string_view s, size_t* i) {
  unsigned char c = static_cast<unsigned char>(s[*i]);
  int n = c < 0x80 ? 0 : c < 0xE0 ? 1 : c < 0xF0 ? 2 : 3;
  uint32_t cp = n == 0 ? c : n == 1 ? (c & 0x1F) : n == 2 ? (c & 0x0F) : (c & 0x07);
  for (int k = 1; k <= n; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[*i + k]) & 0x3F);
  *i += n + 1;
  return cp;
}

// True if every code point of valid UTF-8 `s` may appear in an XML 1.0 document.
inline bool AllXmlChars(std::string_view s) {
  for (size_t i = 0; i < s.size();)
    if (!IsXmlChar(NextCodePoint(s, &i))) return false;
  return true;
}

namespace internal {

inline bool IsNameChar(char c, bool first) {
  if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' || c == ':') return true;
  if (first) return false;
  return (c >= '0' && c <= '9') || c == '-' || c == '.';
}

// Appends the UTF-8 form of `cp` to `out`.
inline void AppendUtf8(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// Decodes character data up to the next '<' into `out`: entities and character references
// resolved; false on a bare '&', an unknown entity or a reference to a non-Char.
inline bool CharData(std::string_view x, size_t* i, std::string* out) {
  while (*i < x.size() && x[*i] != '<') {
    if (x[*i] == '>' && *i >= 2 && x.substr(*i - 2, 2) == "]]") return false;  // "]]>"
    if (x[*i] != '&') {
      out->push_back(x[(*i)++]);
      continue;
    }
    size_t semi = x.find(';', *i);
    if (semi == std::string_view::npos) return false;
    std::string_view ref = x.substr(*i + 1, semi - *i - 1);
    *i = semi + 1;
    if (ref == "lt") {
      out->push_back('<');
    } else if (ref == "gt") {
      out->push_back('>');
    } else if (ref == "amp") {
      out->push_back('&');
    } else if (ref == "quot") {
      out->push_back('"');
    } else if (ref == "apos") {
      out->push_back('\'');
    } else if (ref.size() >= 2 && ref[0] == '#') {
      bool hex = ref[1] == 'x';
      std::string_view digits = ref.substr(hex ? 2 : 1);
      if (digits.empty() || digits.size() > 8) return false;
      uint32_t cp = 0;
      for (char c : digits) {
        int v = c >= '0' && c <= '9'          ? c - '0'
                : hex && c >= 'a' && c <= 'f' ? c - 'a' + 10
                : hex && c >= 'A' && c <= 'F' ? c - 'A' + 10
                                              : -1;
        if (v < 0) return false;
        cp = cp * (hex ? 16 : 10) + static_cast<uint32_t>(v);
      }
      if (!IsXmlChar(cp)) return false;
      AppendUtf8(cp, out);
    } else {
      return false;
    }
  }
  return true;
}

inline bool Name(std::string_view x, size_t* i, std::string* name) {
  size_t b = *i;
  while (*i < x.size() && IsNameChar(x[*i], *i == b)) ++*i;
  *name = std::string(x.substr(b, *i - b));
  return !name->empty();
}

}  // namespace internal

inline bool CheckXml(std::string_view x, std::vector<std::string>* texts) {
  if (!IsValidUtf8(x) || !AllXmlChars(x)) return false;
  static constexpr std::string_view kProlog = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>";
  if (x.substr(0, kProlog.size()) != kProlog) return false;
  size_t i = kProlog.size();
  struct Open {
    std::string name;
    std::string text;
    bool has_children = false;
  };
  std::vector<Open> open;
  bool root_done = false;
  while (i < x.size()) {
    if (x[i] != '<') {
      if (open.empty() || !internal::CharData(x, &i, &open.back().text)) return false;
      continue;
    }
    ++i;
    bool closing = i < x.size() && x[i] == '/';
    if (closing) ++i;
    std::string name;
    if (!internal::Name(x, &i, &name) || i >= x.size() || x[i] != '>') return false;
    ++i;
    if (closing) {
      if (open.empty() || open.back().name != name) return false;
      if (!open.back().has_children) texts->push_back(std::move(open.back().text));
      open.pop_back();
      if (open.empty()) root_done = true;
    } else {
      if (root_done) return false;  // one root element
      if (!open.empty()) open.back().has_children = true;
      open.push_back({std::move(name), "", false});
    }
  }
  return root_done && open.empty();
}

}  // namespace openecs::fuzz
