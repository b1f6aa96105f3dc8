#include "url.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <idn2.h>

/* The scheme, then exactly "//" and something other than another
 * slash: libcurl also takes one or three slashes, and reads the next
 * path segment as the host. */
static bool
has_authority(const char *url, const char *scheme)
{
	const char *sep = url + strlen(scheme);

	return strncmp(sep, "://", 3) == 0 && sep[3] != '\0' &&
	    sep[3] != '/' && sep[3] != '\\';
}

bool
url_is_ascii(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s >= 0x80)
			return false;
	return true;
}

/*
 * A non-ASCII host becomes its ASCII (punycode) form here, the way
 * libcurl would convert it (IDNA 2008 with TR46 non-transitional
 * processing, then transitional as a fallback), but from UTF-8 whatever
 * the locale: libcurl 7.88 reads the host in the locale's character set,
 * and input lines are UTF-8 even under LC_ALL=C.  Deciding it here also
 * makes a host that cannot be converted an invalid_url before any
 * attempt.
 */
static bool
url_idn_host(CURLU *u, const char *host, char *why, size_t whylen)
{
	char *ascii = NULL;
	int rc;

	rc = idn2_lookup_u8((const uint8_t *)host, (uint8_t **)&ascii,
	    IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL);
	if (rc != IDN2_OK)
		rc = idn2_lookup_u8((const uint8_t *)host, (uint8_t **)&ascii,
		    IDN2_TRANSITIONAL);
	if (rc != IDN2_OK) {
		snprintf(why, whylen, "host name is not a valid "
		    "international domain name: %s", idn2_strerror(rc));
		return false;
	}
	if (curl_url_set(u, CURLUPART_HOST, ascii, 0) != CURLUE_OK) {
		snprintf(why, whylen, "host name is not a valid "
		    "international domain name");
		idn2_free(ascii);
		return false;
	}
	idn2_free(ascii);
	return true;
}

CURLU *
url_parse(const char *url, char *why, size_t whylen)
{
	CURLU *u = curl_url();
	CURLUcode rc;
	char *scheme = NULL, *host = NULL;
	const char *known = NULL;
	bool ok = false;

	if (u == NULL) {
		snprintf(why, whylen, "out of memory");
		return NULL;
	}
	rc = curl_url_set(u, CURLUPART_URL, url, 0);
	if (rc != CURLUE_OK) {
		snprintf(why, whylen, "not a URL: %s", curl_url_strerror(rc));
		goto out;
	}
	/* Nearly every line starts with its scheme as written, which is
	 * then the scheme libcurl parsed: no copy of it is asked for. */
	if (strncasecmp(url, "http:", 5) == 0)
		known = "http";
	else if (strncasecmp(url, "https:", 6) == 0)
		known = "https";
	else if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    (strcasecmp(scheme, "http") != 0 && strcasecmp(scheme, "https") != 0)) {
		snprintf(why, whylen, "scheme '%s' is not http or https",
		    scheme ? scheme : "");
		goto out;
	}
	/* libcurl reads "http:///path" as host "path"; a URL with no
	 * authority has no host, whatever a lenient parser makes of it. */
	if (curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
	    host[0] == '\0' ||
	    !has_authority(url, known != NULL ? known : scheme)) {
		snprintf(why, whylen, "URL has no host");
		goto out;
	}
	if (!url_is_ascii(host) && !url_idn_host(u, host, why, whylen))
		goto out;
	ok = true;
out:
	curl_free(scheme);
	curl_free(host);
	if (!ok) {
		curl_url_cleanup(u);
		u = NULL;
	}
	return u;
}

bool
url_check(const char *url, char *why, size_t whylen)
{
	CURLU *u = url_parse(url, why, whylen);

	curl_url_cleanup(u);
	return u != NULL;
}

static void
lower(char *s)
{
	for (; *s != '\0'; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s - 'A' + 'a');
}

bool
url_origin(CURLU *u, char *out, size_t len)
{
	char *scheme = NULL, *host = NULL, *port = NULL;
	bool ok = false;
	int n;

	if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) ==
	    CURLUE_OK) {
		n = snprintf(out, len, "%s://%s:%s", scheme, host, port);
		ok = n >= 0 && (size_t)n < len;
		if (ok)
			lower(out);
	}
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	return ok;
}

bool
url_request_path(CURLU *u, char *out, size_t len)
{
	char *path = NULL, *query = NULL;
	bool ok = false;
	int n;

	if (curl_url_get(u, CURLUPART_PATH, &path, 0) == CURLUE_OK) {
		curl_url_get(u, CURLUPART_QUERY, &query, 0);
		n = snprintf(out, len, "%s%s%s", path[0] ? path : "/",
		    query ? "?" : "", query ? query : "");
		ok = n >= 0 && (size_t)n < len;
	}
	curl_free(path);
	curl_free(query);
	return ok;
}

CURLU *
url_robots(CURLU *u)
{
	CURLU *r = curl_url_dup(u);

	if (r == NULL)
		return NULL;
	if (curl_url_set(r, CURLUPART_PATH, "/robots.txt", 0) != CURLUE_OK ||
	    curl_url_set(r, CURLUPART_QUERY, NULL, 0) != CURLUE_OK ||
	    curl_url_set(r, CURLUPART_FRAGMENT, NULL, 0) != CURLUE_OK ||
	    curl_url_set(r, CURLUPART_USER, NULL, 0) != CURLUE_OK ||
	    curl_url_set(r, CURLUPART_PASSWORD, NULL, 0) != CURLUE_OK) {
		curl_url_cleanup(r);
		return NULL;
	}
	return r;
}
