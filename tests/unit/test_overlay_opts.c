/* overlay/opts.c: mount data from layers, escaping and the one-page limit (pure). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "overlay/overlay.h"
#include "tests/unit/tap.h"

static void escaping(void)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
	    {"/plain/path", "/plain/path"},
	    {"/a,b", "/a\\,b"},
	    {"/a:b", "/a\\:b"},
	    {"/a\\b", "/a\\\\b"},
	    {"/x,:\\y", "/x\\,\\:\\\\y"},
	    {"/sp ace=eq", "/sp ace=eq"},
	    {"", ""},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cleanup_free char *got = vsl_ovl_escape(cases[i].in);
		is_str(got, cases[i].want, "escape \"%s\"", cases[i].in);
	}
}

static void building(void)
{
	char *two[] = {"/t/top", "/t/base", NULL};
	char *odd[] = {"/s,1/a:b", "/s\\2", NULL};
	char *one[] = {"/only", NULL};
	cleanup_free char *a = NULL, *b = NULL, *c = NULL, *d = NULL;
	struct vsl_err err;

	ok(vsl_ovl_opts_build(two, 2, "/u", "/w", NULL, &a, &err) == 0, "two layers build");
	is_str(a, "lowerdir=/t/top:/t/base,upperdir=/u,workdir=/w", "top layer first, ':' joined");
	ok(vsl_ovl_opts_build(odd, 2, "/u,x", "/w:y", "redirect_dir=off", &b, &err) == 0,
	   "odd paths build");
	is_str(b, "lowerdir=/s\\,1/a\\:b:/s\\\\2,upperdir=/u\\,x,workdir=/w\\:y,redirect_dir=off",
	       "every path escaped, extra options kept verbatim");
	ok(vsl_ovl_opts_build(one, 1, NULL, NULL, NULL, &c, &err) == 0, "read-only overlay");
	is_str(c, "lowerdir=/only", "no upper: lowerdir only");
	ok(vsl_ovl_opts_build(one, 0, "/u", "/w", NULL, &d, &err) == -EINVAL,
	   "no lower layer refused");
	ok(vsl_ovl_opts_build(one, 1, "/u", NULL, NULL, &d, &err) == -EINVAL,
	   "upper without work refused");
}

/* n layers of the given path length: does it fit in a page with its NUL? */
static int build_n(size_t n, size_t path_len, char **out, struct vsl_err *err)
{
	char **v = xzalloc((n + 1) * sizeof(char *));
	int r;

	for (size_t i = 0; i < n; i++) {
		v[i] = xmalloc(path_len + 1);
		memset(v[i], 'a', path_len);
		v[i][0] = '/';
		v[i][path_len] = '\0';
	}
	r = vsl_ovl_opts_build(v, n, "/u", "/w", NULL, out, err);
	vsl_strv_free(v);
	return r;
}

static void limits(void)
{
	/* "lowerdir=" (9) + n paths + (n-1) ':' + ",upperdir=/u,workdir=/w" (23) + NUL. */
	size_t fixed = 9 + 23, n = 64;
	size_t exact = (VSL_OVL_DATA_MAX - 1 - fixed - (n - 1)) / n;
	char *out = NULL;
	struct vsl_err err;
	size_t fill;

	ok(build_n(n, exact, &out, &err) == 0 && strlen(out) < VSL_OVL_DATA_MAX,
	   "64 layers of %zu bytes fit in a page", exact);
	free(out);
	out = NULL;
	ok(build_n(n, exact + 1, &out, &err) == -E2BIG && out == NULL,
	   "one byte more per layer is E2BIG");
	ok(strstr(err.msg, "64 layers") != NULL, "E2BIG message names the layer count: %s",
	   err.msg);
	/* Exactly 4095 bytes plus the NUL fits; 4096 does not. */
	fill = VSL_OVL_DATA_MAX - 1 - fixed;
	ok(build_n(1, fill, &out, &err) == 0 && strlen(out) == VSL_OVL_DATA_MAX - 1,
	   "4095 bytes of data fit");
	free(out);
	out = NULL;
	ok(build_n(1, fill + 1, &out, &err) == -E2BIG, "4096 bytes of data do not");
	ok(build_n(VSL_OVL_MAX_LAYERS + 1, 2, &out, &err) == -EINVAL, "more than %d layers refused",
	   VSL_OVL_MAX_LAYERS);
	ok(strstr(err.msg, "at most 500") != NULL, "layer-count message: %s", err.msg);
}

static void names(void)
{
	static const struct {
		const char *name;
		int ret;
		const char *msg;
	} cases[] = {
	    {"debian-12", 0, NULL},	  {"web_1.nginx", 0, NULL},
	    {"a/b", -EINVAL, "'/'"},	  {"..", -EINVAL, "'..'"},
	    {"a..b", -EINVAL, "'..'"},	  {".hidden", -EINVAL, "not first"},
	    {"", -EINVAL, "empty"},	  {"sp ace", -EINVAL, "letters"},
	    {"-x", -EINVAL, "not first"}, {"x,y", -EINVAL, "letters"},
	};
	struct vsl_err err;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int r = vsl_ovl_check_name("template", cases[i].name, &err);

		ok(r == cases[i].ret && (!cases[i].msg || strstr(err.msg, cases[i].msg)),
		   "name \"%s\" -> %d%s%s", cases[i].name, cases[i].ret, r ? ": " : "",
		   r ? err.msg : "");
	}
}

static void annotations(void)
{
	static const struct {
		const char *tpl, *limit, *keep;
		int ret;
		uint64_t want_limit;
		bool want_keep;
		const char *msg;
	} cases[] = {
	    {"debian", NULL, NULL, 0, 0, false, NULL},
	    {"debian", "10G", "true", 0, 10ULL << 30, true, NULL},
	    {"debian", "512M", "false", 0, 512ULL << 20, false, NULL},
	    {NULL, NULL, NULL, 0, 0, false, NULL},
	    {"a/b", NULL, NULL, -EINVAL, 0, false, "vessel.template"},
	    {"debian", "10Q", NULL, -EINVAL, 0, false, "bad size 10Q"},
	    {"debian", "1M", NULL, -EINVAL, 0, false, "below 16M"},
	    {NULL, "1G", NULL, -EINVAL, 0, false, "needs vessel.template"},
	    {"debian", NULL, "yes", -EINVAL, 0, false, "expected true or false"},
	};
	struct vsl_err err;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct vsl_ovl_req rq = {0};
		int r = vsl_ovl_parse_annotations(cases[i].tpl, cases[i].limit, cases[i].keep, &rq,
						  &err);

		ok(r == cases[i].ret && (r < 0 ? strstr(err.msg, cases[i].msg) != NULL
					       : rq.disk_limit == cases[i].want_limit &&
						     rq.keep_layer == cases[i].want_keep),
		   "annotations %s/%s/%s%s%s", cases[i].tpl ? cases[i].tpl : "-",
		   cases[i].limit ? cases[i].limit : "-", cases[i].keep ? cases[i].keep : "-",
		   r ? ": " : "", r ? err.msg : "");
	}
}

int main(void)
{
	annotations();
	escaping();
	building();
	limits();
	names();
	return tap_done();
}
