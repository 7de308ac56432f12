/* Disk limits by project quota: each private layer directory carries its own project id with
 * the inherit flag (FS_IOC_FSSETXATTR), and the project has hard block and inode limits set
 * with quotactl_fd(2) on the store's filesystem (XFS prjquota, or ext4 with the project and
 * quota features mounted prjquota). The ids are handed out from <store>/projects/: a counter
 * (next) and one claim per id in use (a symlink <id> -> container), so a create never scans
 * the ids in use. */
#include <errno.h>
#include <fcntl.h>
#include <linux/dqblk_xfs.h>
#include <linux/fs.h>
#include <linux/quota.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "overlay/internal.h"

/* Ids wrap here; 0 is the filesystem's default project, never handed out. */
#define PROJECT_MAX 0x7fffffffU
/* Claim attempts before giving up (each taken id met moves on by one). */
#define CLAIM_TRIES 1000

static int qctl(int fd, int cmd, uint32_t id, void *addr)
{
	return (int)syscall(SYS_quotactl_fd, (unsigned)fd, QCMD(cmd, PRJQUOTA), id, addr);
}

bool ovl_quota_enforced(int fd)
{
	struct fs_quota_statv s = {.qs_version = FS_QSTATV_VERSION1};

	return qctl(fd, Q_XGETQSTATV, 0, &s) == 0 && (s.qs_flags & FS_QUOTA_PDQ_ENFD);
}

bool ovl_kernel_has_prjquota(void)
{
	/* /proc/fs/xfs has xqmstat exactly when XFS was built with quotas (CONFIG_XFS_QUOTA);
	 * before XFS is loaded nothing is known, and a store init will tell. */
	return access("/proc/fs/xfs/stat", F_OK) < 0 || access("/proc/fs/xfs/xqmstat", F_OK) == 0;
}

int ovl_refuse_no_quota(const char *store, struct vsl_err *err)
{
	if (!ovl_kernel_has_prjquota())
		return vsl_refuse(err, EOPNOTSUPP,
				  "store %s has no project quotas and this kernel cannot have "
				  "them (XFS without CONFIG_XFS_QUOTA): a limit is given at create "
				  "(vessel.disk.limit) and then lives in a disk image",
				  store);
	return vsl_refuse(err, EOPNOTSUPP,
			  "store %s has no project quotas: disk limits need a store made by "
			  "`vessel store init`",
			  store);
}

uint64_t ovl_inode_limit(uint64_t bytes)
{
	uint64_t n = bytes / OVL_INODE_BYTES;

	return bytes == 0 ? 0 : n < OVL_MIN_INODES ? OVL_MIN_INODES : n;
}

void ovl_human(uint64_t n, char *buf, size_t len)
{
	static const char units[] = "KMGTP";
	double v = (double)n;
	int u = -1;

	while (v >= 1024 && u < 4) {
		v /= 1024;
		u++;
	}
	if (u < 0)
		snprintf(buf, len, "%llu bytes", (unsigned long long)n);
	else
		snprintf(buf, len, "%.1f%c", v, units[u]);
}

int ovl_quota_check_limit(const struct ovl_quota *q, uint64_t limit, struct vsl_err *err)
{
	uint64_t ilimit = ovl_inode_limit(limit);
	char used[32], want[32];

	if (limit == 0)
		return 0;
	ovl_human(q->used, used, sizeof(used));
	ovl_human(limit, want, sizeof(want));
	if (q->used > limit)
		return vsl_refuse(
		    err, ENOSPC, "%s in use (%llu bytes), more than the new limit %s (%llu bytes)",
		    used, (unsigned long long)q->used, want, (unsigned long long)limit);
	if (q->inodes > ilimit)
		return vsl_refuse(err, ENOSPC,
				  "%llu files in use, more than the %llu files the new limit %s "
				  "allows (one per %dK)",
				  (unsigned long long)q->inodes, (unsigned long long)ilimit, want,
				  OVL_INODE_BYTES >> 10);
	return 0;
}

int ovl_quota_get(int fd, uint32_t proj, struct ovl_quota *out, struct vsl_err *err)
{
	struct if_dqblk d = {0};

	memset(out, 0, sizeof(*out));
	if (qctl(fd, Q_GETQUOTA, proj, &d) < 0) {
		if (errno == ENOENT)
			return 0; /* XFS: no quota record for the id yet, all zero */
		return vsl_fail(err, errno, "project %u: get quota", proj);
	}
	out->limit = d.dqb_bhardlimit << QIF_DQBLKSIZE_BITS;
	out->used = d.dqb_curspace;
	out->ilimit = d.dqb_ihardlimit;
	out->inodes = d.dqb_curinodes;
	return 0;
}

int ovl_quota_set(int fd, uint32_t proj, uint64_t bytes, struct vsl_err *err)
{
	struct if_dqblk d = {
	    .dqb_bhardlimit = bytes >> QIF_DQBLKSIZE_BITS,
	    .dqb_ihardlimit = ovl_inode_limit(bytes),
	    .dqb_valid = QIF_LIMITS,
	};

	if (qctl(fd, Q_SETQUOTA, proj, &d) < 0)
		return vsl_fail(err, errno, "project %u: set quota limit", proj);
	return 0;
}

int ovl_project_tag(int dirfd, uint32_t proj, struct vsl_err *err)
{
	struct fsxattr x;

	if (ioctl(dirfd, FS_IOC_FSGETXATTR, &x) < 0)
		return vsl_fail(err, errno, "get project of the layer directory");
	x.fsx_projid = proj;
	x.fsx_xflags |= FS_XFLAG_PROJINHERIT;
	if (ioctl(dirfd, FS_IOC_FSSETXATTR, &x) < 0)
		return vsl_fail(err, errno, "set project %u on the layer directory", proj);
	return 0;
}

static char *claim_path(const char *store, uint32_t proj)
{
	return xasprintf("%s/projects/%u", store, proj);
}

static uint32_t counter(const char *store)
{
	cleanup_free char *path = xasprintf("%s/projects/next", store);
	cleanup_free char *text = NULL;
	struct vsl_err tmp;
	uint64_t n = 1;

	if (vsl_read_file(path, &text, NULL, &tmp) == 0) {
		text[strcspn(text, "\n")] = '\0';
		if (vsl_parse_u64(text, &n) < 0 || n == 0 || n > PROJECT_MAX)
			n = 1; /* a damaged counter only costs claims that meet taken ids */
	}
	return (uint32_t)n;
}

static uint32_t after(uint32_t proj)
{
	return proj >= PROJECT_MAX ? 1 : proj + 1;
}

/* projects/<proj> -> id, unless taken; then the counter moves past it. */
static int claim(const char *store, int fsfd, uint32_t proj, const char *id, struct vsl_err *err)
{
	cleanup_free char *path = claim_path(store, proj);
	cleanup_free char *next = xasprintf("%s/projects/next", store);
	char num[16];
	struct ovl_quota q;
	int n;

	if (ovl_quota_get(fsfd, proj, &q, err) < 0)
		return -err->code;
	/* Files of an id nobody claims (a removal that was cut short): not free either. */
	if (q.inodes > 0)
		return vsl_fail(err, EEXIST, "project %u: has files", proj);
	if (symlink(id, path) < 0)
		return vsl_fail(err, errno, "claim project %u", proj);
	n = snprintf(num, sizeof(num), "%u\n", after(proj));
	/* The counter is a hint: lost, it costs claims that meet taken ids, nothing more. */
	if (vsl_write_file_replace(next, num, (size_t)n, 0644, err) < 0) {
		unlink(path);
		return -err->code;
	}
	return 0;
}

int ovl_project_alloc(const char *store, int fsfd, const char *id,
		      int (*record)(void *arg, uint32_t proj, struct vsl_err *err), void *arg,
		      uint32_t *out, struct vsl_err *err)
{
	uint32_t proj = counter(store);
	int r;

	for (int tries = 0; tries < CLAIM_TRIES; tries++, proj = after(proj)) {
		if ((r = record(arg, proj, err)) < 0)
			return r;
		r = claim(store, fsfd, proj, id, err);
		if (r == 0) {
			*out = proj;
			return 0;
		}
		if (r != -EEXIST)
			return r;
	}
	return vsl_fail(err, EAGAIN, "no free project id after %d tries from %u", CLAIM_TRIES,
			counter(store));
}

bool ovl_project_owned(const char *store, uint32_t proj, const char *id)
{
	cleanup_free char *path = claim_path(store, proj);
	char buf[256];
	ssize_t n = readlink(path, buf, sizeof(buf) - 1);

	if (n < 0)
		return false;
	buf[n] = '\0';
	return strcmp(buf, id) == 0;
}

int ovl_project_free(const char *store, uint32_t proj, const char *id, struct vsl_err *err)
{
	cleanup_free char *path = claim_path(store, proj);
	cleanup_close int fd = -1;

	if (proj == 0 || !ovl_project_owned(store, proj, id))
		return 0; /* never claimed, already freed, or another container's now */
	fd = open(store, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return vsl_fail(err, errno, "open %s", store);
	/* Limits first: the claim is the record that they are still to be cleared. */
	if (ovl_quota_set(fd, proj, 0, err) < 0 && err->code != ESRCH && err->code != ENOSYS)
		return -err->code;
	if (unlink(path) < 0 && errno != ENOENT)
		return vsl_fail(err, errno, "free project %u", proj);
	return 0;
}
