#include "castore.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <openssl/opensslv.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include "task.h"

/* libcurl's default for CURLOPT_CA_CACHE_TIMEOUT. */
#define CASTORE_MAX_AGE 86400.0

/* The loops of --jobs set up handles and make connections on threads of
 * their own: the decision is made once, and the store is loaded and
 * replaced under the lock (an X509_STORE itself may be used by several
 * threads at once). */
static pthread_once_t decided = PTHREAD_ONCE_INIT;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static enum { SHARED, DEFAULTS } mode = DEFAULTS;
static const char *cafile;         /* libcurl's built-in locations */
static const char *capath;
static X509_STORE *store;
static double loaded_at;
static char error[CURL_ERROR_SIZE];
static bool failed;

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
castore_load(void)
{
	X509_STORE *s = X509_STORE_new();

	if (s == NULL) {
		snprintf(error, sizeof error, "out of memory");
		return NULL;
	}
	if (cafile != NULL && !X509_STORE_load_file(s, cafile)) {
		snprintf(error, sizeof error,
		    "error setting certificate file: %s", cafile);
		X509_STORE_free(s);
		return NULL;
	}
	if (capath != NULL && !X509_STORE_load_path(s, capath)) {
		snprintf(error, sizeof error,
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
	double t = task_clock();
	CURLcode rc = CURLE_OK;

	(void)easy;
	(void)arg;
	pthread_mutex_lock(&lock);
	if (store == NULL || t - loaded_at >= CASTORE_MAX_AGE) {
		X509_STORE *s = castore_load();

		if (s == NULL) {
			/* As libcurl would, every connection tries again. */
			failed = true;
			pthread_mutex_unlock(&lock);
			return CURLE_SSL_CACERT_BADFILE;
		}
		failed = false;
		/* Connections made with the old store keep their reference. */
		X509_STORE_free(store);
		store = s;
		loaded_at = t;
	}
	if (X509_STORE_up_ref(store))
		SSL_CTX_set_cert_store(sslctx, store);
	else
		rc = CURLE_OUT_OF_MEMORY;
	pthread_mutex_unlock(&lock);
	return rc;
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
	    castore_ctx_cb) == CURLE_OK) {
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

/* Copied under the lock: another loop may be loading the store again. */
bool
castore_error(char *out, size_t len)
{
	bool f;

	pthread_mutex_lock(&lock);
	f = failed;
	if (f)
		snprintf(out, len, "%s", error);
	pthread_mutex_unlock(&lock);
	return f;
}

void
castore_free(void)
{
	X509_STORE_free(store);
	store = NULL;
}
