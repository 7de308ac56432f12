/* Signal names for `kill`: "TERM", "SIGTERM", "sigterm", "15", "RTMIN+3". Pure. */
#ifndef VSL_RUNTIME_SIGNALS_H
#define VSL_RUNTIME_SIGNALS_H

/* Returns the signal number, or -EINVAL. */
int vsl_signal_parse(const char *s);
/* "TERM" for 15; NULL if unknown. */
const char *vsl_signal_name(int sig);

#endif
