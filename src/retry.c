#include "retry.h"

#include <math.h>
#include <string.h>

/* Failures that say the peer's certificate is wrong: asking again will
 * not change the answer, unlike a handshake that broke on the way. */
static bool
is_certificate_failure(CURLcode code)
{
	switch (code) {
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_INVALIDCERTSTATUS:
	case CURLE_SSL_CRL_BADFILE:
		return true;
	default:
		return false;
	}
}

static bool
is_retryable_status(long status)
{
	switch (status) {
	case 408: case 429: case 500: case 502: case 503: case 504:
		return true;
	default:
		return false;
	}
}

/*
 * libcurl says "receive error" both for a connection that broke and for a
 * chunked body whose framing is wrong; only its message tells them apart.
 * The second is the server's answer being malformed, which asking again
 * will not change.  libcurl 7.88 says "... in chunked-encoding", 8.x
 * names the fault ("chunk hex-length char not a hex digit: 0x7a",
 * "invalid chunk size: ..."): both say "chunk".
 */
static bool
is_bad_chunked(const char *message)
{
	return message != NULL && strstr(message, "chunk") != NULL;
}

static struct verdict
transport_verdict(CURLcode code, long status, const char *message)
{
	struct verdict v = { ERR_OTHER, true };

	switch (code) {
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
		v.kind = ERR_DNS;
		break;
	case CURLE_COULDNT_CONNECT:
		v.kind = ERR_CONNECT;
		break;
	case CURLE_OPERATION_TIMEDOUT:
		v.kind = ERR_TIMEOUT;
		break;
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_SSL_ENGINE_INITFAILED:
	case CURLE_SSL_SHUTDOWN_FAILED:
		v.kind = ERR_TLS;
		break;
	case CURLE_RECV_ERROR:
		if (is_bad_chunked(message)) {
			v.kind = ERR_PROTOCOL;
			v.retryable = false;
		} else {
			v.kind = ERR_RESET;
		}
		break;
	case CURLE_GOT_NOTHING:
	case CURLE_SEND_ERROR:
	case CURLE_PARTIAL_FILE:
	case CURLE_HTTP2_STREAM:
		v.kind = ERR_RESET;
		break;
	/* Protocol failures are retried only where the fault may lie with
	 * the connection rather than the answer: bytes that are no status
	 * line (a reused connection holding stale bytes, a proxy's hiccup)
	 * and HTTP/2 framing errors, which end the whole connection.  A body
	 * whose encoding does not decode or a header over libcurl's limit is
	 * what the server serves, every time. */
	case CURLE_WEIRD_SERVER_REPLY:
	case CURLE_HTTP2:
		v.kind = ERR_PROTOCOL;
		break;
	case CURLE_BAD_CONTENT_ENCODING:
		v.kind = ERR_PROTOCOL;
		v.retryable = false;
		break;
	/* Input URLs are checked to be http(s) before they are fetched, so
	 * after a 3xx an unsupported scheme is where the redirect pointed;
	 * without one it is libcurl refusing an HTTP/0.9 reply. */
	case CURLE_UNSUPPORTED_PROTOCOL:
		if (status >= 300 && status <= 399) {
			v.kind = ERR_REDIRECT;
			v.retryable = false;
		} else {
			v.kind = ERR_PROTOCOL;
		}
		break;
	/* libcurl 7.88 says "out of memory" for headers over its limit;
	 * with a status line already read, that is what happened. */
	case CURLE_OUT_OF_MEMORY:
		if (status > 0) {
			v.kind = ERR_PROTOCOL;
			v.retryable = false;
		}
		break;
#if LIBCURL_VERSION_NUM >= 0x080600
	/* libcurl 8.6 and later name it. */
	case CURLE_TOO_LARGE:
		v.kind = ERR_PROTOCOL;
		v.retryable = false;
		break;
#endif
	case CURLE_TOO_MANY_REDIRECTS:
		v.kind = ERR_REDIRECT;
		v.retryable = false;
		break;
	case CURLE_FILESIZE_EXCEEDED:
		v.kind = ERR_TOO_LARGE;
		v.retryable = false;
		break;
	/* Input URLs are parsed before they are fetched, so after a 3xx a
	 * URL libcurl cannot use is the redirect's target (a host that is
	 * not UTF-8 or not a valid international name). */
	case CURLE_URL_MALFORMAT:
		v.kind = status >= 300 && status <= 399 ? ERR_REDIRECT :
		    ERR_INVALID_URL;
		v.retryable = false;
		break;
	case CURLE_ABORTED_BY_CALLBACK:
		v.kind = ERR_CANCELLED;
		v.retryable = false;
		break;
	default:
		if (is_certificate_failure(code)) {
			v.kind = ERR_TLS;
			v.retryable = false;
		}
		break;
	}
	return v;
}

struct verdict
retry_classify(CURLcode code, long status, enum retry_stop stop,
    const char *message)
{
	struct verdict v = { ERR_NONE, false };

	if (stop == STOP_TOO_LARGE) {
		v.kind = ERR_TOO_LARGE;
		return v;
	}
	/* A refused address fails the connection; had another address of
	 * the host connected, the transfer would not have failed. */
	if (stop == STOP_BLOCKED && code != CURLE_OK) {
		v.kind = ERR_BLOCKED;
		return v;
	}
	if (code != CURLE_OK)
		return transport_verdict(code, status, message);
	if (status >= 200 && status <= 299)
		return v;
	v.kind = ERR_HTTP;
	v.retryable = is_retryable_status(status);
	return v;
}

double
retry_backoff(int k, double base, double cap, double retry_after,
    double jitter)
{
	double wait;

	if (k < 1)
		k = 1;
	if (jitter < 0)
		jitter = 0;
	if (jitter > 1)
		jitter = 1;
	/* 2^(k-1) overflows to inf well before k reaches 100 retries only
	 * for huge bases; the cap below brings it back. */
	wait = base * ldexp(1.0, k - 1) * (1.0 + jitter);
	if (retry_after >= 0 && retry_after > wait)
		wait = retry_after;
	if (!(wait <= cap))
		wait = cap;
	return wait;
}

bool
retry_after_parse(const char *value, time_t now, double *secs)
{
	const char *p = value;
	double v = 0;
	time_t when;

	while (*p == ' ' || *p == '\t')
		p++;
	if (*p >= '0' && *p <= '9') {
		/* RFC 9111 caps delta-seconds at 2^31: more means "a long
		 * time", and the cap on one wait applies anyway. */
		for (; *p >= '0' && *p <= '9'; p++)
			if (v < 2147483648.0)
				v = v * 10 + (*p - '0');
		if (v > 2147483648.0)
			v = 2147483648.0;
		while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
			p++;
		if (*p != '\0')
			return false;
		*secs = v;
		return true;
	}
	/* curl_getdate knows the three date forms of RFC 9110. */
	when = curl_getdate(p, NULL);
	if (when == -1)
		return false;
	*secs = when > now ? (double)(when - now) : 0;
	return true;
}
