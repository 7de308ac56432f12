/* runtime/caps.c: the name table and the resolve decisions (what is kept, what is warned
 * about), with made-up limits; no capability of this process is touched. */
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "runtime/caps.h"
#include "tests/unit/tap.h"

#define B(c) (UINT64_C(1) << (c))

static char logbuf[8192];

/* Everything the log sink received since the last call. */
static const char *drain(int fd)
{
	ssize_t n = read(fd, logbuf, sizeof(logbuf) - 1);

	logbuf[n > 0 ? n : 0] = '\0';
	return logbuf;
}

int main(void)
{
	static const struct {
		const char *name;
		int want;
	} names[] = {
	    {"CAP_CHOWN", 0},
	    {"CAP_KILL", 5},
	    {"CAP_NET_BIND_SERVICE", 10},
	    {"CAP_SYS_ADMIN", 21},
	    {"CAP_AUDIT_READ", 37},
	    {"CAP_BPF", 39},
	    {"CAP_CHECKPOINT_RESTORE", 40},
	    {"CAP_FOO", -1},
	    {"12", -1},
	    {"chown", -1},
	    {"CAP_", -1},
	    {"", -1},
	};
	int p[2];

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		ok(vsl_cap_from_name(names[i].name) == names[i].want, "cap name \"%s\" -> %d",
		   names[i].name, names[i].want);
	ok(vsl_cap_from_name(NULL) == -1, "NULL name is unknown");

	if (pipe2(p, O_CLOEXEC | O_NONBLOCK) < 0)
		return 1;
	struct vsl_log log = {.fd = p[1], .json = false, .level = VSL_LOG_DEBUG};
	struct vsl_cap_limits lim = {
	    .last_cap = 38, .bounding = ~UINT64_C(0) & ~B(21), .permitted = ~UINT64_C(0) & ~B(6)};
	char *bnd[] = {"CAP_CHOWN", "CAP_KILL", "CAP_SYS_ADMIN", "CAP_BPF", "CAP_NOPE", NULL};
	char *prm[] = {"CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_SETGID", NULL};
	char *eff[] = {"CAP_CHOWN", "CAP_NET_RAW", NULL};
	char *inh[] = {"CAP_KILL", "CAP_NET_BIND_SERVICE", NULL};
	char *amb[] = {"CAP_NET_BIND_SERVICE", "CAP_CHOWN", NULL};
	struct vsl_caps caps = {.bounding = bnd,
				.permitted = prm,
				.effective = eff,
				.inheritable = inh,
				.ambient = amb};
	struct vsl_cap_sets s;
	const char *w;

	vsl_caps_resolve(&caps, &lim, &s, &log);
	w = drain(p[0]);
	ok(s.bounding == (B(0) | B(5)), "bounding keeps CHOWN and KILL only (got %#llx)",
	   (unsigned long long)s.bounding);
	ok(s.permitted == (B(0) | B(5) | B(10)), "permitted without SETGID (vessel lacks it)");
	ok(s.effective == B(0), "effective keeps only permitted caps");
	ok(s.inheritable == (B(5) | B(10)), "inheritable");
	ok(s.ambient == B(10), "ambient keeps NET_BIND_SERVICE (permitted and inheritable)");
	ok(strstr(w, "vessel: warning: capabilities: cannot grant, skipped: ") == w,
	   "the skipped capabilities are one warning");
	ok(strstr(w, "CAP_SYS_ADMIN in bounding (vessel does not hold it)") != NULL,
	   "a cap outside vessel's bounding set is named with its set and why");
	ok(strstr(w, "CAP_BPF in bounding (not supported by the running kernel, last "
		     "capability 38)") != NULL,
	   "a cap above cap_last_cap is named");
	ok(strstr(w, "CAP_NOPE in bounding (not a known capability)") != NULL,
	   "an unknown name is named");
	ok(strstr(w, "CAP_SETGID in permitted (vessel does not hold it)") != NULL,
	   "a permitted cap vessel lacks is named");
	ok(strstr(w, "CAP_NET_RAW in effective (not in the permitted set)") != NULL,
	   "an effective cap outside permitted is named");
	ok(strstr(w, "vessel: capabilities: skipped CAP_CHOWN in ambient (not both permitted and "
		     "inheritable)") != NULL,
	   "an ambient cap that is not inheritable is a debug line only");
	{
		size_t warn = 0;
		for (const char *l = w; (l = strstr(l, "warning: ")); l++)
			warn++;
		ok(warn == 1, "one warning line for all the sets (got %zu)", warn);
	}

	/* The usual case: a cap vessel lacks, listed in three sets, is one line naming them. */
	char *lacking[] = {"CAP_KILL", "CAP_SETPCAP", NULL};
	struct vsl_cap_limits lim2 = {
	    .last_cap = 40, .bounding = ~B(8), .permitted = ~B(8)};
	struct vsl_caps c3 = {.bounding = lacking, .permitted = lacking, .effective = lacking};
	vsl_caps_resolve(&c3, &lim2, &s, &log);
	w = drain(p[0]);
	ok(s.bounding == B(5) && s.permitted == B(5) && s.effective == B(5),
	   "the caps vessel holds are kept");
	is_str(w, "vessel: warning: capabilities: cannot grant, skipped: CAP_SETPCAP in bounding, "
		  "permitted, effective (vessel does not hold it)\n",
	       "a cap vessel lacks in three sets: one line");

	struct vsl_caps none = {0};
	vsl_caps_resolve(&none, &lim, &s, &log);
	w = drain(p[0]);
	ok(!s.bounding && !s.permitted && !s.effective && !s.inheritable && !s.ambient,
	   "absent sets are empty");
	ok(w[0] == '\0', "no warning for absent sets");

	struct vsl_cap_limits full = {
	    .last_cap = 40, .bounding = ~UINT64_C(0), .permitted = ~UINT64_C(0)};
	char *all[] = {"CAP_CHECKPOINT_RESTORE", "CAP_BPF", "CAP_AUDIT_READ", NULL};
	struct vsl_caps c2 = {.bounding = all,
			      .permitted = all,
			      .effective = all,
			      .inheritable = all,
			      .ambient = all};
	vsl_caps_resolve(&c2, &full, &s, &log);
	w = drain(p[0]);
	ok(s.ambient == (B(37) | B(39) | B(40)) && s.bounding == s.ambient,
	   "newest caps kept when the kernel has them");
	ok(w[0] == '\0', "no warning when everything can be granted");
	return tap_done();
}
