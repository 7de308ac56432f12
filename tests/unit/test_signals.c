/* runtime/signals.c: names and numbers for `vessel kill`. */
#include <errno.h>
#include <signal.h>

#include "runtime/signals.h"
#include "tests/unit/tap.h"

int main(void)
{
	static const struct {
		const char *in;
		int want;
	} cases[] = {
		{ "TERM", SIGTERM },  { "SIGTERM", SIGTERM }, { "sigkill", SIGKILL }, { "kill", SIGKILL },
		{ "9", SIGKILL },     { "15", SIGTERM },      { "HUP", SIGHUP },      { "SIGUSR1", SIGUSR1 },
		{ "WINCH", SIGWINCH }, { "CHLD", SIGCHLD },
		{ "0", -EINVAL },     { "65", -EINVAL },      { "-9", -EINVAL },      { "FOO", -EINVAL },
		{ "", -EINVAL },      { "SIG", -EINVAL },     { "9x", -EINVAL },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		ok(vsl_signal_parse(cases[i].in) == cases[i].want, "signal \"%s\" -> %d",
		   cases[i].in, cases[i].want);
	ok(vsl_signal_parse("RTMIN") == SIGRTMIN, "RTMIN");
	ok(vsl_signal_parse("RTMIN+3") == SIGRTMIN + 3, "RTMIN+3");
	ok(vsl_signal_parse("SIGRTMAX-1") == SIGRTMAX - 1, "SIGRTMAX-1");
	ok(vsl_signal_parse("RTMAX+1") == -EINVAL, "RTMAX+1 out of range");
	is_str(vsl_signal_name(SIGTERM), "TERM", "name of 15");
	return tap_done();
}
