/* runtime/status.c: the operations each status allows. */
#include "runtime/container.h"
#include "tests/unit/tap.h"

int main(void)
{
	ok(vsl_status_allows(VSL_STATUS_CREATED, VSL_OP_START), "created can start");
	ok(!vsl_status_allows(VSL_STATUS_RUNNING, VSL_OP_START), "running cannot start again");
	ok(!vsl_status_allows(VSL_STATUS_STOPPED, VSL_OP_START), "stopped cannot start");
	ok(vsl_status_allows(VSL_STATUS_RUNNING, VSL_OP_KILL), "running can be killed");
	ok(vsl_status_allows(VSL_STATUS_CREATED, VSL_OP_KILL), "created can be killed");
	ok(!vsl_status_allows(VSL_STATUS_STOPPED, VSL_OP_KILL), "stopped cannot be killed");
	ok(vsl_status_allows(VSL_STATUS_STOPPED, VSL_OP_DELETE), "stopped can be deleted");
	ok(vsl_status_allows(VSL_STATUS_CREATED, VSL_OP_DELETE), "created can be deleted");
	ok(!vsl_status_allows(VSL_STATUS_RUNNING, VSL_OP_DELETE), "running needs --force");
	ok(!vsl_status_allows(VSL_STATUS_CREATING, VSL_OP_DELETE), "creating needs --force");
	ok(vsl_status_allows(VSL_STATUS_RUNNING, VSL_OP_EXEC), "exec into running");
	ok(!vsl_status_allows(VSL_STATUS_PAUSED, VSL_OP_EXEC), "no exec into paused");
	ok(!vsl_status_allows(VSL_STATUS_STOPPED, VSL_OP_EXEC), "no exec into stopped");
	ok(vsl_status_allows(VSL_STATUS_RUNNING, VSL_OP_PAUSE), "pause running");
	ok(vsl_status_allows(VSL_STATUS_PAUSED, VSL_OP_RESUME), "resume paused");
	ok(!vsl_status_allows(VSL_STATUS_RUNNING, VSL_OP_RESUME), "resume needs paused");
	return tap_done();
}
