#include "fieldset.h"

#include <stdlib.h>
#include <string.h>

#include "css.h"
#include "extract.h"
#include "json.h"
#include "regex.h"
#include "store.h"
#include "xmalloc.h"

struct fieldset {
	struct extractor *extractor;   /* --title --links --select --xpath */
	struct regex_set *regex;       /* --regex, NULL: none */
	struct store *store;           /* --store, NULL: none */
	bool hash;                     /* --hash */
	struct buf text;               /* the body as UTF-8, for --regex */
};

/* --select NAME=SELECTOR, the selector translated to XPath once. */
static bool
fieldset_add_select(struct fieldset *f, const char *spec, char *err,
    size_t errlen)
{
	const char *eq = strchr(spec, '=');
	char *name, *xpath, *attr = NULL, why[256];
	bool ok;

	name = xmemdup0(spec, (size_t)(eq - spec));
	xpath = css_to_xpath(eq + 1, &attr, why, sizeof why);
	if (xpath == NULL) {
		snprintf(err, errlen, "--select: '%s': %s", spec, why);
		free(name);
		return false;
	}
	ok = extractor_add(f->extractor, EXTRACT_SELECT, name, xpath, attr,
	    why, sizeof why);
	if (!ok)
		snprintf(err, errlen, "--select: '%s': %s", spec, why);
	free(name);
	free(xpath);
	free(attr);
	return ok;
}

static bool
fieldset_add_xpath(struct fieldset *f, const char *spec, char *err,
    size_t errlen)
{
	const char *eq = strchr(spec, '=');
	char *name = xmemdup0(spec, (size_t)(eq - spec)), why[256];
	bool ok = extractor_add(f->extractor, EXTRACT_XPATH, name, eq + 1,
	    NULL, why, sizeof why);

	if (!ok)
		snprintf(err, errlen, "--xpath: '%s': %s", spec, why);
	free(name);
	return ok;
}

static bool
fieldset_compile(struct fieldset *f, const struct options *o, char *err,
    size_t errlen)
{
	char why[1024];

	if (o->title || o->links || o->nselects > 0 || o->nxpaths > 0)
		f->extractor = extractor_new(o->title, o->links);
	for (size_t i = 0; i < o->nselects; i++)
		if (!fieldset_add_select(f, o->selects[i], err, errlen))
			return false;
	for (size_t i = 0; i < o->nxpaths; i++)
		if (!fieldset_add_xpath(f, o->xpaths[i], err, errlen))
			return false;
	if (o->nregexes > 0)
		f->regex = regex_set_new();
	for (size_t i = 0; i < o->nregexes; i++) {
		if (!regex_set_add(f->regex, o->regexes[i], why, sizeof why)) {
			snprintf(err, errlen, "--regex: %s", why);
			return false;
		}
	}
	if (o->store != NULL &&
	    (f->store = store_open(o->store, why, sizeof why)) == NULL) {
		snprintf(err, errlen, "--store: %s", why);
		return false;
	}
	f->hash = o->hash;
	return true;
}

bool
fieldset_open(const struct options *o, struct fieldset **out, char *err,
    size_t errlen)
{
	struct fieldset *f;

	*out = NULL;
	if (!o->title && !o->links && o->nselects == 0 && o->nxpaths == 0 &&
	    o->nregexes == 0 && !o->hash && o->store == NULL)
		return true;
	f = xcalloc(1, sizeof *f);
	if (!fieldset_compile(f, o, err, errlen)) {
		fieldset_free(f);
		return false;
	}
	*out = f;
	return true;
}

void
fieldset_free(struct fieldset *f)
{
	if (f == NULL)
		return;
	extractor_free(f->extractor);
	regex_set_free(f->regex);
	store_close(f->store);
	buf_free(&f->text);
	free(f);
}

bool
fieldset_want_body(const struct fieldset *f)
{
	return f != NULL && (f->extractor != NULL || f->regex != NULL ||
	    f->store != NULL);
}

bool
fieldset_want_hash(const struct fieldset *f)
{
	return f != NULL && (f->hash || f->store != NULL);
}

/* A body "arrived" when the response was whole and had one: an empty or
 * cut-off body makes every body field null. */
bool
fieldset_make(struct fieldset *f, const struct fields_input *in,
    struct buf *out, char *err, size_t errlen)
{
	bool body = in->complete && in->bytes > 0;
	char rel[STORE_PATH_MAX], why[512];

	if (f->extractor != NULL)
		extractor_run(f->extractor, body ? in->body : NULL,
		    body ? in->len : 0, in->content_type, in->final_url, out);
	if (f->regex != NULL) {
		buf_puts(out, ",");
		if (body) {
			buf_reset(&f->text);
			extract_text(in->body, in->len, in->content_type,
			    &f->text);
			regex_set_run(f->regex, f->text.data, f->text.len, out);
		} else {
			buf_puts(out, "\"regex\":null");
		}
	}
	if (f->hash) {
		buf_puts(out, ",\"sha256\":");
		if (body && in->sha256 != NULL)
			json_string(out, in->sha256, strlen(in->sha256));
		else
			buf_puts(out, "null");
	}
	if (f->store != NULL) {
		buf_puts(out, ",\"stored\":");
		if (!body || in->sha256 == NULL) {
			buf_puts(out, "null");
			return true;
		}
		if (!store_put(f->store, in->body, in->len, in->sha256, rel,
		    why, sizeof why)) {
			snprintf(err, errlen, "--store: %s", why);
			return false;
		}
		json_string(out, rel, strlen(rel));
	}
	return true;
}

const struct fields_module scrape_fields_module = {
	FIELDS_MODULE_VERSION,
	fieldset_open,
	fieldset_free,
	fieldset_want_body,
	fieldset_want_hash,
	fieldset_make,
};
