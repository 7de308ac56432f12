/* Signal name table. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/util.h"
#include "runtime/signals.h"

static const struct {
	const char *name;
	int sig;
} signals[] = {
	{ "ABRT", SIGABRT }, { "ALRM", SIGALRM },   { "BUS", SIGBUS },	   { "CHLD", SIGCHLD },
	{ "CLD", SIGCHLD },  { "CONT", SIGCONT },   { "FPE", SIGFPE },	   { "HUP", SIGHUP },
	{ "ILL", SIGILL },   { "INT", SIGINT },	    { "IO", SIGIO },	   { "IOT", SIGIOT },
	{ "KILL", SIGKILL }, { "PIPE", SIGPIPE },   { "POLL", SIGPOLL },   { "PROF", SIGPROF },
	{ "PWR", SIGPWR },   { "QUIT", SIGQUIT },   { "SEGV", SIGSEGV },   { "STKFLT", SIGSTKFLT },
	{ "STOP", SIGSTOP }, { "SYS", SIGSYS },	    { "TERM", SIGTERM },   { "TRAP", SIGTRAP },
	{ "TSTP", SIGTSTP }, { "TTIN", SIGTTIN },   { "TTOU", SIGTTOU },   { "URG", SIGURG },
	{ "USR1", SIGUSR1 }, { "USR2", SIGUSR2 },   { "VTALRM", SIGVTALRM }, { "WINCH", SIGWINCH },
	{ "XCPU", SIGXCPU }, { "XFSZ", SIGXFSZ },
};

static int parse_rt(const char *s)
{
	int64_t off = 0;
	int base;

	if (strncasecmp(s, "RTMIN", 5) == 0)
		base = SIGRTMIN, s += 5;
	else if (strncasecmp(s, "RTMAX", 5) == 0)
		base = SIGRTMAX, s += 5;
	else
		return -EINVAL;
	if (*s && (vsl_parse_i64(s, &off) < 0 || (s[0] != '+' && s[0] != '-')))
		return -EINVAL;
	off += base;
	return off >= SIGRTMIN && off <= SIGRTMAX ? (int)off : -EINVAL;
}

int vsl_signal_parse(const char *s)
{
	uint64_t n;

	if (vsl_parse_u64(s, &n) == 0)
		return n > 0 && n < (uint64_t)_NSIG ? (int)n : -EINVAL;
	if (strncasecmp(s, "SIG", 3) == 0)
		s += 3;
	for (size_t i = 0; i < sizeof(signals) / sizeof(signals[0]); i++)
		if (strcasecmp(s, signals[i].name) == 0)
			return signals[i].sig;
	return parse_rt(s);
}

const char *vsl_signal_name(int sig)
{
	for (size_t i = 0; i < sizeof(signals) / sizeof(signals[0]); i++)
		if (signals[i].sig == sig)
			return signals[i].name;
	return NULL;
}
