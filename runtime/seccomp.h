/* linux.seccomp -> a classic BPF program built by libseccomp at `create` time, kept in
 * memory, and loaded with seccomp(2) just before exec (so the load flags the kernel has
 * are all usable, whatever libseccomp knows). Name tables are pure and unit-tested. */
#ifndef VSL_RUNTIME_SECCOMP_H
#define VSL_RUNTIME_SECCOMP_H

#include <linux/filter.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/err.h"
#include "common/log.h"
#include "spec/config.h"

/* A compiled filter. */
struct vsl_seccomp_prog {
	struct sock_filter *insns;
	size_t n_insns;
	unsigned int flags; /* SECCOMP_FILTER_FLAG_* for seccomp(2) */
	bool notify;	    /* some rule is SCMP_ACT_NOTIFY: load with NEW_LISTENER */
};

/* "SCMP_ACT_ERRNO" with errnoRet -> libseccomp action value. errno_ret (has_errno false:
 * EPERM) goes into ERRNO and TRACE; any other action given an errnoRet is an error, as the
 * spec asks. what names the JSON field in the message. */
int vsl_seccomp_action(const char *name, bool has_errno, uint32_t errno_ret, const char *what,
		       uint32_t *out, struct vsl_err *err);
/* "SCMP_CMP_MASKED_EQ" -> enum scmp_compare; -1 if unknown. */
int vsl_seccomp_op(const char *name);
/* "SCMP_ARCH_X86_64" -> SCMP_ARCH_X86_64 token; 0 if libseccomp does not know it. */
uint32_t vsl_seccomp_arch(const char *name);
/* "SECCOMP_FILTER_FLAG_LOG" -> kernel flag bit; 0 if unknown. */
unsigned int vsl_seccomp_flag(const char *name);
/* Does the running kernel accept this SECCOMP_FILTER_FLAG_* (asked without loading)? */
bool vsl_seccomp_flag_supported(unsigned int flag);

/* Build the filter of sc and export it to BPF in memory. Syscall names libseccomp does not
 * know are skipped with a debug line; unknown actions, operators, architectures or flags
 * are errors naming the field. *out is the caller's (vsl_seccomp_prog_free). */
int vsl_seccomp_compile(const struct vsl_seccomp *sc, const struct vsl_log *log,
			struct vsl_seccomp_prog **out, struct vsl_err *err);
void vsl_seccomp_prog_free(struct vsl_seccomp_prog *p);

/* Load the filter into the calling thread (needs no_new_privs or CAP_SYS_ADMIN). With
 * notify, *out_listener is the new listener fd (CLOEXEC), else -1. */
int vsl_seccomp_load(const struct vsl_seccomp_prog *p, int *out_listener, struct vsl_err *err);

/* Does any rule use SCMP_ACT_NOTIFY (then listenerPath matters)? */
bool vsl_seccomp_uses_notify(const struct vsl_seccomp *sc);

/* A SOCK_STREAM socket connected to listenerPath (CLOEXEC). Call it while the host path is
 * still reachable, i.e. before the container's rootfs is entered. */
int vsl_seccomp_listener_connect(const char *path, int *out_fd, struct vsl_err *err);

/* The container process state of config-linux.md for the seccomp agent (malloc'd JSON):
 * ociVersion, fds ["seccompFd"], pid, metadata (if any), and state_json (the container's
 * OCI state, whose "pid" is also the top-level one) as "state". EINVAL if state_json is
 * not an object with an integer pid. */
char *vsl_seccomp_agent_json(const char *oci_version, const char *metadata, const char *state_json,
			     struct vsl_err *err);

/* Send the state and the listener fd (SCM_RIGHTS) over sock; one state per connection,
 * so the caller closes sock afterwards. */
int vsl_seccomp_send_listener(int sock, int listener, const char *state_json, struct vsl_err *err);

#endif
