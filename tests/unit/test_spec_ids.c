/* Every uid and gid vessel takes is in 0..2147483647: process.user (uid, gid,
 * additionalGids), linux.uidMappings/gidMappings (containerID, hostID, and id + size, which
 * may not run past the end), mounts' uidMappings/gidMappings, linux.devices uid/gid, and
 * exec -u. Outside: one line naming the field. (uid 4294967295 is (uid_t)-1, "no change"
 * to setresuid: it ran as root.) */
#include <errno.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "runtime/exec_internal.h"
#include "spec/config.h"
#include "tests/unit/tap.h"

#define USER(u, g) "{'ociVersion': '1.2.0', 'process': {'cwd': '/', 'args': ['sh'], " \
		   "'user': {'uid': " u ", 'gid': " g "}}}"
#define GIDS(a) "{'ociVersion': '1.2.0', 'process': {'cwd': '/', 'args': ['sh'], " \
		"'user': {'uid': 0, 'gid': 0, 'additionalGids': " a "}}}"
#define MAP(k, c, h, s) "{'ociVersion': '1.2.0', 'linux': {'" k "': [{'containerID': " c \
			", 'hostID': " h ", 'size': " s "}]}}"
#define MNT(c, h, s) "{'ociVersion': '1.2.0', 'mounts': [{'destination': '/m', 'source': '/m', " \
		     "'options': ['bind'], 'uidMappings': [{'containerID': " c ", 'hostID': " h \
		     ", 'size': " s "}], 'gidMappings': [{'containerID': 0, 'hostID': 0, " \
		     "'size': 1}]}]}"
#define DEV(k, v) "{'ociVersion': '1.2.0', 'linux': {'devices': [{'type': 'c', 'path': " \
		  "'/dev/x', 'major': 1, 'minor': 3, '" k "': " v "}]}}"

static const struct {
	const char *doc;
	const char *want; /* NULL: parses */
} cases[] = {
	{ USER("2147483647", "2147483647"), NULL },
	{ USER("4294967295", "0"), "config.json: process.user.uid: 4294967295 is out of range "
				   "0-2147483647" },
	{ USER("0", "4294967295"), "config.json: process.user.gid: 4294967295 is out of range "
				   "0-2147483647" },
	{ USER("2147483648", "0"), "process.user.uid: 2147483648 is out of range 0-2147483647" },
	{ USER("-1", "0"), "process.user.uid: -1 is out of range 0-2147483647" },
	{ USER("18446744073709551616", "0"), "process.user.uid: 18446744073709551616 is out of "
					     "range 0-2147483647" },
	{ GIDS("[1, 2147483647]"), NULL },
	{ GIDS("[1, 4294967295]"), "process.user.additionalGids[1]: 4294967295 is out of range "
				   "0-2147483647" },
	{ MAP("uidMappings", "0", "100000", "65536"), NULL },
	{ MAP("uidMappings", "0", "0", "2147483648"), NULL },
	{ MAP("uidMappings", "2147483647", "0", "1"), NULL },
	{ MAP("uidMappings", "4294967295", "0", "1"), "linux.uidMappings[0].containerID: "
						      "4294967295 is out of range 0-2147483647" },
	{ MAP("gidMappings", "0", "4294967295", "1"), "linux.gidMappings[0].hostID: 4294967295 "
						      "is out of range 0-2147483647" },
	{ MAP("uidMappings", "0", "0", "2147483649"), "linux.uidMappings[0].size: 2147483649 is "
						      "out of range (0..2147483648)" },
	{ MAP("uidMappings", "2147483647", "0", "2"), "linux.uidMappings[0].size: 2 ids from "
						      "containerID 2147483647 go past 2147483647" },
	{ MAP("gidMappings", "0", "2147483600", "100"), "linux.gidMappings[0].size: 100 ids from "
							"hostID 2147483600 go past 2147483647" },
	{ MAP("uidMappings", "0", "4294967295", "4294967295"), "linux.uidMappings[0].hostID" },
	{ MNT("0", "4294967295", "1"), "mounts[0].uidMappings[0].hostID: 4294967295 is out of "
				       "range 0-2147483647" },
	{ MNT("1", "2147483647", "2"), "mounts[0].uidMappings[0].size: 2 ids from hostID "
				       "2147483647 go past 2147483647" },
	{ DEV("uid", "2147483647"), NULL },
	{ DEV("uid", "4294967295"), "linux.devices[0].uid: 4294967295 is out of range "
				    "0-2147483647" },
	{ DEV("gid", "4294967295"), "linux.devices[0].gid: 4294967295 is out of range "
				    "0-2147483647" },
};

static char *quotes(const char *s)
{
	char *d = xstrdup(s);

	for (char *p = d; *p; p++)
		if (*p == '\'')
			*p = '"';
	return d;
}

static void exec_user_cases(void)
{
	static const struct {
		const char *user, *want;
		uint32_t uid, gid;
	} users[] = {
		{ "2147483647:2147483647", NULL, 2147483647u, 2147483647u },
		{ "1000", NULL, 1000, 7 },
		{ "4294967295", "--user 4294967295: uid 4294967295 is out of range 0-2147483647" },
		{ "0:4294967295", "--user 0:4294967295: gid 4294967295 is out of range 0-2147483647" },
		{ "2147483648:0", "--user 2147483648:0: uid 2147483648 is out of range" },
		{ "-1", "--user -1: expected uid[:gid] as numbers" },
	};

	for (size_t i = 0; i < sizeof(users) / sizeof(users[0]); i++) {
		struct vsl_config cfg = { 0 };
		char *args[] = { "true", NULL };
		struct vsl_exec_opts o = { .args = args, .user = users[i].user };
		struct vsl_err err = { 0 };
		int r;

		cfg.process.user.gid = 7;
		r = vsl_exec_build_process(&cfg, &o, NULL, 0, &err);
		if (users[i].want)
			ok(r == -EINVAL && strstr(err.msg, users[i].want) && !strchr(err.msg, '\n'),
			   "exec -u %s: %s", users[i].user, err.msg);
		else
			ok(r == 0 && cfg.process.user.uid == users[i].uid &&
				   cfg.process.user.gid == users[i].gid,
			   "exec -u %s: uid %u gid %u", users[i].user, cfg.process.user.uid,
			   cfg.process.user.gid);
		vsl_process_clear(&cfg.process);
	}
}

int main(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cleanup_free char *doc = quotes(cases[i].doc);
		struct vsl_err err = { 0 };
		cleanup_config struct vsl_config *c =
			vsl_config_parse(doc, strlen(doc), "config.json", &err);

		if (!cases[i].want) {
			ok(c != NULL, "parses: %s", c ? doc : err.msg);
			continue;
		}
		ok(!c && err.code == EINVAL && strstr(err.msg, cases[i].want) &&
			   vsl_str_has_prefix(err.msg, "config.json: ") && !strchr(err.msg, '\n'),
		   "%s", err.msg[0] ? err.msg : doc);
		if (c || !strstr(err.msg, cases[i].want))
			printf("#   want: %s\n", cases[i].want);
	}
	exec_user_cases();
	return tap_done();
}
