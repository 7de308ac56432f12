/* The error type: formatting and wrapping. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common/err.h"

int vsl_vfail(struct vsl_err *err, int code, const char *fmt, va_list ap)
{
	if (code <= 0)
		code = code < 0 ? -code : EIO;
	err->code = code;
	err->complete = false;
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
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
