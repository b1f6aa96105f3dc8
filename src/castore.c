#include "castore.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/opensslv.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include "task.h"
#include "xmalloc.h"

/* libcurl's default for CURLOPT_CA_CACHE_TIMEOUT. */
#define CASTORE_MAX_AGE 86400.0

/* The loops of --jobs set up handles and make connections on threads of
 * their own: the decision is made once, and each thread keeps a store of
 * its own.  libcurl 7.88 to 8.2 fill the SSL_CTX's store after
 * castore_ctx_cb has put one there: they add the CA directory to it again
 * and set its flags again (X509_STORE_load_path, X509_STORE_set_flags),
 * under no lock of ours.  On a store the loops shared, that is threads
 * writing one X509_VERIFY_PARAM while others verify with it; a store of
 * the thread's own is only ever touched by that thread (and freed by the
 * main thread once the loops are over). */
static pthread_once_t decided = PTHREAD_ONCE_INIT;
static enum { SHARED, DEFAULTS } mode = DEFAULTS;
static const char *cafile;         /* libcurl's built-in locations */
static const char *capath;

/* One thread's store, its age, and why its last load failed. */
struct castore {
	X509_STORE *store;
	double loaded_at;
	char error[CURL_ERROR_SIZE];
	bool failed;
};

static pthread_key_t key;          /* the thread's struct castore */
static bool key_made;

static void
castore_thread_free(void *arg)
{
	struct castore *c = arg;

	/* Connections made with the store keep their reference. */
	X509_STORE_free(c->store);
	free(c);
}

static struct castore *
castore_mine(void)
{
	struct castore *c = pthread_getspecific(key);

	if (c == NULL) {
		c = xcalloc(1, sizeof *c);
		pthread_setspecific(key, c);
	}
	return c;
}

/* libcurl hands its SSL_CTX over as a void *, so it must be an SSL_CTX of
 * the very libssl scrape calls: libcurl's TLS library must be the OpenSSL
 * scrape is linked with, to the version. */
static bool
same_openssl(void)
{
#if OPENSSL_VERSION_NUMBER >= 0x30000000L
	const curl_version_info_data *v = curl_version_info(CURLVERSION_NOW);
	const char *ours = OpenSSL_version(OPENSSL_VERSION_STRING);

	return v->ssl_version != NULL && ours != NULL &&
	    strncmp(v->ssl_version, "OpenSSL/", 8) == 0 &&
	    strcmp(v->ssl_version + 8, ours) == 0;
#else
	return false;
#endif
}

/* The store libcurl would make for one connection (Curl_ssl_setup_x509_store
 * in lib/vtls/openssl.c, 7.88 to 8.14, with scrape's settings: verified
 * peer, no CRL file, partial chains allowed); NULL and error set if the
 * bundle does not load. */
static X509_STORE *
castore_load(char *error, size_t errlen)
{
	X509_STORE *s = X509_STORE_new();

	if (s == NULL) {
		snprintf(error, errlen, "out of memory");
		return NULL;
	}
	if (cafile != NULL && !X509_STORE_load_file(s, cafile)) {
		snprintf(error, errlen,
		    "error setting certificate file: %s", cafile);
		X509_STORE_free(s);
		return NULL;
	}
	if (capath != NULL && !X509_STORE_load_path(s, capath)) {
		snprintf(error, errlen,
		    "error setting certificate path: %s", capath);
		X509_STORE_free(s);
		return NULL;
	}
	X509_STORE_set_flags(s, X509_V_FLAG_TRUSTED_FIRST |
	    X509_V_FLAG_PARTIAL_CHAIN);
	return s;
}

/* CURLOPT_SSL_CTX_FUNCTION: called for every new connection's SSL_CTX,
 * before the handshake starts. */
static CURLcode
castore_ctx_cb(CURL *easy, void *sslctx, void *arg)
{
	struct castore *c = castore_mine();
	double t = task_clock();

	(void)easy;
	(void)arg;
	if (c->store == NULL || t - c->loaded_at >= CASTORE_MAX_AGE) {
		X509_STORE *s = castore_load(c->error, sizeof c->error);

		if (s == NULL) {
			/* As libcurl would, every connection tries again. */
			c->failed = true;
			return CURLE_SSL_CACERT_BADFILE;
		}
		c->failed = false;
		/* Connections made with the old store keep their reference. */
		X509_STORE_free(c->store);
		c->store = s;
		c->loaded_at = t;
	}
	if (!X509_STORE_up_ref(c->store))
		return CURLE_OUT_OF_MEMORY;
	SSL_CTX_set_cert_store(sslctx, c->store);
	return CURLE_OK;
}

static void
castore_decide(void)
{
	CURL *probe;
	char *file = NULL, *path = NULL;

	if (!same_openssl() || (probe = curl_easy_init()) == NULL)
		return;
	/* The built-in locations, whatever is set on the handle. */
	if (curl_easy_getinfo(probe, CURLINFO_CAINFO, &file) != CURLE_OK)
		file = NULL;
	if (curl_easy_getinfo(probe, CURLINFO_CAPATH, &path) != CURLE_OK)
		path = NULL;
	/* Without a CA directory libcurl caches the store itself; without
	 * a bundle there is nothing costly to share. */
	if (file != NULL && path != NULL &&
	    curl_easy_setopt(probe, CURLOPT_SSL_CTX_FUNCTION,
	    castore_ctx_cb) == CURLE_OK &&
	    pthread_key_create(&key, castore_thread_free) == 0) {
		key_made = true;
		cafile = file;      /* string constants inside libcurl */
		capath = path;
		mode = SHARED;
	}
	curl_easy_cleanup(probe);
}

void
castore_setup(CURL *easy)
{
	pthread_once(&decided, castore_decide);
	if (mode != SHARED)
		return;
	/* libcurl loads no bundle of its own, the costly part; the CA
	 * directory stays set, so that no build of libcurl falls back to
	 * OpenSSL's default locations (CURL_CA_FALLBACK) and the store
	 * stays one libcurl would have made: it only adds the directory
	 * again, which the store already holds. */
	curl_easy_setopt(easy, CURLOPT_SSL_CTX_FUNCTION, castore_ctx_cb);
	curl_easy_setopt(easy, CURLOPT_CAINFO, NULL);
}

/* The transfer that failed was this thread's: so was the load. */
bool
castore_error(char *out, size_t len)
{
	struct castore *c;

	if (!key_made || (c = pthread_getspecific(key)) == NULL || !c->failed)
		return false;
	snprintf(out, len, "%s", c->error);
	return true;
}

/* The calling thread's store; the loops' went as their threads ended. */
void
castore_free(void)
{
	struct castore *c;

	if (!key_made || (c = pthread_getspecific(key)) == NULL)
		return;
	pthread_setspecific(key, NULL);
	castore_thread_free(c);
}
