/* The JSON text scrape writes: strings that are always valid JSON and
 * valid UTF-8 whatever bytes they were given. */
#ifndef SCRAPE_JSON_H
#define SCRAPE_JSON_H

#include <stddef.h>

#include "buf.h"

/* Append s as a quoted JSON string: '"', '\\' and control bytes escaped
 * (NUL included), bytes that are not UTF-8 replaced by U+FFFD. */
void json_string(struct buf *b, const char *s, size_t len);
/* Append the quoted standard base64 (RFC 4648, padded) of the bytes. */
void json_base64(struct buf *b, const void *data, size_t len);

#endif
