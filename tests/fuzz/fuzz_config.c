/* libFuzzer target for the config.json parser, the input orchestrators hand vessel: any
 * bytes must give a config or one error, never a crash or a leak; a parsed config must
 * serialize, parse again and serialize to the same text. `make fuzz` builds and runs it
 * (clang, ASan, UBSan); not part of the test command. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "spec/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vsl_err err;
	struct vsl_config *c = vsl_config_parse((const char *)data, size, "fuzz.json", &err);
	struct vsl_config *again;
	char *j1, *j2;

	if (!c) {
		if (!err.msg[0] || strchr(err.msg, '\n'))
			abort(); /* an error must be one non-empty line */
		return 0;
	}
	j1 = vsl_config_to_json(c, false);
	again = vsl_config_parse(j1, strlen(j1), "again.json", &err);
	if (!again)
		abort(); /* what we wrote must parse */
	j2 = vsl_config_to_json(again, false);
	if (strcmp(j1, j2) != 0)
		abort(); /* and round-trip */
	free(j1);
	free(j2);
	vsl_config_free(again);
	vsl_config_free(c);
	return 0;
}
