#include "url.h"

#include <stdio.h>
#include <strings.h>

#include <curl/curl.h>

bool
url_check(const char *url, char *why, size_t whylen)
{
	CURLU *u = curl_url();
	CURLUcode rc;
	char *scheme = NULL, *host = NULL;
	bool ok = false;

	if (u == NULL) {
		snprintf(why, whylen, "out of memory");
		return false;
	}
	rc = curl_url_set(u, CURLUPART_URL, url, 0);
	if (rc != CURLUE_OK) {
		snprintf(why, whylen, "not a URL: %s", curl_url_strerror(rc));
		goto out;
	}
	if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    (strcasecmp(scheme, "http") != 0 && strcasecmp(scheme, "https") != 0)) {
		snprintf(why, whylen, "scheme '%s' is not http or https",
		    scheme ? scheme : "");
		goto out;
	}
	if (curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
	    host[0] == '\0') {
		snprintf(why, whylen, "URL has no host");
		goto out;
	}
	ok = true;
out:
	curl_free(scheme);
	curl_free(host);
	curl_url_cleanup(u);
	return ok;
}
