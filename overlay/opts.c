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
