/* Strict UTF-8: no overlong forms, no surrogates, nothing above U+10FFFF. */
#ifndef SCRAPE_UTF8_H
#define SCRAPE_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Length of the valid sequence at p (1-4), its code point in *cp; 0 when
 * the bytes at p do not start a valid sequence within len. */
size_t utf8_decode(const unsigned char *p, size_t len, uint32_t *cp);
bool utf8_valid(const char *s, size_t len);

#endif
