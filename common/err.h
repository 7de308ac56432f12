/* The one error type of vessel. Every function that can fail takes a struct vsl_err *
 * as its last argument, fills it on failure and returns a negative errno (or NULL).
 * Nothing below cmd/ prints an error: it is returned. */
#ifndef VSL_COMMON_ERR_H
#define VSL_COMMON_ERR_H

#include <stdarg.h>
#include <stdbool.h>

#define VSL_ERR_MSG 1024

struct vsl_err {
	int code;		/* errno value, never 0 on failure; EINVAL for bad input */
	char msg[VSL_ERR_MSG];	/* one line: "object: what failed", no newline */
	bool complete;		/* msg says it all: print no strerror(code) after it */
};

/* Fill err with code and a formatted message; return -code. */
int vsl_fail(struct vsl_err *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int vsl_vfail(struct vsl_err *err, int code, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

/* A refusal rather than a failed call ("container x does not exist", "is running"): the
 * message is complete as it is; code still classifies it. Returns -code. */
int vsl_refuse(struct vsl_err *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Prefix the message already in err with context ("ctx: old message"); return -err->code. */
int vsl_wrap(struct vsl_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* "msg: strerror(code)", or msg alone for refusals and validation errors (EINVAL). */
const char *vsl_err_str(const struct vsl_err *err, char *buf, unsigned len);

static inline void vsl_err_clear(struct vsl_err *err)
{
	err->code = 0;
	err->msg[0] = '\0';
	err->complete = false;
}

#endif
