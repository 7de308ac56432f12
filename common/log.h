/* The log sink: where warnings and debug lines go (stderr, or the --log file in text or
 * JSON as runc writes it, which is where conmon and containerd look). Passed down by
 * pointer; no global state. */
#ifndef VSL_COMMON_LOG_H
#define VSL_COMMON_LOG_H

#include <stdbool.h>

enum vsl_log_level { VSL_LOG_ERROR, VSL_LOG_WARN, VSL_LOG_INFO, VSL_LOG_DEBUG };

struct vsl_log {
	int fd;			/* stderr unless --log */
	bool json;		/* --log-format=json */
	enum vsl_log_level level; /* lines above this level are dropped */
};

#define VSL_LOG_INIT { .fd = 2, .json = false, .level = VSL_LOG_WARN }

void vsl_log(const struct vsl_log *log, enum vsl_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#define vsl_warn(log, ...) vsl_log((log), VSL_LOG_WARN, __VA_ARGS__)
#define vsl_debug(log, ...) vsl_log((log), VSL_LOG_DEBUG, __VA_ARGS__)

#endif
