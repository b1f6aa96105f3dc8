#ifndef SCRAPE_CASTORE_H
#define SCRAPE_CASTORE_H

#include <stdbool.h>
#include <stddef.h>

#include <curl/curl.h>

/*
 * One certificate store for every verified TLS connection of a loop (of
 * the run, with one loop; each thread of --jobs keeps its own).
 *
 * libcurl makes a new SSL_CTX per connection and fills its store from
 * the CA bundle and CA directory it was built with.  Its cache of that
 * store (CURLOPT_CA_CACHE_TIMEOUT) applies only when no CA directory is
 * set, and Debian's libcurl sets one (/etc/ssl/certs), so every new
 * connection parses the whole bundle again: with OpenSSL 3.0 about 145
 * certificates at 1.3 M instructions each, some 30 ms of CPU per
 * handshake, thirty times the handshake itself.
 *
 * castore_setup tells libcurl to load no CA itself and hands each new
 * SSL_CTX one store, loaded once per thread (on its first verified
 * handshake) from the same built-in bundle and directory, with the flags
 * libcurl sets, and loaded again after 24 hours as libcurl's own cache
 * would be.  What
 * is trusted does not change.  Where that cannot be done safely (a TLS
 * library other than the OpenSSL scrape is linked with, or no built-in
 * CA locations) it leaves libcurl's defaults alone.
 */

/* Sets up easy for a verified transfer (not -k). */
void castore_setup(CURL *easy);

/* Why the last load failed, as libcurl would have said it, into out;
 * false when it did not.  A transfer that failed with
 * CURLE_SSL_CACERT_BADFILE failed for this reason. */
bool castore_error(char *out, size_t len);

/* Lets the store go (at exit, for leak checkers). */
void castore_free(void);

#endif
