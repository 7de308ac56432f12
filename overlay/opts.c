/* Overlay mount data: layers -> "lowerdir=...,upperdir=...,workdir=...". Pure: no syscalls.
 * The kernel splits the data on ',' and lowerdir on ':', taking a backslash as an escape
 * for the next character, so '\', ',' and ':' in paths each get one. */
#include <errno.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "overlay/overlay.h"

char *vsl_ovl_escape(const char *s)
{
	char *out = xmalloc(strlen(s) * 2 + 1), *o = out;

	for (; *s; s++) {
		if (*s == '\\' || *s == ',' || *s == ':')
			*o++ = '\\';
		*o++ = *s;
	}
	*o = '\0';
	return out;
}

/* Append the escaped s to buf (capacity cap, length *len); false if it would not fit. */
static bool append(char *buf, size_t cap, size_t *len, const char *s, bool escape)
{
	for (; *s; s++) {
		bool esc = escape && (*s == '\\' || *s == ',' || *s == ':');

		if (*len + (esc ? 2 : 1) >= cap)
			return false;
		if (esc)
			buf[(*len)++] = '\\';
		buf[(*len)++] = *s;
	}
	buf[*len] = '\0';
	return true;
}

int vsl_ovl_opts_build(char *const *lowers, size_t n_lowers, const char *upper, const char *work,
		       const char *extra, char **out, struct vsl_err *err)
{
	cleanup_free char *buf = xmalloc(VSL_OVL_DATA_MAX);
	size_t len = 0;
	bool fits;

	buf[0] = '\0';
	if (n_lowers == 0)
		return vsl_fail(err, EINVAL, "overlay: no lower layer");
	if (n_lowers > VSL_OVL_MAX_LAYERS)
		return vsl_fail(err, EINVAL, "overlay: %zu layers, the kernel stacks at most %d",
				n_lowers, VSL_OVL_MAX_LAYERS);
	if ((upper == NULL) != (work == NULL))
		return vsl_fail(err, EINVAL, "overlay: upperdir and workdir go together");
	fits = append(buf, VSL_OVL_DATA_MAX, &len, "lowerdir=", false);
	for (size_t i = 0; fits && i < n_lowers; i++) {
		if (!lowers[i] || !*lowers[i])
			return vsl_fail(err, EINVAL, "overlay: lower layer %zu is empty", i);
		if (i > 0)
			fits = append(buf, VSL_OVL_DATA_MAX, &len, ":", false);
		fits = fits && append(buf, VSL_OVL_DATA_MAX, &len, lowers[i], true);
	}
	if (fits && upper) {
		fits = append(buf, VSL_OVL_DATA_MAX, &len, ",upperdir=", false) &&
		       append(buf, VSL_OVL_DATA_MAX, &len, upper, true) &&
		       append(buf, VSL_OVL_DATA_MAX, &len, ",workdir=", false) &&
		       append(buf, VSL_OVL_DATA_MAX, &len, work, true);
	}
	if (fits && extra && *extra)
		fits = append(buf, VSL_OVL_DATA_MAX, &len, ",", false) &&
		       append(buf, VSL_OVL_DATA_MAX, &len, extra, false);
	if (!fits)
		return vsl_fail(err, E2BIG, "overlay: mount data for %zu layers exceeds %d bytes",
				n_lowers, VSL_OVL_DATA_MAX - 1);
	*out = vsl_steal_ptr(&buf);
	return 0;
}

int vsl_ovl_parse_annotations(const char *tpl, const char *limit, const char *keep,
			      struct vsl_ovl_req *out, struct vsl_err *err)
{
	uint64_t size = 0;
	int r;

	out->template_name = tpl;
	out->disk_limit = 0;
	out->keep_layer = false;
	if (tpl && (r = vsl_ovl_check_name("template", tpl, err)) < 0)
		return vsl_wrap(err, "annotation " VSL_OVL_ANN_TEMPLATE);
	if (limit) {
		if (vsl_parse_size(limit, &size) < 0 || size == 0)
			return vsl_fail(err, EINVAL,
					"annotation " VSL_OVL_ANN_DISK_LIMIT
					": bad size %s (e.g. 512M, 10G)",
					limit);
		if (size < VSL_OVL_MIN_DISK)
			return vsl_fail(err, EINVAL,
					"annotation " VSL_OVL_ANN_DISK_LIMIT ": %s is below 16M",
					limit);
		if (!tpl)
			return vsl_fail(err, EINVAL,
					"annotation " VSL_OVL_ANN_DISK_LIMIT
					" needs " VSL_OVL_ANN_TEMPLATE);
	}
	if (keep && strcmp(keep, "true") && strcmp(keep, "false"))
		return vsl_fail(
		    err, EINVAL,
		    "annotation " VSL_OVL_ANN_KEEP_LAYER ": expected true or false, got %s", keep);
	out->disk_limit = size;
	out->keep_layer = keep && strcmp(keep, "true") == 0;
	return 0;
}
