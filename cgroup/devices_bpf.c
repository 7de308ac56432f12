/* cgroup v2 device control: v2 has no devices.allow; the kernel asks a
 * BPF_PROG_TYPE_CGROUP_DEVICE program attached to the cgroup instead. The rules are compiled
 * into straight-line eBPF (the last matching rule decides, as in v1), loaded and attached
 * with bpf(2); programs vessel attached before are detached afterwards, so an update never
 * leaves a moment without one. Programs of others stay: under the systemd driver systemd
 * attaches its own for DeviceAllow, and the kernel asks each (a device is allowed only if
 * every program allows it). libcgroup has nothing for this. */
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cgroup/internal.h"
#include "common/cleanup.h"
#include "common/util.h"

#define INSN(c, d, s, o, i) \
	((struct bpf_insn){ .code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i) })
#define LDX_W(d, s, o) INSN(BPF_LDX | BPF_MEM | BPF_W, d, s, o, 0)
#define ALU32_IMM(op, d, i) INSN(BPF_ALU | (op) | BPF_K, d, 0, 0, i)
#define MOV32_REG(d, s) INSN(BPF_ALU | BPF_MOV | BPF_X, d, s, 0, 0)
#define MOV64_IMM(d, i) INSN(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, i)
#define JMP_IMM(op, d, i, o) INSN(BPF_JMP | (op) | BPF_K, d, 0, o, i)
#define EXIT_INSN() INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

/* The name vessel's programs carry (BPF_OBJ_NAME_LEN: 15 characters at most). */
#define PROG_NAME "vessel_devices"

/* Registers after the prologue: r2 device type, r3 access, r4 major, r5 minor. */
static size_t emit_rule(const struct vsl_cg_dev_rule *r, struct bpf_insn *p, bool *always)
{
	size_t n = 0, jumps[4], nj = 0;
	unsigned acc = r->access & 7;

	if (r->type != 'a') {
		jumps[nj++] = n;
		p[n++] = JMP_IMM(BPF_JNE, 2, r->type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR,
				 0);
	}
	if (acc != 7) {
		/* allow: only if every requested access is allowed; deny: if any is denied */
		p[n++] = MOV32_REG(1, 3);
		p[n++] = ALU32_IMM(BPF_AND, 1, r->allow ? (int32_t)(~acc & 7) : (int32_t)acc);
		jumps[nj++] = n;
		p[n++] = JMP_IMM(r->allow ? BPF_JNE : BPF_JEQ, 1, 0, 0);
	}
	if (r->major >= 0) {
		jumps[nj++] = n;
		p[n++] = JMP_IMM(BPF_JNE, 4, (int32_t)r->major, 0);
	}
	if (r->minor >= 0) {
		jumps[nj++] = n;
		p[n++] = JMP_IMM(BPF_JNE, 5, (int32_t)r->minor, 0);
	}
	p[n++] = MOV64_IMM(0, r->allow ? 1 : 0);
	p[n++] = EXIT_INSN();
	for (size_t j = 0; j < nj; j++)
		p[jumps[j]].off = (int16_t)(n - jumps[j] - 1);	/* past this rule */
	*always = nj == 0;
	return n;
}

int vsl_cg_bpf_compile(const struct vsl_cg_dev_rule *r, size_t n, struct bpf_insn *insns,
		       size_t cap)
{
	struct bpf_insn tmp[16];
	size_t len = 0;
	bool always = false;

	if (cap < 8)
		return -E2BIG;
	insns[len++] = LDX_W(2, 1, 0);
	insns[len++] = ALU32_IMM(BPF_AND, 2, 0xFFFF);
	insns[len++] = LDX_W(3, 1, 0);
	insns[len++] = ALU32_IMM(BPF_RSH, 3, 16);
	insns[len++] = LDX_W(4, 1, 4);
	insns[len++] = LDX_W(5, 1, 8);
	/* Newest rule first; a rule that matches everything ends the program (the verifier
	 * refuses unreachable instructions after it). */
	for (size_t i = n; i-- > 0 && !always;) {
		size_t k = emit_rule(&r[i], tmp, &always);
		if (len + k + 2 > cap)
			return -E2BIG;
		memcpy(insns + len, tmp, k * sizeof(*tmp));
		len += k;
	}
	if (!always) {
		insns[len++] = MOV64_IMM(0, 0);
		insns[len++] = EXIT_INSN();
	}
	return (int)len;
}

static int sys_bpf(int cmd, union bpf_attr *attr)
{
	return (int)syscall(SYS_bpf, cmd, attr, sizeof(*attr));
}

static int load(const struct bpf_insn *insns, int n, const char *dir, struct vsl_err *err)
{
	char log[4096];	/* verifier log; only read on failure */
	union bpf_attr a;
	int fd;

	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
	a.insns = (uint64_t)(uintptr_t)insns;
	a.insn_cnt = (uint32_t)n;
	a.license = (uint64_t)(uintptr_t)"GPL";
	memcpy(a.prog_name, PROG_NAME, sizeof(PROG_NAME));
	fd = sys_bpf(BPF_PROG_LOAD, &a);
	if (fd >= 0)
		return fd;
	/* Reload with the log only to explain a refusal. */
	a.log_buf = (uint64_t)(uintptr_t)log;
	a.log_size = sizeof(log);
	a.log_level = 1;
	log[0] = '\0';
	fd = sys_bpf(BPF_PROG_LOAD, &a);
	if (fd >= 0)
		return fd;
	log[strcspn(log, "\n")] = '\0';
	return vsl_fail(err, errno, "cgroup %s: load the device eBPF program%s%s", dir,
			log[0] ? ": " : "", log);
}

/* Programs attached to the cgroup for BPF_CGROUP_DEVICE before ours: ids into ids[]. */
static int query(int cgfd, uint32_t *ids, uint32_t *n)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.query.target_fd = (uint32_t)cgfd;
	a.query.attach_type = BPF_CGROUP_DEVICE;
	a.query.prog_ids = (uint64_t)(uintptr_t)ids;
	a.query.prog_cnt = *n;
	if (sys_bpf(BPF_PROG_QUERY, &a) < 0)
		return -errno;
	*n = a.query.prog_cnt;
	return 0;
}

/* vessel's: named so, or unnamed (what vessel loaded before it named its programs). */
static bool is_ours(int pfd)
{
	struct bpf_prog_info info;
	union bpf_attr a;

	memset(&info, 0, sizeof(info));
	memset(&a, 0, sizeof(a));
	a.info.bpf_fd = (uint32_t)pfd;
	a.info.info_len = sizeof(info);
	a.info.info = (uint64_t)(uintptr_t)&info;
	if (sys_bpf(BPF_OBJ_GET_INFO_BY_FD, &a) < 0)
		return false;
	return !info.name[0] || !strncmp(info.name, PROG_NAME, sizeof(info.name));
}

static void detach_id(int cgfd, uint32_t id)
{
	cleanup_close int pfd = -1;
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.prog_id = id;
	pfd = sys_bpf(BPF_PROG_GET_FD_BY_ID, &a);
	if (pfd < 0 || !is_ours(pfd))
		return;
	memset(&a, 0, sizeof(a));
	a.target_fd = (uint32_t)cgfd;
	a.attach_bpf_fd = (uint32_t)pfd;
	a.attach_type = BPF_CGROUP_DEVICE;
	sys_bpf(BPF_PROG_DETACH, &a);
}

int vsl_cg_bpf_devices(const char *dir, const struct vsl_cg_dev_rule *r, size_t n,
		       struct vsl_err *err)
{
	struct bpf_insn insns[4096];
	cleanup_close int cgfd = -1, pfd = -1;
	uint32_t old[64], n_old = 64;
	union bpf_attr a;
	int len;

	len = vsl_cg_bpf_compile(r, n, insns, sizeof(insns) / sizeof(insns[0]));
	if (len < 0)
		return vsl_fail(err, -len, "cgroup %s: %zu device rules are too many", dir, n);
	cgfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cgfd < 0)
		return vsl_fail(err, errno, "cgroup %s: open", dir);
	if (query(cgfd, old, &n_old) < 0)
		n_old = 0;
	pfd = load(insns, len, dir, err);
	if (pfd < 0)
		return pfd;
	memset(&a, 0, sizeof(a));
	a.target_fd = (uint32_t)cgfd;
	a.attach_bpf_fd = (uint32_t)pfd;
	a.attach_type = BPF_CGROUP_DEVICE;
	a.attach_flags = BPF_F_ALLOW_MULTI;
	if (sys_bpf(BPF_PROG_ATTACH, &a) < 0)
		return vsl_fail(err, errno, "cgroup %s: attach the device eBPF program", dir);
	for (uint32_t i = 0; i < n_old; i++)
		detach_id(cgfd, old[i]);
	return 0;
}
