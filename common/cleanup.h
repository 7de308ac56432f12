/* Scope-bound cleanup for memory and fds (the kernel resources a container owns go on
 * an undo list instead: runtime/undo.h). Cleanups accept NULL / -1 and keep errno. */
#ifndef VSL_COMMON_CLEANUP_H
#define VSL_COMMON_CLEANUP_H

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static inline void vsl_freep(void *p)
{
	int saved = errno;
	free(*(void **)p);
	errno = saved;
}

static inline void vsl_closep(int *fd)
{
	int saved = errno;
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
	errno = saved;
}

static inline void vsl_fclosep(FILE **f)
{
	int saved = errno;
	if (*f)
		fclose(*f);
	errno = saved;
}

static inline void vsl_closedirp(DIR **d)
{
	int saved = errno;
	if (*d)
		closedir(*d);
	errno = saved;
}

/* Free a NULL-terminated vector of strings and the vector. */
void vsl_strv_free(char **v);
static inline void vsl_strv_freep(char ***v)
{
	int saved = errno;
	vsl_strv_free(*v);
	errno = saved;
}

#define cleanup_free __attribute__((cleanup(vsl_freep)))
#define cleanup_close __attribute__((cleanup(vsl_closep)))
#define cleanup_file __attribute__((cleanup(vsl_fclosep)))
#define cleanup_dir __attribute__((cleanup(vsl_closedirp)))
#define cleanup_strv __attribute__((cleanup(vsl_strv_freep)))
#define cleanup_with(fn) __attribute__((cleanup(fn)))

/* Hand ownership on: return the value and leave the source empty. */
static inline void *vsl_steal_ptr_(void **p)
{
	void *v = *p;
	*p = NULL;
	return v;
}
#define vsl_steal_ptr(pp) ((__typeof__(*(pp)))vsl_steal_ptr_((void **)(pp)))

static inline int vsl_steal_fd(int *fd)
{
	int v = *fd;
	*fd = -1;
	return v;
}

#endif
