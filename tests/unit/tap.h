/* A tiny TAP producer for the unit tests: one binary per file, cases as tables.
 * Exit code: 0 all passed, 1 something failed. tests/run counts the "ok"/"not ok" lines. */
#ifndef VSL_TESTS_TAP_H
#define VSL_TESTS_TAP_H

#include <stdio.h>
#include <string.h>

static int tap_n, tap_failed;

#define ok(cond, ...)                                                              \
	do {                                                                       \
		int ok_c_ = !!(cond);                                              \
		tap_n++;                                                           \
		if (!ok_c_)                                                        \
			tap_failed++;                                              \
		printf("%s %d - ", ok_c_ ? "ok" : "not ok", tap_n);                \
		printf(__VA_ARGS__);                                               \
		printf("\n");                                                      \
		if (!ok_c_)                                                        \
			printf("#   failed at %s:%d: %s\n", __FILE__, __LINE__, #cond); \
	} while (0)

#define skip(reason, ...)                                \
	do {                                             \
		tap_n++;                                 \
		printf("ok %d - # SKIP %s: ", tap_n, reason); \
		printf(__VA_ARGS__);                     \
		printf("\n");                            \
	} while (0)

#define is_str(a, b, ...) ok((a) && (b) && strcmp((a), (b)) == 0, __VA_ARGS__)

static inline int tap_done(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

#endif
