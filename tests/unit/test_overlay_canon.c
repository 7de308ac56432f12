/* The store's pure logic: a template's canonical listing and its digest (the same tree gives
 * the same digest whatever order its directories list in; one changed byte, mode, owner,
 * xattr or link target gives another), the store.json record, and the disk limit numbers
 * (inode limits, a limit below the use refused with both numbers). The digest cases build
 * small trees on tmpfs, whose readdir order is the reverse of creation order. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "overlay/internal.h"
#include "tests/unit/tap.h"

static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
	cleanup_free char *cmd = NULL;
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&cmd, fmt, ap);
	va_end(ap);
	if (r < 0)
		return -1;
	r = system(cmd);
	return WIFEXITED(r) ? WEXITSTATUS(r) : -1;
}

static void lines(void)
{
	const char *const xa[] = {"user.a", "0102", "user.b c", "ff", NULL};
	struct ovl_canon_entry f = {.path = "etc/pass wd",
				    .type = 'f',
				    .mode = 0104755,
				    .uid = 0,
				    .gid = 42,
				    .size = 5,
				    .content = "abc"};
	struct ovl_canon_entry l = {
	    .path = "bin/sh", .type = 'l', .mode = 0120777, .target = "busy\nbox"};
	struct ovl_canon_entry c = {.path = "dev/null",
				    .type = 'c',
				    .mode = 020666,
				    .rdev_major = 1,
				    .rdev_minor = 3,
				    .xattrs = xa};
	struct ovl_canon_entry root = {.path = "", .type = 'd', .mode = 040755};
	cleanup_free char *lf = ovl_canon_line(&f), *ll = ovl_canon_line(&l);
	cleanup_free char *lc = ovl_canon_line(&c), *lr = ovl_canon_line(&root);

	is_str(lf, "/etc/pass%20wd f 4755 0 42 5:abc\n", "a file: escaped path, mode, size:sum");
	is_str(ll, "/bin/sh l 0777 0 0 busy%0Abox\n", "a symlink: its escaped target");
	is_str(lc, "/dev/null c 0666 0 0 1,3 x:user.a=0102 x:user.b%20c=ff\n",
	       "a device with xattrs in order");
	is_str(lr, "/ d 0755 0 0 -\n", "the root");
}

static char *digest_of(const char *dir)
{
	struct vsl_err err;
	char *d = NULL;

	if (ovl_tree_digest(dir, &d, &err) < 0)
		return xasprintf("error: %s", err.msg);
	return d;
}

/* trusted.* as root: tmpfs before Linux 6.6 has no user.* xattrs. */
#define XATTR (geteuid() == 0 ? "trusted.k" : "user.k")
static bool xattr_ok;

/* The same tree made in two orders; what readdir shows differs, the digest must not. */
static void make_tree(const char *dir, bool reverse)
{
	const char *names[] = {"a", "b", "c", "d", "e"};

	sh("mkdir -p %s/sub", dir);
	for (int i = 0; i < 5; i++) {
		const char *n = names[reverse ? 4 - i : i];

		sh("printf '%s-data' > %s/%s; printf x > %s/sub/%s", n, dir, n, dir, n);
	}
	sh("ln -s a %s/link; mkfifo %s/fifo; chmod 0640 %s/c", dir, dir, dir);
	xattr_ok = setxattr(xasprintf("%s/b", dir), XATTR, "v", 1, 0) == 0;
}

/* Each change done (on) and undone (!on) in tree dir. */
static void byte(const char *dir, bool on)
{
	sh("printf '%s' > %s/a", on ? "a-dbta" : "a-data", dir);
}

static void mode(const char *dir, bool on)
{
	chmod(xasprintf("%s/c", dir), on ? 0600 : 0640);
}

static void owner(const char *dir, bool on)
{
	lchown(xasprintf("%s/sub/d", dir), on ? 7 : 0, 0);
}

static void xattr(const char *dir, bool on)
{
	setxattr(xasprintf("%s/b", dir), XATTR, on ? "w" : "v", 1, 0);
}

static void target(const char *dir, bool on)
{
	sh("ln -sfn %s %s/link", on ? "b" : "a", dir);
}

static void new_file(const char *dir, bool on)
{
	sh("%s %s/sub/new", on ? "touch" : "rm", dir);
}

static void digests(const char *t)
{
	cleanup_free char *a = xasprintf("%s/a", t), *b = xasprintf("%s/b", t);
	cleanup_free char *da = NULL, *db = NULL;
	struct {
		const char *what;
		void (*change)(const char *dir, bool on);
		bool root;
	} cases[] = {
	    {"one changed byte", byte, false}, {"a mode", mode, false},
	    {"an owner", owner, true},	       {"an xattr", xattr, false},
	    {"a link target", target, false},  {"a new empty file", new_file, false},
	};

	make_tree(a, false);
	make_tree(b, true);
	ok(sh("test \"$(ls -U %s | tr '\\n' ' ')\" != \"$(ls -U %s | tr '\\n' ' ')\"", a, b) == 0,
	   "the two trees list in different orders");
	da = digest_of(a);
	db = digest_of(b);
	ok(!strncmp(da, "sha256:", 7) && strlen(da) == 7 + 64, "a digest: %s", da);
	is_str(da, db, "the same tree in another order: the same digest");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cleanup_free char *changed = NULL, *back = NULL;

		if (cases[i].root && geteuid() != 0) {
			skip("needs root", "%s", cases[i].what);
			continue;
		}
		if (cases[i].change == xattr && !xattr_ok) {
			skip("this tmpfs takes no extended attributes", "%s", cases[i].what);
			continue;
		}
		cases[i].change(b, true);
		changed = digest_of(b);
		cases[i].change(b, false);
		back = digest_of(b);
		ok(strcmp(changed, da) != 0 && strcmp(back, da) == 0,
		   "%s: another digest, and the same again once undone", cases[i].what);
	}
}

static void records(void)
{
	struct ovl_storefs s = {.fs = "xfs",
				.backing = "/var/lib/vessel.img",
				.size = 1 << 30,
				.created = "2026-01-01T00:00:00Z"};
	struct ovl_storefs back;
	cleanup_free char *text = ovl_storefs_format(&s);
	struct vsl_err err;

	ok(ovl_storefs_parse(text, &back, &err) == 0 && !strcmp(back.fs, "xfs") &&
	       !strcmp(back.backing, s.backing) && !back.device && back.size == s.size,
	   "store.json round-trips");
	ok(strstr(text, "\"kind\": \"file\"") && strstr(text, "\"version\": 1"),
	   "with its kind and version");
	ovl_storefs_clear(&back);
	ok(ovl_storefs_parse("{\"version\":1,\"fs\":\"btrfs\",\"backing\":\"/x\",\"kind\":"
			     "\"file\"}",
			     &back, &err) == -EINVAL,
	   "fs btrfs refused: %s", err.msg);
	ok(ovl_storefs_parse("{\"version\":1,\"fs\":\"xfs\",\"backing\":\"rel\",\"kind\":"
			     "\"file\"}",
			     &back, &err) == -EINVAL,
	   "a relative backing refused");
	ok(ovl_storefs_parse("[1]", &back, &err) == -EINVAL, "not an object refused");
}

static void limits(void)
{
	struct ovl_quota q = {.used = 40 << 20, .inodes = 10};
	struct vsl_err err;

	ok(ovl_inode_limit(32 << 20) == 2048 && ovl_inode_limit(1 << 20) == OVL_MIN_INODES &&
	       ovl_inode_limit(0) == 0 && ovl_inode_limit(10ULL << 30) == 655360,
	   "inode limits: one per 16K, at least 1024, none without a limit");
	ok(ovl_quota_check_limit(&q, 20 << 20, &err) == -ENOSPC &&
	       strstr(err.msg, "40.0M in use (41943040 bytes)") &&
	       strstr(err.msg, "new limit 20.0M (20971520 bytes)"),
	   "a limit below the use names both: %s", err.msg);
	ok(ovl_quota_check_limit(&q, 64 << 20, &err) == 0, "a limit above it is fine");
	q.inodes = 5000;
	ok(ovl_quota_check_limit(&q, 64 << 20, &err) == -ENOSPC && strstr(err.msg, "5000 files"),
	   "too many files for the new inode limit: %s", err.msg);
	ok(ovl_quota_check_limit(&q, 0, &err) == 0, "no limit is always fine");
}

int main(void)
{
	char tmpl[] = "/dev/shm/vsltest-canon-XXXXXX";
	const char *t = mkdtemp(tmpl);

	lines();
	if (t) {
		digests(t);
		sh("rm -rf %s", t);
	} else {
		ok(0, "mkdtemp in /dev/shm: %s", strerror(errno));
	}
	records();
	limits();
	return tap_done();
}
