/* runtime/seccomp.c: the action/operator/architecture/flag tables, errors naming the field,
 * and a filter built from a config table, exported to BPF and run through a small classic
 * BPF interpreter here (no filter is ever loaded into this process). */
#include <errno.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdlib.h>

#include "runtime/seccomp.h"
#include "tests/unit/tap.h"

#define LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Run prog on one syscall; returns the filter's verdict, or 0xdeadbeef on a bad program. */
static uint32_t run_bpf(const struct vsl_seccomp_prog *p, uint32_t arch, int nr,
			const uint64_t args[6])
{
	struct seccomp_data d = {.nr = nr, .arch = arch};
	uint32_t a = 0, x = 0, mem[BPF_MEMWORDS] = {0};

	memcpy(d.args, args, sizeof(d.args));
	for (size_t pc = 0; pc < p->n_insns; pc++) {
		const struct sock_filter *i = &p->insns[pc];
		uint32_t src = BPF_SRC(i->code) == BPF_X ? x : i->k;

		switch (i->code) {
		case BPF_LD | BPF_W | BPF_ABS:
			if (i->k + 4 > sizeof(d))
				return 0xdeadbeef;
			memcpy(&a, (char *)&d + i->k, 4);
			continue;
		case BPF_LD | BPF_IMM:
			a = i->k;
			continue;
		case BPF_LDX | BPF_IMM:
			x = i->k;
			continue;
		case BPF_LD | BPF_MEM:
			a = mem[i->k % BPF_MEMWORDS];
			continue;
		case BPF_LDX | BPF_MEM:
			x = mem[i->k % BPF_MEMWORDS];
			continue;
		case BPF_ST:
			mem[i->k % BPF_MEMWORDS] = a;
			continue;
		case BPF_STX:
			mem[i->k % BPF_MEMWORDS] = x;
			continue;
		case BPF_MISC | BPF_TAX:
			x = a;
			continue;
		case BPF_MISC | BPF_TXA:
			a = x;
			continue;
		case BPF_RET | BPF_K:
			return i->k;
		case BPF_RET | BPF_A:
			return a;
		case BPF_JMP | BPF_JA:
			pc += i->k;
			continue;
		}
		if (BPF_CLASS(i->code) == BPF_ALU) {
			switch (BPF_OP(i->code)) {
			case BPF_AND:
				a &= src;
				continue;
			case BPF_OR:
				a |= src;
				continue;
			case BPF_ADD:
				a += src;
				continue;
			case BPF_SUB:
				a -= src;
				continue;
			}
			return 0xdeadbeef;
		}
		if (BPF_CLASS(i->code) == BPF_JMP) {
			bool t;

			switch (BPF_OP(i->code)) {
			case BPF_JEQ:
				t = a == src;
				break;
			case BPF_JGT:
				t = a > src;
				break;
			case BPF_JGE:
				t = a >= src;
				break;
			case BPF_JSET:
				t = (a & src) != 0;
				break;
			default:
				return 0xdeadbeef;
			}
			pc += t ? i->jt : i->jf;
			continue;
		}
		return 0xdeadbeef;
	}
	return 0xdeadbeef;
}

static int nr_of(const char *name)
{
	return seccomp_syscall_resolve_name(name);
}

static void test_tables(void)
{
	struct vsl_err err;
	uint32_t act = 0;

	ok(vsl_seccomp_action("SCMP_ACT_ALLOW", false, 0, "x", &act, &err) == 0 &&
	       act == SCMP_ACT_ALLOW,
	   "ALLOW");
	ok(vsl_seccomp_action("SCMP_ACT_KILL", false, 0, "x", &act, &err) == 0 &&
	       act == SCMP_ACT_KILL_THREAD,
	   "KILL is KILL_THREAD");
	ok(vsl_seccomp_action("SCMP_ACT_KILL_PROCESS", false, 0, "x", &act, &err) == 0 &&
	       act == SCMP_ACT_KILL_PROCESS,
	   "KILL_PROCESS");
	ok(vsl_seccomp_action("SCMP_ACT_KILL_THREAD", false, 0, "x", &act, &err) == 0 &&
	       act == SCMP_ACT_KILL_THREAD,
	   "KILL_THREAD");
	ok(vsl_seccomp_action("SCMP_ACT_TRAP", false, 0, "x", &act, &err) == 0 &&
	       act == SCMP_ACT_TRAP,
	   "TRAP");
	ok(vsl_seccomp_action("SCMP_ACT_LOG", false, 0, "x", &act, &err) == 0 &&
	       act == SCMP_ACT_LOG,
	   "LOG");
	ok(vsl_seccomp_action("SCMP_ACT_NOTIFY", false, 0, "x", &act, &err) == 0 &&
	       act == SCMP_ACT_NOTIFY,
	   "NOTIFY");
	ok(vsl_seccomp_action("SCMP_ACT_ERRNO", false, 0, "x", &act, &err) == 0 &&
	       act == SCMP_ACT_ERRNO(EPERM),
	   "ERRNO defaults to EPERM");
	ok(vsl_seccomp_action("SCMP_ACT_ERRNO", true, ENOSYS, "x", &act, &err) == 0 &&
	       act == SCMP_ACT_ERRNO(ENOSYS),
	   "ERRNO with errnoRet");
	ok(vsl_seccomp_action("SCMP_ACT_TRACE", true, 7, "x", &act, &err) == 0 &&
	       act == SCMP_ACT_TRACE(7),
	   "TRACE with errnoRet");
	ok(vsl_seccomp_action("SCMP_ACT_TRACE", false, 0, "x", &act, &err) == 0 &&
	       act == SCMP_ACT_TRACE(EPERM),
	   "TRACE defaults to EPERM");
	ok(vsl_seccomp_action("SCMP_ACT_ALLOW", true, 1, "linux.seccomp.syscalls[2]", &act, &err) ==
		   -EINVAL &&
	       strstr(err.msg, "linux.seccomp.syscalls[2]: SCMP_ACT_ALLOW takes no errnoRet"),
	   "errnoRet on ALLOW is an error naming the field: %s", err.msg);
	ok(vsl_seccomp_action("SCMP_ACT_ERRNO", true, 70000, "x", &act, &err) == -EINVAL,
	   "errnoRet above 16 bits is refused");
	ok(vsl_seccomp_action("SCMP_ACT_FOO", false, 0, "linux.seccomp.defaultAction", &act,
			      &err) == -EINVAL &&
	       strcmp(err.msg,
		      "linux.seccomp.defaultAction: unknown seccomp action \"SCMP_ACT_FOO\"") == 0,
	   "unknown action: %s", err.msg);

	static const struct {
		const char *name;
		int op;
	} ops[] = {
	    {"SCMP_CMP_NE", SCMP_CMP_NE},
	    {"SCMP_CMP_LT", SCMP_CMP_LT},
	    {"SCMP_CMP_LE", SCMP_CMP_LE},
	    {"SCMP_CMP_EQ", SCMP_CMP_EQ},
	    {"SCMP_CMP_GE", SCMP_CMP_GE},
	    {"SCMP_CMP_GT", SCMP_CMP_GT},
	    {"SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ},
	    {"SCMP_CMP_XX", -1},
	    {"scmp_cmp_eq", -1},
	};
	for (size_t i = 0; i < LEN(ops); i++)
		ok(vsl_seccomp_op(ops[i].name) == ops[i].op, "op %s", ops[i].name);

	static const struct {
		const char *name;
		uint32_t arch;
	} arches[] = {
	    {"SCMP_ARCH_X86", SCMP_ARCH_X86},
	    {"SCMP_ARCH_X86_64", SCMP_ARCH_X86_64},
	    {"SCMP_ARCH_X32", SCMP_ARCH_X32},
	    {"SCMP_ARCH_ARM", SCMP_ARCH_ARM},
	    {"SCMP_ARCH_AARCH64", SCMP_ARCH_AARCH64},
	    {"SCMP_ARCH_MIPS", SCMP_ARCH_MIPS},
	    {"SCMP_ARCH_MIPS64", SCMP_ARCH_MIPS64},
	    {"SCMP_ARCH_MIPS64N32", SCMP_ARCH_MIPS64N32},
	    {"SCMP_ARCH_MIPSEL", SCMP_ARCH_MIPSEL},
	    {"SCMP_ARCH_MIPSEL64", SCMP_ARCH_MIPSEL64},
	    {"SCMP_ARCH_MIPSEL64N32", SCMP_ARCH_MIPSEL64N32},
	    {"SCMP_ARCH_PPC", SCMP_ARCH_PPC},
	    {"SCMP_ARCH_PPC64", SCMP_ARCH_PPC64},
	    {"SCMP_ARCH_PPC64LE", SCMP_ARCH_PPC64LE},
	    {"SCMP_ARCH_S390", SCMP_ARCH_S390},
	    {"SCMP_ARCH_S390X", SCMP_ARCH_S390X},
	    {"SCMP_ARCH_PARISC", SCMP_ARCH_PARISC},
	    {"SCMP_ARCH_PARISC64", SCMP_ARCH_PARISC64},
	    {"SCMP_ARCH_RISCV64", SCMP_ARCH_RISCV64},
	    {"SCMP_ARCH_NOPE", 0},
	    {"X86_64", 0},
	    {"SCMP_ARCH_", 0},
	};
	for (size_t i = 0; i < LEN(arches); i++)
		ok(vsl_seccomp_arch(arches[i].name) == arches[i].arch, "arch %s", arches[i].name);

	ok(vsl_seccomp_flag("SECCOMP_FILTER_FLAG_TSYNC") == SECCOMP_FILTER_FLAG_TSYNC, "TSYNC");
	ok(vsl_seccomp_flag("SECCOMP_FILTER_FLAG_LOG") == SECCOMP_FILTER_FLAG_LOG, "LOG");
	ok(vsl_seccomp_flag("SECCOMP_FILTER_FLAG_SPEC_ALLOW") == SECCOMP_FILTER_FLAG_SPEC_ALLOW,
	   "SPEC_ALLOW");
	ok(vsl_seccomp_flag("SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV") ==
	       SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV,
	   "WAIT_KILLABLE_RECV");
	ok(vsl_seccomp_flag("SECCOMP_FILTER_FLAG_NEW_LISTENER") == 0,
	   "NEW_LISTENER is not a config flag");
}

#define ARG(i, v, v2, o)                                                                           \
	{                                                                                          \
		.index = (i), .value = (v), .value_two = (v2), .op = (o)                           \
	}
#define NAMES(...) ((char *[]){__VA_ARGS__, NULL})

static struct vsl_seccomp_arg pers_args[] = {ARG(0, 0, 0, "SCMP_CMP_EQ"),
					     ARG(0, 8, 0, "SCMP_CMP_EQ")};
static struct vsl_seccomp_arg ioctl_args[] = {ARG(1, 0xff00, 0x5400, "SCMP_CMP_MASKED_EQ")};
static struct vsl_seccomp_arg clone_args[] = {ARG(0, 10, 0, "SCMP_CMP_LT"),
					      ARG(1, 4, 0, "SCMP_CMP_GE")};
static struct vsl_seccomp_arg dup_args[] = {ARG(0, 5, 0, "SCMP_CMP_NE")};
static struct vsl_seccomp_arg dup2_args[] = {ARG(0, 3, 0, "SCMP_CMP_LE")};
static struct vsl_seccomp_arg dup3_args[] = {ARG(0, 100, 0, "SCMP_CMP_GT")};

static struct vsl_seccomp_rule rules[] = {
    {.names = NAMES("read", "write", "vsl_no_such_syscall"), .action = "SCMP_ACT_ALLOW"},
    {.names = NAMES("mkdir"), .action = "SCMP_ACT_ERRNO"},
    {.names = NAMES("mkdirat"),
     .action = "SCMP_ACT_ERRNO",
     .has_errno_ret = true,
     .errno_ret = EACCES},
    {.names = NAMES("personality"), .action = "SCMP_ACT_ALLOW", .args = pers_args, .n_args = 2},
    {.names = NAMES("ioctl"), .action = "SCMP_ACT_ALLOW", .args = ioctl_args, .n_args = 1},
    {.names = NAMES("clone"), .action = "SCMP_ACT_ALLOW", .args = clone_args, .n_args = 2},
    {.names = NAMES("dup"), .action = "SCMP_ACT_ALLOW", .args = dup_args, .n_args = 1},
    {.names = NAMES("dup2"), .action = "SCMP_ACT_ALLOW", .args = dup2_args, .n_args = 1},
    {.names = NAMES("dup3"), .action = "SCMP_ACT_ALLOW", .args = dup3_args, .n_args = 1},
    {.names = NAMES("kill"), .action = "SCMP_ACT_KILL_PROCESS"},
    {.names = NAMES("tkill"), .action = "SCMP_ACT_TRAP"},
    {.names = NAMES("getpid"), .action = "SCMP_ACT_LOG"},
    {.names = NAMES("getppid"), .action = "SCMP_ACT_TRACE", .has_errno_ret = true, .errno_ret = 5},
    {.names = NAMES("gettid"), .action = "SCMP_ACT_KILL"},
    /* Same action as the default: libseccomp refuses it, vessel skips it. */
    {.names = NAMES("getcwd"),
     .action = "SCMP_ACT_ERRNO",
     .has_errno_ret = true,
     .errno_ret = ENOSYS},
};

static void test_filter(void)
{
	struct vsl_seccomp sc = {
	    .default_action = "SCMP_ACT_ERRNO",
	    .has_default_errno_ret = true,
	    .default_errno_ret = ENOSYS,
	    .architectures = NAMES("SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_NOPE"),
	    .flags = NAMES("SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW"),
	    .syscalls = rules,
	    .n_syscalls = LEN(rules)};
	struct vsl_log log = {.fd = -1, .level = VSL_LOG_DEBUG};
	struct vsl_seccomp_prog *p = NULL;
	uint32_t arch = seccomp_arch_native();
	uint64_t a[6] = {0};
	struct vsl_err err = {0};
	int r;

	r = vsl_seccomp_compile(&sc, &log, &p, &err);
	ok(r == 0 && p && p->n_insns > 10, "profile compiles to BPF (%s)", err.msg);
	if (r < 0)
		return;
	ok(p->flags == (SECCOMP_FILTER_FLAG_LOG | SECCOMP_FILTER_FLAG_SPEC_ALLOW) && !p->notify,
	   "flags become seccomp(2) flags");
#define RUN(name, ...)                                                                             \
	run_bpf(p, arch, nr_of(name), (memcpy(a, (uint64_t[6]){__VA_ARGS__}, sizeof(a)), a))
	ok(RUN("read", 0) == SCMP_ACT_ALLOW, "read allowed");
	ok(RUN("openat", 0) == SCMP_ACT_ERRNO(ENOSYS), "default action with defaultErrnoRet");
	ok(RUN("getcwd", 0) == SCMP_ACT_ERRNO(ENOSYS), "rule equal to the default is harmless");
	ok(RUN("mkdir", 0) == SCMP_ACT_ERRNO(EPERM), "ERRNO without errnoRet is EPERM");
	ok(RUN("mkdirat", 0) == SCMP_ACT_ERRNO(EACCES), "ERRNO with errnoRet");
	ok(RUN("personality", 0) == SCMP_ACT_ALLOW, "same-index conditions: first alternative");
	ok(RUN("personality", 8) == SCMP_ACT_ALLOW, "same-index conditions: second alternative");
	ok(RUN("personality", 4) == SCMP_ACT_ERRNO(ENOSYS), "same-index conditions: neither");
	ok(RUN("ioctl", 1, 0x5401) == SCMP_ACT_ALLOW, "MASKED_EQ match");
	ok(RUN("ioctl", 1, 0x5501) == SCMP_ACT_ERRNO(ENOSYS), "MASKED_EQ miss");
	ok(RUN("clone", 9, 4) == SCMP_ACT_ALLOW, "LT and GE both hold");
	ok(RUN("clone", 9, 3) == SCMP_ACT_ERRNO(ENOSYS), "GE fails");
	ok(RUN("clone", 10, 4) == SCMP_ACT_ERRNO(ENOSYS), "LT fails");
	ok(RUN("dup", 4) == SCMP_ACT_ALLOW && RUN("dup", 5) == SCMP_ACT_ERRNO(ENOSYS), "NE");
	ok(RUN("dup2", 3) == SCMP_ACT_ALLOW && RUN("dup2", 4) == SCMP_ACT_ERRNO(ENOSYS), "LE");
	ok(RUN("dup3", 101) == SCMP_ACT_ALLOW && RUN("dup3", 100) == SCMP_ACT_ERRNO(ENOSYS), "GT");
	ok(RUN("dup3", 0x100000065ULL) == SCMP_ACT_ALLOW, "64-bit argument compared whole");
	ok(RUN("kill", 0) == SCMP_ACT_KILL_PROCESS, "KILL_PROCESS");
	ok(RUN("tkill", 0) == SCMP_ACT_TRAP, "TRAP");
	ok(RUN("getpid", 0) == SCMP_ACT_LOG, "LOG");
	ok(RUN("getppid", 0) == SCMP_ACT_TRACE(5), "TRACE with errnoRet");
	ok(RUN("gettid", 0) == SCMP_ACT_KILL_THREAD, "KILL");
	if (arch == SCMP_ARCH_X86_64) {
		int x86_read = seccomp_syscall_resolve_name_arch(SCMP_ARCH_X86, "read");
		int x86_mkdir = seccomp_syscall_resolve_name_arch(SCMP_ARCH_X86, "mkdir");

		ok(run_bpf(p, SCMP_ARCH_X86, x86_read, a) == SCMP_ACT_ALLOW,
		   "added architecture x86 has the rules (read)");
		ok(run_bpf(p, SCMP_ARCH_X86, x86_mkdir, a) == SCMP_ACT_ERRNO(EPERM),
		   "added architecture x86 has the rules (mkdir)");
		ok(run_bpf(p, SCMP_ARCH_AARCH64, 63, a) == SCMP_ACT_KILL_THREAD,
		   "an architecture not listed is killed");
	} else {
		skip("not x86_64", "multi-architecture checks");
	}
#undef RUN
	vsl_seccomp_prog_free(p);
}

/* Compile a one-rule profile; return the error code and keep the message in err. */
static int compile_one(const char *def, struct vsl_seccomp_rule *rule, char **flags,
		       const char *listener, struct vsl_seccomp_prog **out, struct vsl_err *err)
{
	struct vsl_seccomp sc = {.default_action = (char *)def,
				 .flags = flags,
				 .listener_path = (char *)listener,
				 .syscalls = rule,
				 .n_syscalls = rule ? 1 : 0};
	struct vsl_log log = {.fd = -1};
	struct vsl_seccomp_prog *p = NULL;
	int r;

	err->msg[0] = '\0';
	r = vsl_seccomp_compile(&sc, &log, &p, err);
	if (out)
		*out = p;
	else
		vsl_seccomp_prog_free(p);
	return r;
}

static void test_errors(void)
{
	struct vsl_seccomp_arg bad_op[] = {ARG(0, 1, 0, "SCMP_CMP_XX")};
	struct vsl_seccomp_arg bad_idx[] = {ARG(6, 1, 0, "SCMP_CMP_EQ")};
	struct vsl_seccomp_rule r_op = {
	    .names = NAMES("mkdir"), .action = "SCMP_ACT_ERRNO", .args = bad_op, .n_args = 1};
	struct vsl_seccomp_rule r_idx = {
	    .names = NAMES("mkdir"), .action = "SCMP_ACT_ERRNO", .args = bad_idx, .n_args = 1};
	struct vsl_seccomp_rule r_act = {.names = NAMES("mkdir"), .action = "SCMP_ACT_BOGUS"};
	struct vsl_seccomp_rule r_notify = {.names = NAMES("mkdir"), .action = "SCMP_ACT_NOTIFY"};
	struct vsl_seccomp_rule r_sendmsg = {.names = NAMES("sendmsg"),
					     .action = "SCMP_ACT_NOTIFY"};
	struct vsl_seccomp_rule r_unknown = {.names = NAMES("vsl_nope"),
					     .action = "SCMP_ACT_ERRNO"};
	struct vsl_seccomp_prog *p = NULL;
	struct vsl_err err;

	ok(compile_one("SCMP_ACT_ALLOW", &r_op, NULL, NULL, NULL, &err) == -EINVAL &&
	       strcmp(
		   err.msg,
		   "linux.seccomp.syscalls[0].args[0]: unknown seccomp operator \"SCMP_CMP_XX\"") ==
		   0,
	   "unknown operator: %s", err.msg);
	ok(compile_one("SCMP_ACT_ALLOW", &r_idx, NULL, NULL, NULL, &err) == -EINVAL &&
	       strstr(err.msg, "args[0]: index 6"),
	   "argument index 6: %s", err.msg);
	ok(compile_one("SCMP_ACT_ALLOW", &r_act, NULL, NULL, NULL, &err) == -EINVAL &&
	       strcmp(err.msg,
		      "linux.seccomp.syscalls[0]: unknown seccomp action \"SCMP_ACT_BOGUS\"") == 0,
	   "unknown action: %s", err.msg);
	ok(compile_one("SCMP_ACT_BOGUS", NULL, NULL, NULL, NULL, &err) == -EINVAL &&
	       strstr(err.msg, "linux.seccomp.defaultAction: unknown"),
	   "unknown default: %s", err.msg);
	ok(compile_one("SCMP_ACT_NOTIFY", NULL, NULL, "/x", NULL, &err) == -EINVAL,
	   "NOTIFY as default is refused: %s", err.msg);
	ok(compile_one("SCMP_ACT_ALLOW", &r_notify, NULL, NULL, NULL, &err) == -EINVAL &&
	       strstr(err.msg, "listenerPath"),
	   "NOTIFY without listenerPath: %s", err.msg);
	ok(compile_one("SCMP_ACT_ALLOW", &r_sendmsg, NULL, "/x", NULL, &err) == -EINVAL,
	   "NOTIFY on sendmsg is refused: %s", err.msg);
	ok(compile_one("SCMP_ACT_ALLOW", &r_notify, NAMES("SECCOMP_FILTER_FLAG_TSYNC"), "/x", &p,
		       &err) == 0 &&
	       p && p->notify && p->flags == SECCOMP_FILTER_FLAG_TSYNC,
	   "NOTIFY with listenerPath compiles, marked notify");
	if (p)
		ok(run_bpf(p, seccomp_arch_native(), nr_of("mkdir"), (uint64_t[6]){0}) ==
		       SCMP_ACT_NOTIFY,
		   "NOTIFY rule in the program");
	vsl_seccomp_prog_free(p);
	ok(compile_one("SCMP_ACT_ALLOW", &r_notify, NAMES("SECCOMP_FILTER_FLAG_BOGUS"), "/x", NULL,
		       &err) == -EINVAL &&
	       strstr(err.msg, "linux.seccomp.flags: unknown flag \"SECCOMP_FILTER_FLAG_BOGUS\""),
	   "unknown flag: %s", err.msg);
	ok(compile_one("SCMP_ACT_ALLOW", &r_unknown, NULL, NULL, NULL, &err) == 0,
	   "a syscall unknown to libseccomp is skipped, not fatal");
}

static void test_agent_json(void)
{
	static const char state[] = "{\"ociVersion\":\"1.2.0\",\"id\":\"c1\",\"status\":"
				    "\"creating\",\"pid\":42,\"bundle\":\"/b\",\"annotations\":"
				    "{\"k\":\"v\\\"q\"},\"x\":[1.5,true,null]}";
	struct vsl_seccomp_rule r[] = {
	    {.names = NAMES("read"), .action = "SCMP_ACT_ALLOW"},
	    {.names = NAMES("mkdir"), .action = "SCMP_ACT_NOTIFY"},
	};
	struct vsl_seccomp sc = {.syscalls = r, .n_syscalls = 1};
	struct vsl_err err;
	char *j;

	j = vsl_seccomp_agent_json("1.2.0", "meta", state, &err);
	is_str(j,
	       "{\"ociVersion\":\"1.2.0\",\"fds\":[\"seccompFd\"],\"pid\":42,\"metadata\":\"meta\","
	       "\"state\":{\"ociVersion\":\"1.2.0\",\"id\":\"c1\",\"status\":\"creating\","
	       "\"pid\":42,\"bundle\":\"/b\",\"annotations\":{\"k\":\"v\\\"q\"},"
	       "\"x\":[1.5,true,null]}}",
	       "container process state: %s", j);
	free(j);
	j = vsl_seccomp_agent_json(NULL, NULL, "{\"id\":\"c\",\"pid\":7}", &err);
	is_str(j,
	       "{\"ociVersion\":\"1.2.0\",\"fds\":[\"seccompFd\"],\"pid\":7,\"state\":"
	       "{\"id\":\"c\",\"pid\":7}}",
	       "no metadata: %s", j);
	free(j);
	ok(vsl_seccomp_agent_json(NULL, NULL, "{\"id\":\"c\"}", &err) == NULL && err.code == EINVAL,
	   "a state without a pid is refused: %s", err.msg);
	ok(vsl_seccomp_agent_json(NULL, NULL, NULL, &err) == NULL, "no state is refused");
	ok(!vsl_seccomp_uses_notify(&sc), "no NOTIFY rule");
	sc.n_syscalls = 2;
	ok(vsl_seccomp_uses_notify(&sc), "a NOTIFY rule");
}

int main(void)
{
	test_tables();
	test_filter();
	test_errors();
	test_agent_json();
	return tap_done();
}
