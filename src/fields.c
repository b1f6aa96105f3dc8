#include "config.h"
#include "fields.h"

#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fieldset.h"
#include "xmalloc.h"

#define FIELDS_MODULE_NAME "scrape-fields.so"

struct fields {
	void *dl;                          /* the module, dlopen'ed */
	const struct fields_module *m;
	struct fieldset *set;
};

static bool
fields_wanted(const struct options *o)
{
	return o->title || o->links || o->nselects > 0 || o->nxpaths > 0 ||
	    o->nregexes > 0 || o->hash || o->store != NULL;
}

/* Where the module is: SCRAPE_FIELDS_MODULE if set (tests, a relocated
 * install), beside a binary run from its build tree (src/.libs), else
 * where `make install` put it. */
static void *
fields_load(char *err, size_t errlen)
{
	const char *env = getenv("SCRAPE_FIELDS_MODULE");
	char exe[PATH_MAX], path[PATH_MAX + 64], *slash;
	ssize_t n;
	void *dl;

	if (env != NULL && env[0] != '\0')
		snprintf(path, sizeof path, "%s", env);
	else
		path[0] = '\0';
	if (path[0] == '\0' &&
	    (n = readlink("/proc/self/exe", exe, sizeof exe - 1)) > 0) {
		exe[n] = '\0';
		if ((slash = strrchr(exe, '/')) != NULL) {
			*slash = '\0';
			snprintf(path, sizeof path, "%s/.libs/%s", exe,
			    FIELDS_MODULE_NAME);
			if (access(path, R_OK) != 0)
				path[0] = '\0';
		}
	}
	if (path[0] == '\0')
		snprintf(path, sizeof path, "%s/%s", PKGLIBDIR,
		    FIELDS_MODULE_NAME);
	if ((dl = dlopen(path, RTLD_NOW | RTLD_LOCAL)) == NULL)
		snprintf(err, errlen, "cannot load the extraction module (make "
		    "install puts it in %s; SCRAPE_FIELDS_MODULE names another "
		    "one): %s", PKGLIBDIR, dlerror());
	return dl;
}

bool
fields_open(const struct options *opts, struct fields **out, char *err,
    size_t errlen)
{
	struct fields *f;
	void *dl;

	*out = NULL;
	if (!fields_wanted(opts))
		return true;
	if ((dl = fields_load(err, errlen)) == NULL)
		return false;
	f = xcalloc(1, sizeof *f);
	f->dl = dl;
	f->m = dlsym(dl, "scrape_fields_module");
	if (f->m == NULL || f->m->version != FIELDS_MODULE_VERSION) {
		snprintf(err, errlen, "the extraction module does not match "
		    "this scrape (reinstall it)");
		fields_free(f);
		return false;
	}
	if (!f->m->open(opts, &f->set, err, errlen)) {
		fields_free(f);
		return false;
	}
	*out = f;
	return true;
}

void
fields_free(struct fields *f)
{
	if (f == NULL)
		return;
	if (f->set != NULL)
		f->m->free(f->set);
	dlclose(f->dl);
	free(f);
}

bool
fields_want_body(const struct fields *f)
{
	return f != NULL && f->m->want_body(f->set);
}

bool
fields_want_hash(const struct fields *f)
{
	return f != NULL && f->m->want_hash(f->set);
}

bool
fields_make(struct fields *f, const struct fields_input *in,
    struct buf *out, char *err, size_t errlen)
{
	return f->m->make(f->set, in, out, err, errlen);
}
