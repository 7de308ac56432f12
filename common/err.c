/* The error type: formatting and wrapping. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common/err.h"

/* A message stays one line whatever it quotes: control characters in names and values from
 * outside (a config, a path, an annotation) are written as \n, \t or \xHH. */
static void one_line(char *msg, size_t cap)
{
	char out[VSL_ERR_MSG];
	size_t o = 0;
	const unsigned char *p = (const unsigned char *)msg;

	while (*p >= 0x20 && *p != 0x7f)
		p++;
	if (!*p)
		return;
	for (p = (const unsigned char *)msg; *p && o + 5 < sizeof(out); p++) {
		if (*p >= 0x20 && *p != 0x7f)
			out[o++] = (char)*p;
		else if (*p == '\n' || *p == '\t')
			o += (size_t)snprintf(out + o, sizeof(out) - o, "\\%c", *p == '\n' ? 'n' : 't');
		else
			o += (size_t)snprintf(out + o, sizeof(out) - o, "\\x%02x", *p);
	}
	out[o] = '\0';
	snprintf(msg, cap, "%s", out);
}

int vsl_vfail(struct vsl_err *err, int code, const char *fmt, va_list ap)
{
	if (code <= 0)
		code = code < 0 ? -code : EIO;
	err->code = code;
	err->complete = false;
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	one_line(err->msg, sizeof(err->msg));
	return -code;
}

int vsl_refuse(struct vsl_err *err, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsl_vfail(err, code, fmt, ap);
	va_end(ap);
	err->complete = true;
	return -err->code;
}

int vsl_fail(struct vsl_err *err, int code, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vsl_vfail(err, code, fmt, ap);
	va_end(ap);
	return r;
}

int vsl_wrap(struct vsl_err *err, const char *fmt, ...)
{
	char prefix[256], old[VSL_ERR_MSG];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	memcpy(old, err->msg, sizeof(old));
	snprintf(err->msg, sizeof(err->msg), "%s: %s", prefix, old);
	one_line(err->msg, sizeof(err->msg));
	if (err->code <= 0)
		err->code = EIO;
	return -err->code;
}

const char *vsl_err_str(const struct vsl_err *err, char *buf, unsigned len)
{
	/* Validation errors (EINVAL with a message) read better without "Invalid argument". */
	if (err->complete || err->code == EINVAL || err->code == 0)
		snprintf(buf, len, "%s", err->msg);
	else
		snprintf(buf, len, "%s: %s", err->msg, strerror(err->code));
	return buf;
}
