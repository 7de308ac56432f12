/* The log sink: one line per message, text or JSON. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "common/log.h"
#include "common/util.h"

static const char *const level_names[] = { "error", "warning", "info", "debug" };

/* JSON string escaping for the message. */
static size_t json_escape(char *out, size_t cap, const char *in)
{
	size_t o = 0;

	for (const unsigned char *p = (const unsigned char *)in; *p && o + 7 < cap; p++) {
		if (*p == '"' || *p == '\\') {
			out[o++] = '\\';
			out[o++] = (char)*p;
		} else if (*p < 0x20) {
			o += (size_t)snprintf(out + o, cap - o, "\\u%04x", *p);
		} else {
			out[o++] = (char)*p;
		}
	}
	out[o] = '\0';
	return o;
}

void vsl_log(const struct vsl_log *log, enum vsl_log_level level, const char *fmt, ...)
{
	char msg[2048], line[4608];
	va_list ap;
	int n;

	if (!log || level > log->level || log->fd < 0)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (log->json) {
		char esc[4096], ts[64];
		struct timespec now;
		struct tm tm;

		clock_gettime(CLOCK_REALTIME, &now);
		gmtime_r(&now.tv_sec, &tm);
		strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
		json_escape(esc, sizeof(esc), msg);
		n = snprintf(line, sizeof(line), "{\"level\":\"%s\",\"msg\":\"%s\",\"time\":\"%s.%09ldZ\"}\n",
			     level_names[level], esc, ts, now.tv_nsec);
	} else {
		n = snprintf(line, sizeof(line), "vessel: %s%s\n",
			     level == VSL_LOG_ERROR ? "" : level == VSL_LOG_WARN ? "warning: " : "",
			     msg);
	}
	if (n > (int)sizeof(line))
		n = (int)sizeof(line);
	vsl_write_all(log->fd, line, (size_t)n);
}
