/*
** utf8.c -- strict UTF-8 validation (RFC 3629: no overlongs, no
** surrogates, nothing above U+10FFFF), with a fast path for ASCII. NUL
** bytes are refused too: no register field may hold one.
*/
#include <string.h>

#include "isms_internal.h"

size_t isms__utf8_check(const unsigned char *s, size_t n) {
  size_t i = 0;
  while (i < n) {
    /* Skip ASCII eight bytes at a time: most register text is ASCII. A
    ** word stops the skip if it has a high bit or a zero byte. */
    while (i + 8 <= n) {
      uint64_t w;
      memcpy(&w, s + i, 8);
      uint64_t zero = (w - 0x0101010101010101ull) & ~w & 0x8080808080808080ull;
      if ((w & 0x8080808080808080ull) | zero) break;
      i += 8;
    }
    if (i >= n) break;
    unsigned char c = s[i];
    if (c == 0) return i + 1;  /* NUL is valid UTF-8 but never register text */
    if (c < 0x80) { i++; continue; }
    size_t len;
    unsigned lo = 0x80, hi = 0xBF; /* allowed range of the second byte */
    if (c >= 0xC2 && c <= 0xDF) len = 2;
    else if (c == 0xE0) { len = 3; lo = 0xA0; }
    else if (c >= 0xE1 && c <= 0xEC) len = 3;
    else if (c == 0xED) { len = 3; hi = 0x9F; }
    else if (c >= 0xEE && c <= 0xEF) len = 3;
    else if (c == 0xF0) { len = 4; lo = 0x90; }
    else if (c >= 0xF1 && c <= 0xF3) len = 4;
    else if (c == 0xF4) { len = 4; hi = 0x8F; }
    else return i + 1;
    if (i + len > n) return i + 1;
    if (s[i + 1] < lo || s[i + 1] > hi) return i + 1;
    for (size_t k = 2; k < len; k++)
      if ((s[i + k] & 0xC0) != 0x80) return i + 1;
    i += len;
  }
  return 0;
}
